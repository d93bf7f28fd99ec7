// Records larger than a keychain's item limit, split across several items and read back whole.
// Windows Credential Manager keeps at most 2,560 bytes per credential (CRED_MAX_CREDENTIAL_BLOB_SIZE),
// and the keychain library writes passwords there as UTF-16; Entra and Keycloak tokens are 1.5-3 KB
// each and a sign-in holds several (Azure's ACR helper broke on this, its issue #21). The Secret
// Service took 1,000 KiB in one item (measured), so on Linux and macOS nothing is split.
//
// A split record is a small manifest under the record's own account, naming a generation, the number
// of parts and a hash; the parts live under `part:GEN.I:ACCOUNT`. A writer writes the new
// generation's parts first, then switches the manifest, then removes the old parts, so a reader that
// read a manifest finds all of its parts, or (when a writer removed them after switching) reads the
// manifest again: it never mixes two generations. Writes of one account are serialised by the item
// lock around this store (store/lockingStore.ts).
import { lazyBuiltin } from '../runtime/lazyBuiltin.js';
import type { SecretStore } from './secretStore.js';

interface Manifest {
  chunked: { gen: number; parts: number; sha256: string };
}

const PART_PREFIX = 'part:';
const partAccount = (account: string, gen: number, index: number) => `${PART_PREFIX}${gen}.${index}:${account}`;
// node:crypto is loaded only when a record is split (never on Linux or macOS).
const sha256 = (text: string) => lazyBuiltin<typeof import('node:crypto')>('node:crypto').createHash('sha256').update(text).digest('hex');

function manifestOf(value: string): Manifest['chunked'] | null {
  if (!value.startsWith('{"chunked":')) return null;
  try {
    const parsed = JSON.parse(value) as Partial<Manifest>;
    const chunked = parsed.chunked;
    return chunked && Number.isInteger(chunked.gen) && Number.isInteger(chunked.parts) && typeof chunked.sha256 === 'string' ? chunked : null;
  } catch {
    return null;
  }
}

/** The item limit of this platform's keychain, in characters of the stored text (null: no limit). */
export function itemLimitFor(platform: NodeJS.Platform): number | null {
  // 2,560 bytes of UTF-16: 1,280 UTF-16 code units, which is what JavaScript string lengths count.
  return platform === 'win32' ? 1280 : null;
}

export class ChunkedStore implements SecretStore {
  constructor(
    private readonly inner: SecretStore,
    /** Characters one item holds. */
    private readonly limit: number,
  ) {}

  async read(account: string): Promise<string | null> {
    for (let attempt = 0; attempt < 5; attempt++) {
      const head = await this.inner.read(account);
      const manifest = head === null ? null : manifestOf(head);
      if (!manifest) return head;
      const whole = await this.readParts(account, manifest);
      if (whole !== null) return whole;
      // A writer switched to a newer generation and removed these parts meanwhile: read it again.
    }
    throw new Error(`the keychain item for ${account} kept changing while it was read`);
  }

  async write(account: string, value: string): Promise<void> {
    const currentHead = await this.inner.read(account);
    const current = currentHead === null ? null : manifestOf(currentHead);
    // Unchanged records are not written again (a refresh that changed nothing here).
    if (current ? current.sha256 === sha256(value) && (await this.readParts(account, current)) === value : currentHead === value) return;
    if (value.length <= this.limit) {
      await this.inner.write(account, value);
    } else {
      const gen = (current?.gen ?? 0) + 1;
      // The manifest itself must fit: it holds no more than a hash and two numbers.
      const size = this.limit;
      const parts = Math.ceil(value.length / size);
      for (let i = 0; i < parts; i++) await this.inner.write(partAccount(account, gen, i), value.slice(i * size, (i + 1) * size));
      await this.inner.write(account, JSON.stringify({ chunked: { gen, parts, sha256: sha256(value) } } satisfies Manifest));
    }
    if (current) await this.removeParts(account, current);
  }

  async remove(account: string): Promise<boolean> {
    const head = await this.inner.read(account);
    const manifest = head === null ? null : manifestOf(head);
    const removed = await this.inner.remove(account);
    if (manifest) await this.removeParts(account, manifest);
    return removed;
  }

  async entries(): Promise<Array<{ account: string; value: string }>> {
    const all = await this.inner.entries();
    const byAccount = new Map(all.map((item) => [item.account, item.value]));
    const result: Array<{ account: string; value: string }> = [];
    for (const { account, value } of all) {
      if (account.startsWith(PART_PREFIX)) continue;
      const manifest = manifestOf(value);
      if (!manifest) {
        result.push({ account, value });
        continue;
      }
      const pieces = Array.from({ length: manifest.parts }, (_, i) => byAccount.get(partAccount(account, manifest.gen, i)));
      const whole = pieces.every((piece) => piece !== undefined) ? pieces.join('') : null;
      // A record caught mid-change is read on its own, which waits for a whole generation.
      result.push({ account, value: whole !== null && sha256(whole) === manifest.sha256 ? whole : ((await this.read(account)) ?? '') });
    }
    return result;
  }

  private async readParts(account: string, manifest: Manifest['chunked']): Promise<string | null> {
    const pieces: string[] = [];
    for (let i = 0; i < manifest.parts; i++) {
      const piece = await this.inner.read(partAccount(account, manifest.gen, i));
      if (piece === null) return null;
      pieces.push(piece);
    }
    const whole = pieces.join('');
    return sha256(whole) === manifest.sha256 ? whole : null;
  }

  private async removeParts(account: string, manifest: Manifest['chunked']): Promise<void> {
    for (let i = 0; i < manifest.parts; i++) await this.inner.remove(partAccount(account, manifest.gen, i));
  }
}
