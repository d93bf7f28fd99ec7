// The Linux kernel's per-user keyring (keyrings(7)) as a store, for machines with no Secret Service:
// CI agents, servers over SSH. Items live in kernel memory only and are gone at reboot. Two choices
// make it work across processes, which @napi-rs/keyring's keyutils store does not (measured: its keys
// sit in the writer's session keyring with user permission "view" only, so a process of another
// session, such as the next CI step or a cron job, reads them as AccessDenied):
// - keys are linked into the user keyring (@u), which every process of the user can search;
// - each key grants the user (not only its possessor) view, read, write and search.
// The syscalls go through runtime/keyctl.ts (koffi to libc's syscall(2)).
import { HelperError } from '../errors.js';
import type { KoffiModule } from '../runtime/addon.js';
import { ERRNO, ERRNO_NAMES, KEYCTL, KEY_SPEC_USER_KEYRING, Keyctl, isGone } from '../runtime/keyctl.js';
import { KEYCHAIN_SERVICE, type SecretStore } from './secretStore.js';

/** Possessor: everything; user: view, read, write, search. Group and others: nothing. */
const KEY_PERMISSIONS = 0x3f0f0000;
/**
 * How long a key lives when nobody knows how long what it holds is of use (a refresh token whose
 * provider does not say, a docker login password): from its last write, which every refresh repeats.
 */
export const UNKNOWN_LIFETIME_S = 30 * 86400;
/** The kernel's limit for a "user" key's payload. */
const MAX_PAYLOAD_BYTES = 32767;

export class KernelKeyring implements SecretStore {
  private readonly keys: Keyctl;

  constructor(
    loadKoffi: () => KoffiModule,
    private readonly service = KEYCHAIN_SERVICE,
  ) {
    this.keys = new Keyctl(loadKoffi);
  }

  async read(account: string): Promise<string | null> {
    // A key just added in another session gets its permissions a moment later: look again.
    for (let attempt = 1; ; attempt++) {
      const id = this.search(account);
      if (id === null) return null;
      const value = this.readKey(id, attempt < 3);
      if (value !== undefined) return value;
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
  }

  async write(account: string, value: string, usefulUntil?: number): Promise<void> {
    const payload = Buffer.from(value, 'utf8');
    if (payload.length > MAX_PAYLOAD_BYTES)
      throw new HelperError(
        'keychain-failure',
        `an item of ${payload.length} bytes does not fit in the kernel keyring (at most ${MAX_PAYLOAD_BYTES}): use --store secret-service or none`,
      );
    this.requireLinux();
    // add_key replaces the payload of an existing key of the same description in place, atomically.
    const id = this.keys.addUserKey(this.description(account), payload, KEY_SPEC_USER_KEYRING);
    if (id < 0) throw this.failure('write');
    if (this.keys.setPerm(id, KEY_PERMISSIONS) < 0) throw this.failure('write');
    // Every write sets the timeout again: add_key replacing a payload keeps the key's old expiry.
    if (this.keys.keyctl(KEYCTL.setTimeout, id, timeoutOf(usefulUntil, Date.now() / 1000)) < 0) throw this.failure('write');
  }

  async remove(account: string): Promise<boolean> {
    const id = this.search(account);
    if (id === null) return false;
    if (this.keys.keyctl(KEYCTL.unlink, id, KEY_SPEC_USER_KEYRING) < 0) {
      if (this.keys.errno() === ERRNO.ENOKEY) return false;
      throw this.failure('remove');
    }
    return true;
  }

  async entries(): Promise<Array<{ account: string; value: string }>> {
    const result: Array<{ account: string; value: string }> = [];
    const prefix = `${this.service}:`;
    for (const id of this.keyringMembers()) {
      const description = this.describe(id);
      if (!description?.startsWith(prefix)) continue;
      const value = this.readKey(id, false);
      if (value !== undefined) result.push({ account: description.slice(prefix.length), value });
    }
    return result;
  }

  private description(account: string): string {
    return `${this.service}:${account}`;
  }

  private requireLinux(): void {
    if (!Keyctl.available()) {
      throw new HelperError(
        'keychain-unavailable',
        `the kernel keyring is a Linux store (x64, arm64), not one of ${process.platform}-${process.arch}: use --store secret-service or none`,
      );
    }
  }

  private failure(operation: string): HelperError {
    const errno = this.keys.errno();
    const name = ERRNO_NAMES[errno] ?? `errno ${errno}`;
    if (errno === ERRNO.EDQUOT) {
      return new HelperError(
        'keychain-failure',
        `the kernel keyring's quota for this user is full (${operation}: EDQUOT): raise /proc/sys/kernel/keys/maxbytes, or use --store none`,
      );
    }
    if (errno === ERRNO.EPERM || errno === ERRNO.ENOSYS || errno === ERRNO.EACCES) {
      return new HelperError(
        'keychain-unavailable',
        `the kernel keyring is not usable here (${operation}: ${name}; a container's seccomp profile blocks keyctl): use --store none, or --store secret-service`,
      );
    }
    return new HelperError('keychain-failure', `the kernel keyring failed (${operation}: ${name}): use --store none to keep nothing`);
  }

  private search(account: string): number | null {
    this.requireLinux();
    const id = this.keys.search(KEY_SPEC_USER_KEYRING, this.description(account));
    if (id >= 0) return id;
    if (isGone(this.keys.errno())) return null;
    throw this.failure('read');
  }

  /** The payload, or undefined when the key went away (or is not yet readable and `retry` allows). */
  private readKey(id: number, retry: boolean): string | undefined {
    const buffer = Buffer.alloc(MAX_PAYLOAD_BYTES + 1);
    const length = this.keys.readInto(KEYCTL.read, id, buffer);
    if (length >= 0) return buffer.subarray(0, Math.min(length, buffer.length)).toString('utf8');
    const errno = this.keys.errno();
    if (isGone(errno)) return undefined;
    if (errno === ERRNO.EACCES && retry) return undefined;
    throw this.failure('read');
  }

  private keyringMembers(): number[] {
    const buffer = Buffer.alloc(4 * 4096);
    this.requireLinux();
    const length = this.keys.readInto(KEYCTL.read, KEY_SPEC_USER_KEYRING, buffer);
    if (length < 0) throw this.failure('list');
    const ids: number[] = [];
    for (let offset = 0; offset + 4 <= Math.min(length, buffer.length); offset += 4) ids.push(buffer.readInt32LE(offset));
    return ids;
  }

  /** "type;uid;gid;perm;description" of a key; null for one we may not see. */
  private describe(id: number): string | null {
    const buffer = Buffer.alloc(4096);
    const length = this.keys.readInto(KEYCTL.describe, id, buffer);
    if (length <= 0) return null;
    const text = buffer.subarray(0, Math.min(length, buffer.length)).toString('utf8').replace(/\0$/, '');
    const [type, , , , ...rest] = text.split(';');
    return type === 'user' ? rest.join(';') : null;
  }
}

/** Seconds a key is kept: until `usefulUntil` (at least one: 0 would mean "never expires"), else UNKNOWN_LIFETIME_S. */
export function timeoutOf(usefulUntil: number | undefined, nowS: number): number {
  if (usefulUntil === undefined || !Number.isFinite(usefulUntil)) return UNKNOWN_LIFETIME_S;
  return Math.max(1, Math.ceil(usefulUntil - nowS));
}
