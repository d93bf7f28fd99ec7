// A per-user cache in kernel memory (keyrings(7)) of what `get` reads from the Secret Service. A hit
// costs ~0.1 ms where the Secret Service read costs ~7 ms, most of it the encrypted session
// @napi-rs/keyring opens in every process (measured; docs/performance.md).
//
// Reading goes through @napi-rs/keyring's own keyutils store, already loaded for the keychain, so a
// hit loads nothing else. It links the user's persistent keyring into the caller's session keyring,
// then searches the session keyring it saw before that: a login's own (pam_keyinit), which then
// reaches the persistent keyring, or, in a process that had none (cron, containers, CI agents), the
// user's default session keyring, which reaches the user keyring (@u) instead. Writing needs what
// the library cannot do (permissions, a timeout), through runtime/keyctl.ts and koffi (~8 ms to
// load): only after a miss. So every entry is:
// - in the persistent keyring and linked into @u, so that both kinds of session find it;
// - readable by the user's processes (as the Secret Service is when unlocked), by nobody else;
// - timed out by the kernel no later than the credential stops being fresh (at most ten minutes);
// - tagged with the keychain's generation (store/kernelCache/generation.ts), so that a write or removal
//   anywhere turns every earlier entry into a miss.
// The cache never fails a command: anything unexpected is a miss, and the Secret Service answers.
import type { KeyringModule, KoffiModule } from '../../runtime/addon.js';
import { readFileSync } from 'node:fs';
import { KEYCTL, KEY_SPEC_SESSION_KEYRING, KEY_SPEC_USER_KEYRING, Keyctl } from '../../runtime/keyctl.js';
import type { ItemCache } from './cachedStore.js';
import { KEYCHAIN_SERVICE } from '../secretStore.js';

/**
 * Possessor (a process whose session keyring reaches it): everything. The user: view, read, search
 * and link, for processes that find it through @u without possessing it (the library links what it
 * finds into the session keyring). Group and others: nothing.
 */
const KEY_PERMISSIONS = 0x3f1b0000;
/** Entries are small records; anything bigger is not worth kernel memory. */
const MAX_ENTRY_BYTES = 4096;
/**
 * The kernel's key quota is per user and shared with everything else that keeps keys (Kerberos
 * tickets, fscrypt, our kernel store): the cache takes nothing past half of it.
 */
const QUOTA_SHARE = 0.5;

interface CacheEntry {
  /** The keychain generation it was read in. */
  g: string;
  /** Epoch ms after which it is not answered (the kernel's timeout has one-second steps). */
  u: number;
  /** The item, as the Secret Service holds it. */
  v: string;
}

export class KernelCache implements ItemCache {
  private readonly keys: Keyctl;
  private homeKeyring: number | undefined;

  constructor(
    private readonly loadKeyring: () => KeyringModule,
    loadKoffi: () => KoffiModule,
    private readonly service = `${KEYCHAIN_SERVICE}-cache`,
  ) {
    this.keys = new Keyctl(loadKoffi);
  }

  /** The cached item, or null (missing, from another generation, expired, or no kernel keyring). */
  read(account: string, generation: string, nowMs: number): string | null {
    try {
      const { Entry } = this.loadKeyring();
      const raw = Entry.withTarget(this.description(account), this.service, account, { linux: { store: 'keyutils' } }).getPassword();
      if (raw === null || raw.length > MAX_ENTRY_BYTES) return null;
      const entry = JSON.parse(raw) as Partial<CacheEntry>;
      return entry.g === generation && typeof entry.u === 'number' && nowMs < entry.u && typeof entry.v === 'string' ? entry.v : null;
    } catch {
      // No keyutils (seccomp in a container), a key between add_key and its permissions, not JSON.
      return null;
    }
  }

  /** Caches `value` for `lifetimeMs` (whole seconds; less than one is not cached). Never throws. */
  write(account: string, value: string, generation: string, nowMs: number, lifetimeMs: number): void {
    const seconds = Math.floor(lifetimeMs / 1000);
    const payload = Buffer.from(JSON.stringify({ g: generation, u: nowMs + seconds * 1000, v: value } satisfies CacheEntry), 'utf8');
    if (seconds < 1 || payload.length > MAX_ENTRY_BYTES || !withinQuota(payload.length)) return;
    let id = -1;
    try {
      id = this.keys.addUserKey(this.description(account), payload, this.home());
      if (id < 0) return;
      if (this.keys.setPerm(id, KEY_PERMISSIONS) < 0 || this.keys.keyctl(KEYCTL.setTimeout, id, seconds) < 0) {
        this.forget(id);
        return;
      }
      if (this.home() !== KEY_SPEC_USER_KEYRING) this.keys.keyctl(KEYCTL.link, id, KEY_SPEC_USER_KEYRING);
    } catch {
      // koffi could not be loaded (or no kernel keyrings here): nothing cached. A key whose timeout
      // was not set must not stay.
      if (id >= 0) this.forget(id);
    }
  }

  /** Removes the account's entry from every keyring it is linked into. Never throws. */
  drop(account: string): void {
    try {
      const id = this.keys.search(this.home(), this.description(account));
      if (id >= 0) this.forget(id);
    } catch {
      // koffi could not be loaded (or no kernel keyrings here): the generation tag already hides it.
    }
  }

  /**
   * Where entries live: the user's persistent keyring (keyrings(7)), which the reading library links
   * into the caller's session keyring before it searches, so that every session of the user finds
   * them, including a service's private session keyring that does not reach @u. Asking for it links
   * it into our session keyring too; in a process that had none but the user's default one, the
   * kernel first gives it a session keyring of its own (which is why keys in @u are then no longer
   * "possessed" and their permissions cannot be set: measured). Kernels without persistent keyrings:
   * the user keyring.
   */
  private home(): number {
    this.homeKeyring ??= (() => {
      const persistent = this.keys.keyctl(KEYCTL.getPersistent, -1, KEY_SPEC_SESSION_KEYRING);
      return persistent >= 0 ? persistent : KEY_SPEC_USER_KEYRING;
    })();
    return this.homeKeyring;
  }

  private forget(id: number): void {
    try {
      this.keys.keyctl(KEYCTL.invalidate, id);
    } catch {
      // as above
    }
  }

  private description(account: string): string {
    return `${this.service}:${account}`;
  }
}

/** Whether one more key of `bytes` keeps this user within the cache's share of the kernel quota. */
function withinQuota(bytes: number): boolean {
  const uid = process.getuid?.();
  if (uid === undefined) return false;
  try {
    // "  uid:  usage nkeys/nikeys qnkeys/maxkeys qnbytes/maxbytes" (keyrings(7))
    for (const line of readFileSync('/proc/key-users', 'latin1').split('\n')) {
      const fields = line.trim().split(/[\s:/]+/);
      if (Number(fields[0]) !== uid) continue;
      const [keys, maxKeys, usedBytes, maxBytes] = [fields[4], fields[5], fields[6], fields[7]].map(Number) as [number, number, number, number];
      return keys + 1 <= maxKeys * QUOTA_SHARE && usedBytes + bytes <= maxBytes * QUOTA_SHARE;
    }
    return true; // no line: this user has no keys yet
  } catch {
    return false;
  }
}
