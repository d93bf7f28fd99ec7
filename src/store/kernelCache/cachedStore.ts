// The Secret Service behind the kernel cache (store/kernelCache/kernelCache.ts). Only `get` and `list`, the
// commands docker runs for every pull and build, read through it; every write and removal, by any
// command, renews the keychain's generation first-hand, so that no process answers from an entry
// read before it. What may be cached, and for how long, is the caller's policy.
import { trace } from '../../runtime/trace.js';
import type { CacheGeneration } from './generation.js';
import type { SecretStore } from '../secretStore.js';

/** Where items are cached (store/kernelCache/kernelCache.ts); never throws, a failure is a miss. */
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
  lifetimeMs: (value: string, nowMs: number) => number;
  nowMs: () => number;
}

export class CachedStore implements SecretStore {
  constructor(
    private readonly inner: SecretStore,
    private readonly cache: ItemCache,
    private readonly generation: CacheGeneration,
    private readonly options: CacheOptions,
  ) {}

  read(account: string): Promise<string | null> {
    return this.through(account, () => this.inner.read(account), this.options.lifetimeMs);
  }

  async write(account: string, value: string, usefulUntil?: number): Promise<void> {
    try {
      await this.inner.write(account, value, usefulUntil);
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
    return await this.through(name, compute, () => lifetimeMs);
  }

  /**
   * The cached value of `name`, or what `compute` reads (then cached for the lifetime it is given).
   * The tag is taken before `compute` runs: a write in between renews it, and what is cached below
   * is then never answered.
   */
  private async through<T extends string | null>(
    name: string,
    compute: () => Promise<T>,
    lifetimeMs: (value: string, nowMs: number) => number,
  ): Promise<T | string> {
    const generation = this.options.readThrough ? this.currentGeneration() : null;
    if (generation !== null) {
      const hit = this.cache.read(name, generation, this.options.nowMs());
      trace('kernel-cache', { item: name, hit: hit !== null });
      if (hit !== null) return hit;
    }
    const value = await compute();
    if (value !== null && generation !== null) this.fill(name, value, generation, lifetimeMs);
    return value;
  }

  private currentGeneration(): string | null {
    return this.generation.current() ?? (this.generation.renew() ? this.generation.current() : null);
  }

  private fill(account: string, value: string, generation: string, lifetimeOf = this.options.lifetimeMs): void {
    const nowMs = this.options.nowMs();
    const lifetimeMs = lifetimeOf(value, nowMs);
    if (lifetimeMs > 0) this.cache.write(account, value, generation, nowMs, lifetimeMs);
  }

  /** The generation is renewed; if the tag file cannot be changed at all, the entry itself goes. */
  private invalidate(account: string): void {
    if (!this.generation.renew()) this.cache.drop(account);
  }
}
