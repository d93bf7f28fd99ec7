// The kernel keyring (Linux): a registry's store when it says --store kernel, and where get's kernel
// cache keeps answers. Inside most containers a seccomp profile blocks keyctl (EPERM/ENOSYS).
import { fromError, ok, type CheckResult, type DoctorContext } from './check.js';

const PROBE_ACCOUNT = 'probe:doctor';

export async function checkKernelKeyring(context: DoctorContext): Promise<CheckResult[]> {
  if (process.platform !== 'linux') return [];
  const check = 'kernel keyring';
  const store = context.deps.stores.kernel;
  try {
    try {
      await store.write(PROBE_ACCOUNT, 'doctor');
      const back = await store.read(PROBE_ACCOUNT);
      if (back !== 'doctor') throw new Error('an item written to it did not read back');
    } finally {
      // Also after a half-done write (the key added, its permissions refused): leave nothing behind.
      await store.remove(PROBE_ACCOUNT).catch(() => false);
    }
  } catch (error) {
    const result = fromError(context.kernelNeeded ? 'failed' : 'warning', check, error);
    if (!context.kernelNeeded) result.detail += ' (no registry here keeps its tokens there; get only loses its kernel cache)';
    return [result];
  }
  return [ok(check, 'usable: a throw-away key was added, read back and removed')];
}
