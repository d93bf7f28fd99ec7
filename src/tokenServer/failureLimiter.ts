// Failed authentications per client address, in fixed windows: past the limit an address is
// answered 429 until its window ends, while every other address goes on as before. Bounded memory:
// at most MAX_ADDRESSES are tracked; when full, expired windows are dropped first, then the oldest.

const MAX_ADDRESSES = 50_000;

export class FailureLimiter {
  private readonly windows = new Map<string, { startedAt: number; failures: number }>();

  constructor(
    private readonly limit: number,
    private readonly windowMs: number,
  ) {}

  /** Milliseconds until the address may try again, or 0. */
  blockedFor(address: string, nowMs: number): number {
    const window = this.windows.get(address);
    if (!window || nowMs - window.startedAt >= this.windowMs) return 0;
    return window.failures >= this.limit ? this.windowMs - (nowMs - window.startedAt) : 0;
  }

  recordFailure(address: string, nowMs: number): void {
    const window = this.windows.get(address);
    if (window && nowMs - window.startedAt < this.windowMs) {
      window.failures++;
      return;
    }
    if (this.windows.size >= MAX_ADDRESSES) this.evict(nowMs);
    this.windows.set(address, { startedAt: nowMs, failures: 1 });
  }

  private evict(nowMs: number): void {
    for (const [address, window] of this.windows) {
      if (nowMs - window.startedAt >= this.windowMs) this.windows.delete(address);
    }
    // Maps iterate in insertion order: the first key is the oldest window.
    while (this.windows.size >= MAX_ADDRESSES) this.windows.delete(this.windows.keys().next().value!);
  }
}
