// docker-credential-helpers' HandleCommand: one protocol action over a four-method helper, text in,
// text out, no process access (main.ts reads stdin, prints and exits). Bad input is refused here,
// before the helper (and so the keychain) is touched.
import { HelperError, reportError, type ErrorReport } from '../errors.js';
import { unknownAction } from './messages.js';
import { formatCredentials, formatList, parseServerUrlInput, parseStoreInput, type Credentials } from './wire.js';

/** The four operations behind the protocol (docker-credential-helpers' `Helper`). */
export interface CredentialHelper {
  add(credentials: Credentials): Promise<void>;
  /** Erasing what is not there succeeds: docker logout erases four spellings of one registry. */
  delete(serverUrl: string): Promise<void>;
  get(serverUrl: string): Promise<Credentials>;
  /** serverURL → username of every credential `get` can answer. */
  list(): Promise<ReadonlyMap<string, string>>;
}

export type ProtocolAction = 'store' | 'get' | 'erase' | 'list';

const PROTOCOL_ACTIONS: ReadonlySet<string> = new Set<ProtocolAction>(['store', 'get', 'erase', 'list']);

export function isProtocolAction(action: string): action is ProtocolAction {
  return PROTOCOL_ACTIONS.has(action);
}

/** Returns what to print on stdout; throws HelperError for every failure. */
export async function handleCommand(helper: () => CredentialHelper, action: string, stdin: string): Promise<string> {
  switch (action) {
    // Each input is parsed before the helper is asked for: a call operand is evaluated after its callee.
    case 'store': {
      const credentials = parseStoreInput(stdin);
      await helper().add(credentials);
      return '';
    }
    case 'get': {
      const serverUrl = parseServerUrlInput(stdin);
      return formatCredentials(await helper().get(serverUrl));
    }
    case 'erase': {
      const serverUrl = parseServerUrlInput(stdin);
      await helper().delete(serverUrl);
      return '';
    }
    case 'list':
      // docker build sends "unused" on stdin; it carries nothing.
      return formatList(await helper().list());
    default:
      throw new HelperError('unknown-action', unknownAction(action));
  }
}

/**
 * One protocol call as the process answers it: stdout, stderr and exit code (docker reads stdout;
 * every failure is one line there, and operational ones also one line on stderr).
 */
export async function answerProtocol(helper: () => CredentialHelper, action: string, readInput: () => string, program: string): Promise<ErrorReport> {
  try {
    return { stdout: await handleCommand(helper, action, readInput()), stderr: '', exitCode: 0 };
  } catch (error) {
    return reportError(error, 'protocol', program);
  }
}
