// The Secret Service behind the kernel cache (store/kernelCache.ts). Only `get` and `list`, the
// commands docker runs for every pull and build, read through it; every write and removal, by any
// command, renews the keychain's generation first-hand, so that no process answers from an entry
// read before it. What may be cached, and for how long, is the caller's policy.
import type { CacheGeneration } from './cacheGeneration.js';
import type { SecretStore } from './secretStore.js';

/** Where items are cached (store/kernelCache.ts); never throws, a failure is a miss. */
export interface ItemCache {
  /** The item if cached in `generation` and not past its time. */
  read(account: string, generation: string, nowMs: number): string | null;
  write(account: string, value: string, generation: string, nowMs: number, lifetimeMs: number): void;
  drop(account: string): void;
}

export interface CacheOptions {
  /** Whether reads are answered from the cache (and fill it). */
  readThrough: boolean;
  /** How long an item may be answered from the cache, in ms; 0 for never. */
  lifetimeMs(value: string, nowMs: number): number;
  nowMs(): number;
}

export class CachedStore implements SecretStore {
  constructor(
    private readonly inner: SecretStore,
    private readonly cache: ItemCache,
    private readonly generation: CacheGeneration,
    private readonly options: CacheOptions,
  ) {}

  async read(account: string): Promise<string | null> {
    if (!this.options.readThrough) return this.inner.read(account);
    // The tag is taken before the keychain is read: a write in between renews it, and what we
    // cache below is then never answered.
    const generation = this.currentGeneration();
    if (generation !== null) {
      const hit = this.cache.read(account, generation, this.options.nowMs());
      if (hit !== null) return hit;
    }
    const value = await this.inner.read(account);
    if (value !== null && generation !== null) this.fill(account, value, generation);
    return value;
  }

  async write(account: string, value: string): Promise<void> {
    try {
      await this.inner.write(account, value);
    } finally {
      this.invalidate(account);
    }
  }

  async remove(account: string): Promise<boolean> {
    try {
      return await this.inner.remove(account);
    } finally {
      this.invalidate(account);
      // A removed credential (docker logout) does not stay in kernel memory until its timeout.
      this.cache.drop(account);
    }
  }

  /** `list` reads every item anyway: docker build's `get`s that follow find them cached. */
  async entries(): Promise<Array<{ account: string; value: string }>> {
    const generation = this.options.readThrough ? this.currentGeneration() : null;
    const items = await this.inner.entries();
    if (generation === null) return items;
    const nowMs = this.options.nowMs();
    for (const { account, value } of items) {
      // Already there: no need to load the writing machinery for every build.
      if (this.cache.read(account, generation, nowMs) !== value) this.fill(account, value, generation);
    }
    return items;
  }

  /**
   * An answer computed from the keychain's items (list's), cached like an item under `name` (which no
   * registry key can spell) in the same generation: any write or removal ends it.
   */
  async remember(name: string, lifetimeMs: number, compute: () => Promise<string>): Promise<string> {
    const generation = this.options.readThrough ? this.currentGeneration() : null;
    if (generation !== null) {
      const hit = this.cache.read(name, generation, this.options.nowMs());
      if (hit !== null) return hit;
    }
    const answer = await compute();
    if (generation !== null) this.cache.write(name, answer, generation, this.options.nowMs(), lifetimeMs);
    return answer;
  }

  private currentGeneration(): string | null {
    return this.generation.current() ?? (this.generation.renew() ? this.generation.current() : null);
  }

  private fill(account: string, value: string, generation: string): void {
    const nowMs = this.options.nowMs();
    const lifetimeMs = this.options.lifetimeMs(value, nowMs);
    if (lifetimeMs > 0) this.cache.write(account, value, generation, nowMs, lifetimeMs);
  }

  /** The generation is renewed; if the tag file cannot be changed at all, the entry itself goes. */
  private invalidate(account: string): void {
    if (!this.generation.renew()) this.cache.drop(account);
  }
}
