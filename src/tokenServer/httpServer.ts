// The token server's HTTP face: routes (routes.ts) behind one guard. Everything a request carries is
// parsed inside that guard, so no request can end the process: a malformed one is answered 400 in
// Distribution's error shape, a handler failure 500. Bounded headers and bodies, failed
// authentications rate-limited per client address (and summarised in the log, rateLimitLog.ts),
// one JSON log line per decision, graceful shutdown.
import { AsyncLocalStorage } from 'node:async_hooks';
import { createServer as createHttpServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { Socket } from 'node:net';
import { readFileSync } from 'node:fs';
import { splitListen, type TokenServerConfig } from './config.js';
import { callbackRoute, loginRoute, logoutRoute } from './browserRoutes.js';
import type { BrowserSignIn } from './browserSignIn.js';
import { FailureLimiter } from './failureLimiter.js';
import { errorBody, json, rawErrorAnswer } from './httpAnswers.js';
import { clientAddress, HttpFailure, parseTarget } from './httpRequest.js';
import { TokenServerMetrics } from './metrics.js';
import { RateLimitLog } from './rateLimitLog.js';
import { exchangeRoute, healthRoute, metricsRoute, tokenRoute, type Call, type Log, type Route, type ServerContext } from './routes.js';
import type { TokenService } from './tokenService.js';

const MAX_HEADERS = 16 * 1024;
const RATE_LIMIT_LOG_INTERVAL_MS = 10_000;

export interface RunningServer {
  url: string;
  /** Stops accepting, lets requests in flight finish (up to `graceMs`), then closes. */
  close(graceMs?: number): Promise<void>;
  /**
   * Ends the request whose code failed outside the guard (an uncaught exception or unhandled
   * rejection, reported by the process): answers it 500, or drops it if its answer had begun.
   */
  failInFlight(): void;
}

/** Token routes count failed authentications; the probes do not. */
const ROUTES = new Map<string, { route: Route; limited: boolean }>([
  ['/token', { route: tokenRoute, limited: true }],
  ['/oauth2/token', { route: tokenRoute, limited: true }],
  ['/oauth2/exchange', { route: exchangeRoute, limited: true }],
  ['/healthz', { route: healthRoute, limited: false }],
  ['/metrics', { route: metricsRoute, limited: false }],
  // The web UIs' sign-in (browserRoutes.ts): a forged callback counts as a failure.
  ['/login', { route: loginRoute, limited: false }],
  ['/callback', { route: callbackRoute, limited: true }],
  ['/logout', { route: logoutRoute, limited: false }],
]);

function answerFailure(server: ServerContext, call: Pick<Call, 'response' | 'client'> & { route: string }, error: unknown): void {
  if (call.response.headersSent) return void call.response.destroy();
  if (error instanceof HttpFailure) {
    if (error.status === 401) server.limiter.recordFailure(call.client, Date.now());
    server.log({ time: new Date().toISOString(), msg: 'decision', route: call.route, client: call.client, outcome: 'refused', reason: error.message });
    server.metrics.denied.inc({ reason: error.message.slice(0, 60) });
    return json(call.response, error.status, errorBody(error.status, error.message));
  }
  server.log({
    time: new Date().toISOString(),
    msg: 'error',
    route: call.route,
    client: call.client,
    error: String((error as Error)?.message ?? error).slice(0, 300),
  });
  json(call.response, 500, errorBody(500, 'internal error'));
}

async function handle(server: ServerContext, rateLimitLog: RateLimitLog, request: IncomingMessage, response: ServerResponse): Promise<void> {
  const started = process.hrtime.bigint();
  const call = { response, client: 'unknown', route: '(unparsed)' };
  try {
    call.client = clientAddress(request, server.config.trustForwardedFor);
    const target = parseTarget(request.url);
    call.route = target.pathname.slice(0, 100);
    const entry = ROUTES.get(target.pathname);
    if (!entry) throw new HttpFailure(404, 'no such endpoint: use /token or /oauth2/exchange');
    const waitMs = entry.limited ? server.limiter.blockedFor(call.client, Date.now()) : 0;
    if (waitMs > 0) {
      server.metrics.denied.inc({ reason: 'rate limited' });
      server.metrics.rateLimited.inc();
      rateLimitLog.note(call.client, call.route, Math.ceil(waitMs / 1000));
      const message = 'too many failed authentications from this address: wait and try again';
      return json(response, 429, errorBody(429, message), { 'retry-after': String(Math.ceil(waitMs / 1000)) });
    }
    await entry.route(server, { request, response, target, client: call.client });
    if (entry.limited) server.metrics.latency.observe({ route: call.route }, Number(process.hrtime.bigint() - started) / 1e9);
  } catch (error) {
    answerFailure(server, call, error);
  }
}

/** What Node's HTTP parser refuses (no ServerResponse exists): a JSON answer, then the socket closes. */
function answerClientError(metrics: TokenServerMetrics, error: NodeJS.ErrnoException, socket: Socket): void {
  const answering = (socket as Socket & { _httpMessage?: ServerResponse })._httpMessage;
  if (error.code === 'ECONNRESET' || !socket.writable || answering?.headersSent) return void socket.destroy();
  const [status, reason] =
    error.code === 'HPE_HEADER_OVERFLOW'
      ? [431, 'Request Header Fields Too Large']
      : error.code === 'ERR_HTTP_REQUEST_TIMEOUT'
        ? [408, 'Request Timeout']
        : [400, 'Bad Request'];
  metrics.denied.inc({ reason: `malformed HTTP (${status})` });
  socket.end(
    rawErrorAnswer(status, reason, status === 431 ? 'request headers too large' : status === 408 ? 'request took too long' : 'malformed HTTP request'),
  );
}

function listen(server: Server, config: TokenServerConfig, inFlight: AsyncLocalStorage<ServerResponse>, rateLimitLog: RateLimitLog): Promise<RunningServer> {
  const [host, port] = splitListen(config.listen)!;
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      const address = server.address();
      const actualPort = typeof address === 'object' && address ? address.port : port;
      resolve({
        url: `${config.tls ? 'https' : 'http'}://${host.includes(':') ? `[${host}]` : host}:${actualPort}`,
        close: (graceMs = 10_000) =>
          new Promise<void>((done) => {
            rateLimitLog.flush();
            server.close(() => done());
            server.closeIdleConnections();
            setTimeout(() => {
              server.closeAllConnections();
              done();
            }, graceMs).unref();
          }),
        failInFlight() {
          const response = inFlight.getStore();
          if (!response || response.writableEnded) return;
          if (response.headersSent) response.destroy();
          else json(response, 500, errorBody(500, 'internal error'));
        },
      });
    });
  });
}

export function startHttpServer(config: TokenServerConfig, service: TokenService, log: Log, browser?: BrowserSignIn): Promise<RunningServer> {
  const metrics = new TokenServerMetrics();
  const context: ServerContext = {
    config,
    service,
    metrics,
    log,
    browser,
    limiter: new FailureLimiter(config.rateLimit.failures, config.rateLimit.window * 1000),
  };
  const rateLimitLog = new RateLimitLog(log, RATE_LIMIT_LOG_INTERVAL_MS);
  const inFlight = new AsyncLocalStorage<ServerResponse>();
  const listener = (request: IncomingMessage, response: ServerResponse) =>
    inFlight.run(response, () => void handle(context, rateLimitLog, request, response).catch(() => response.destroy()));
  const options = { maxHeaderSize: MAX_HEADERS, requestTimeout: 15_000, headersTimeout: 10_000, keepAliveTimeout: 5_000 };
  const server: Server = config.tls
    ? createHttpsServer({ ...options, cert: readFileSync(config.tls.cert), key: readFileSync(config.tls.key) }, listener)
    : createHttpServer(options, listener);
  server.on('clientError', (error: NodeJS.ErrnoException, socket: Socket) => answerClientError(metrics, error, socket));
  return listen(server, config, inFlight, rateLimitLog);
}

/**
 * A fault that escapes a handler (a callback throwing, a promise nobody awaits) ends the request it
 * belongs to, never the process: one bad request must not take every client down. For the
 * token-server command, which hands it to the process edge (Terminal.onEscapedFault).
 */
export function escapedFaultReporter(server: RunningServer, log: Log): (kind: string, error: unknown) => void {
  return (kind, error) => {
    log({ time: new Date().toISOString(), msg: 'error', kind, error: String((error as Error)?.message ?? error).slice(0, 300) });
    server.failInFlight();
  };
}
