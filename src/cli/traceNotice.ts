// `status` and `doctor` say where the debug trace goes while DOCKER_CREDENTIAL_OIDC_DEBUG is set, so
// a person who set it in a shell profile and forgot it is told (the trace grows with every get).
import { printable } from '../errors.js';
import { DEBUG_VARIABLE } from '../runtime/trace.js';

/** The notice line, or undefined when the trace is off. */
export async function traceNotice(env: NodeJS.ProcessEnv): Promise<{ path: string; line: string } | undefined> {
  const { traceDestination } = await import('../runtime/traceFile.js');
  const path = traceDestination(env);
  return path ? { path, line: printable(`debug trace: on (${DEBUG_VARIABLE}), written to ${path}`) + '\n' } : undefined;
}
