// The debug trace as the code it observes sees it: `trace(step, fields)`, which does nothing until a
// sink is installed. DOCKER_CREDENTIAL_OIDC_DEBUG installs one (runtime/traceFile.ts, loaded only
// then): with the variable unset a cached `get` loads no writer, opens no file, formats nothing.
// The sink sits on globalThis, not in this module: the single executable carries the program, the
// token server and undici as scripts of their own, each with its own copy of this module.
export type TraceValue = string | number | boolean | null | undefined;
export type TraceFields = Record<string, TraceValue>;
export type TraceSink = (step: string, fields: TraceFields) => void;

export const DEBUG_VARIABLE = 'DOCKER_CREDENTIAL_OIDC_DEBUG';

const SINK = Symbol.for('docker-credential-oidc.traceSink');
type Holder = { [SINK]?: TraceSink | undefined };

/** One step of what a command did. Callers pass only names, addresses, codes and counts: never a secret. */
export function trace(step: string, fields: TraceFields = {}): void {
  (globalThis as Holder)[SINK]?.(step, fields);
}

/** Whether a trace is being written: callers skip work (a duration, a description) that only it needs. */
export function tracing(): boolean {
  return (globalThis as Holder)[SINK] !== undefined;
}

export function installTraceSink(sink: TraceSink | undefined): void {
  (globalThis as Holder)[SINK] = sink;
}

/** Whether the variable asks for a trace: set, and not one of the usual spellings of "off". */
export function traceRequested(env: NodeJS.ProcessEnv): boolean {
  const value = env[DEBUG_VARIABLE]?.trim();
  return Boolean(value) && !/^(0|false|off|no)$/i.test(value!);
}
