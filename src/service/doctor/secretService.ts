// The keychain get uses, tried as get and registry-login use it: the same library, store object and
// timeouts (deps.stores['secret-service']). A read says whether a Secret Service answers; a throw-away
// item written, read back and removed says whether it takes items, which a locked collection does
// not (its reads answer "not found" whatever it holds, measured with gnome-keyring).
import { randomUUID } from 'node:crypto';
import { HelperError } from '../../errors.js';
import { fromError, ok, problem, type CheckResult, type DoctorContext } from './check.js';

const PROBE_ACCOUNT = 'probe:doctor';

export async function checkSecretService(context: DoctorContext, busFailed: boolean): Promise<CheckResult[]> {
  const check = process.platform === 'linux' ? 'Secret Service' : 'keychain';
  const severity = context.keychainNeeded ? 'failed' : 'warning';
  if (busFailed) return [problem(severity, check, 'cannot be reached without a session bus', 'fix the session bus first (above)')];
  const store = context.deps.stores['secret-service'];
  const value = `doctor ${randomUUID()}`;
  try {
    await store.read(PROBE_ACCOUNT);
  } catch (error) {
    return [fromError(severity, check, error)];
  }
  try {
    await store.write(PROBE_ACCOUNT, value);
  } catch (error) {
    if (error instanceof HelperError && error.code === 'keychain-locked') {
      return [
        problem(
          severity,
          check,
          'present, but its collection is locked: nothing can be written or read',
          'unlock it: log in to the desktop, or run "gnome-keyring-daemon --unlock" with the password on stdin',
        ),
      ];
    }
    return [fromError(severity, check, error)];
  }
  try {
    const back = await store.read(PROBE_ACCOUNT);
    if (back !== value)
      return [
        problem(
          severity,
          check,
          'present and unlocked, but an item written to it did not read back',
          'restart the keychain (e.g. gnome-keyring-daemon --replace)',
        ),
      ];
  } catch (error) {
    return [fromError(severity, check, error)];
  } finally {
    await store.remove(PROBE_ACCOUNT).catch(() => false);
  }
  return [ok(check, 'present and unlocked: a throw-away item was written, read back and removed')];
}
