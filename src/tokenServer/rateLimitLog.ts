// Rate-limited requests in the log without flooding it: an attacking address costs one line when it
// is first turned away, then one summary line per interval with how many more were refused. An attack
// of 16,000 requests in 20 s used to write 16,000 lines. Bounded memory: past MAX_ADDRESSES, further
// addresses are summed under "(other addresses)".
import type { Log } from './routes.js';

const MAX_ADDRESSES = 10_000;
const OTHERS = '(other addresses)';

export class RateLimitLog {
  /** Requests refused per address since its last line. */
  private readonly refused = new Map<string, number>();
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly log: Log,
    private readonly intervalMs: number,
  ) {}

  note(client: string, route: string, retryAfterS: number): void {
    const seen = this.refused.get(client);
    if (seen !== undefined) return void this.refused.set(client, seen + 1);
    if (this.refused.size >= MAX_ADDRESSES) return void this.refused.set(OTHERS, (this.refused.get(OTHERS) ?? 0) + 1);
    this.refused.set(client, 0);
    this.log({
      time: new Date().toISOString(),
      msg: 'rate limited',
      route,
      client,
      outcome: 'refused',
      reason: 'rate limited: too many failed authentications',
      retryAfterS,
    });
    this.timer ??= setInterval(() => this.flush(), this.intervalMs).unref();
  }

  /** One line per address that went on being refused; an address quiet for a whole interval is forgotten. */
  flush(): void {
    const intervalS = this.intervalMs / 1000;
    for (const [client, count] of this.refused) {
      if (count === 0) {
        this.refused.delete(client);
        continue;
      }
      this.log({
        time: new Date().toISOString(),
        msg: 'rate limited',
        client,
        outcome: 'refused',
        reason: 'rate limited: too many failed authentications',
        refused: count,
        intervalS,
      });
      this.refused.set(client, 0);
    }
    if (this.refused.size === 0 && this.timer) {
      clearInterval(this.timer);
      this.timer = undefined;
    }
  }
}
