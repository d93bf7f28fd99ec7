// Prometheus metrics with prom-client (the exposition format and histogram maths are not ours to
// hand-write): tokens issued, requests denied by reason, rate-limited requests, request latency.
import { Counter, Histogram, Registry } from 'prom-client';

export class TokenServerMetrics {
  readonly registry = new Registry();
  readonly issued = new Counter({
    name: 'token_server_issued_total',
    help: 'Tokens issued, by kind',
    labelNames: ['kind'] as const,
    registers: [this.registry],
  });
  readonly denied = new Counter({
    name: 'token_server_denied_total',
    help: 'Requests refused, by reason',
    labelNames: ['reason'] as const,
    registers: [this.registry],
  });
  /** Requests turned away by the failure limiter (the log has one line per address per interval). */
  readonly rateLimited = new Counter({
    name: 'token_server_rate_limited_total',
    help: 'Requests refused because their address failed too often',
    registers: [this.registry],
  });
  readonly latency = new Histogram({
    name: 'token_server_request_duration_seconds',
    help: 'Time to answer a token or exchange request',
    labelNames: ['route'] as const,
    buckets: [0.001, 0.0025, 0.005, 0.01, 0.02, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
    registers: [this.registry],
  });
}
