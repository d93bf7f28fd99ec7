// docker shows a helper's one-line error and nothing else ("error getting credentials - err: exit
// status 1, out: ..."). Where the cause is the set-up rather than the sign-in (the keychain, the
// network, the provider, a file), the line ends by pointing at `doctor`, which checks each part, and
// at the debug trace, which shows each step get took.
import { HelperError, type ErrorCode } from '../../errors.js';
import type { CredentialHelper } from '../../protocol/handleCommand.js';
import { hostWithPort, parseServerUrl } from '../../protocol/registryAddress.js';
import { DEBUG_VARIABLE, tracing } from '../../runtime/trace.js';

/** Failures a doctor check tells more about; "sign in again" and the protocol's own answers are complete as they are. */
const SET_UP_FAILURES: ReadonlySet<ErrorCode> = new Set([
  'keychain-unavailable',
  'keychain-locked',
  'keychain-timeout',
  'keychain-failure',
  'idp-unreachable',
  'idp-error',
  'config-invalid',
  'config-unreadable',
  'lock-failed',
]);

export function doctorAdvice(registry: string): string {
  return `run "docker-credential-oidc doctor ${registry}"`;
}

export function withDoctorHint(helper: CredentialHelper): CredentialHelper {
  return {
    ...helper,
    async get(serverUrl) {
      try {
        return await helper.get(serverUrl);
      } catch (error) {
        if (!(error instanceof HelperError) || !SET_UP_FAILURES.has(error.code)) throw error;
        let registry: string;
        try {
          registry = hostWithPort(parseServerUrl(serverUrl));
        } catch {
          throw error;
        }
        // Both places that tell more: doctor, and the trace (already being written, or how to turn it on).
        const trace = tracing() ? ', and read the debug trace' : `, or set ${DEBUG_VARIABLE}=1 to trace the next try`;
        throw new HelperError(error.code, `${error.message.replace(/[.\s]+$/, '')}; for more, ${doctorAdvice(registry)}${trace}`, { cause: error });
      }
    },
  };
}
