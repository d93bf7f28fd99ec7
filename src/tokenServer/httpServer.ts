// The token server's HTTP face: the Distribution token endpoints (GET and POST /token), Azure
// Container Registry's /oauth2/exchange (and /oauth2/token, its POST realm), /healthz and
// /metrics. Bounded headers and bodies, failed authentications rate-limited per client address,
// one JSON log line per decision, graceful shutdown.
import { createServer as createHttpServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import { readFileSync } from 'node:fs';
import { splitListen, type TokenServerConfig } from './config.js';
import { FailureLimiter } from './failureLimiter.js';
import { TokenServerMetrics } from './metrics.js';
import { REFRESH_TOKEN_USERNAME, type Credential, type Decision, type TokenService } from './tokenService.js';

const MAX_BODY = 64 * 1024;
const MAX_HEADERS = 16 * 1024;

export interface RunningServer {
  url: string;
  /** Stops accepting, lets requests in flight finish (up to `graceMs`), then closes. */
  close(graceMs?: number): Promise<void>;
}

type Log = (line: Record<string, unknown>) => void;

class HttpFailure extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

function json(response: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  const text = JSON.stringify(body);
  response.writeHead(status, { 'content-type': 'application/json', 'cache-control': 'no-store', 'content-length': Buffer.byteLength(text), ...headers });
  response.end(text);
}

async function readForm(request: IncomingMessage): Promise<URLSearchParams> {
  const type = request.headers['content-type'] ?? '';
  if (!type.startsWith('application/x-www-form-urlencoded')) throw new HttpFailure(415, 'send application/x-www-form-urlencoded');
  let size = 0;
  const chunks: Buffer[] = [];
  for await (const chunk of request as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > MAX_BODY) throw new HttpFailure(413, `body larger than ${MAX_BODY} bytes`);
    chunks.push(chunk);
  }
  return new URLSearchParams(Buffer.concat(chunks).toString('utf8'));
}

/** Basic credentials: the null-GUID user carries our refresh token, anyone else an OIDC token. */
function credentialOf(header: string | undefined): Credential {
  if (!header) return { kind: 'none' };
  const match = /^Basic\s+([A-Za-z0-9+/=]+)\s*$/i.exec(header);
  if (!match) throw new HttpFailure(401, 'only HTTP Basic credentials are accepted');
  const decoded = Buffer.from(match[1]!, 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  if (colon < 0) throw new HttpFailure(401, 'malformed Basic credentials');
  const [user, password] = [decoded.slice(0, colon), decoded.slice(colon + 1)];
  if (!password) throw new HttpFailure(401, 'empty password');
  return user === REFRESH_TOKEN_USERNAME ? { kind: 'refresh', token: password } : { kind: 'oidc', token: password };
}

function clientAddress(request: IncomingMessage, trustForwardedFor: boolean): string {
  if (trustForwardedFor) {
    // The ingress appends the address it saw: the last entry is the one nobody else could forge.
    const forwarded = String(request.headers['x-forwarded-for'] ?? '').split(',').map((part) => part.trim()).filter(Boolean).at(-1);
    if (forwarded) return forwarded.slice(0, 64);
  }
  return request.socket.remoteAddress ?? 'unknown';
}

export function startHttpServer(config: TokenServerConfig, service: TokenService, log: Log): Promise<RunningServer> {
  const metrics = new TokenServerMetrics();
  const limiter = new FailureLimiter(config.rateLimit.failures, config.rateLimit.window * 1000);

  const record = (route: string, client: string, decision: Decision) => {
    log({ time: new Date().toISOString(), msg: 'decision', route, client, ...decision });
    if (decision.outcome === 'issued') metrics.issued.inc({ kind: route === '/oauth2/exchange' ? 'refresh_token' : 'access_token' });
    else {
      metrics.denied.inc({ reason: (decision.reason ?? 'unknown').replace(/[:"].*$/, '').slice(0, 60) });
      if (decision.status === 401) limiter.recordFailure(client, Date.now());
    }
  };

  async function tokenRoute(request: IncomingMessage, response: ServerResponse, url: URL, client: string): Promise<void> {
    const oauthForm = request.method === 'POST';
    let result;
    if (request.method === 'GET' && url.pathname === '/token') {
      result = await service.token({
        service: url.searchParams.get('service') ?? undefined,
        scopes: url.searchParams.getAll('scope'),
        credential: credentialOf(request.headers.authorization),
        offline: url.searchParams.get('offline_token') === 'true',
      });
    } else if (oauthForm) {
      const form = await readForm(request);
      const grant = form.get('grant_type');
      let credential: Credential;
      if (grant === 'refresh_token') credential = { kind: 'refresh', token: form.get('refresh_token') ?? '' };
      else if (grant === 'password') {
        const password = form.get('password') ?? '';
        credential = form.get('username') === REFRESH_TOKEN_USERNAME ? { kind: 'refresh', token: password } : { kind: 'oidc', token: password };
      } else throw new HttpFailure(400, 'grant_type must be refresh_token or password');
      if (!credential.token) throw new HttpFailure(400, `${grant === 'password' ? 'password' : 'refresh_token'} is missing`);
      result = await service.token({
        service: form.get('service') ?? undefined,
        scopes: form.getAll('scope'),
        credential,
        offline: form.get('access_type') === 'offline',
      });
    } else throw new HttpFailure(405, 'use GET or POST');
    record(url.pathname, client, result.decision);
    const { issued, decision } = result;
    if (!issued) {
      const message = `${decision.status === 401 ? 'authentication failed' : 'bad request'}: ${decision.reason}`;
      if (oauthForm) json(response, decision.status ?? 400, { error: decision.status === 401 ? 'invalid_grant' : 'invalid_request', error_description: message });
      else json(response, decision.status ?? 400, { errors: [{ code: decision.status === 401 ? 'UNAUTHORIZED' : 'DENIED', message }] }, decision.status === 401 ? { 'www-authenticate': `Basic realm="${config.service}"` } : {});
      return;
    }
    json(response, 200, {
      token: issued.token,
      access_token: issued.token,
      expires_in: issued.expiresIn,
      issued_at: new Date(issued.issuedAt * 1000).toISOString(),
      ...(issued.refreshToken ? { refresh_token: issued.refreshToken } : {}),
      ...(oauthForm ? { scope: decision.granted.join(' ') } : {}),
    });
  }

  async function exchangeRoute(request: IncomingMessage, response: ServerResponse, client: string): Promise<void> {
    if (request.method !== 'POST') throw new HttpFailure(405, 'use POST');
    const form = await readForm(request);
    if (form.get('grant_type') !== 'access_token') {
      return json(response, 400, { error: 'unsupported_grant_type', error_description: 'grant_type must be access_token' });
    }
    const result = await service.exchange(form.get('service') ?? undefined, form.get('access_token') ?? undefined);
    record('/oauth2/exchange', client, result.decision);
    if (!result.refreshToken) {
      json(response, result.decision.status ?? 400, { error: result.decision.status === 401 ? 'invalid_grant' : 'invalid_request', error_description: result.decision.reason });
      return;
    }
    json(response, 200, { refresh_token: result.refreshToken });
  }

  async function handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const started = process.hrtime.bigint();
    const url = new URL(request.url ?? '/', 'http://token-server');
    const client = clientAddress(request, config.trustForwardedFor);
    try {
      if (url.pathname === '/healthz') return json(response, 200, { status: 'ok' });
      if (url.pathname === '/metrics') {
        const text = await metrics.registry.metrics();
        response.writeHead(200, { 'content-type': metrics.registry.contentType });
        return void response.end(text);
      }
      const isToken = url.pathname === '/token' || url.pathname === '/oauth2/token';
      if (!isToken && url.pathname !== '/oauth2/exchange') throw new HttpFailure(404, 'no such endpoint: use /token or /oauth2/exchange');
      const waitMs = limiter.blockedFor(client, Date.now());
      if (waitMs > 0) {
        metrics.denied.inc({ reason: 'rate limited' });
        log({ time: new Date().toISOString(), msg: 'decision', route: url.pathname, client, outcome: 'refused', reason: 'rate limited: too many failed authentications' });
        return json(response, 429, { errors: [{ code: 'TOOMANYREQUESTS', message: 'too many failed authentications from this address: wait and try again' }] }, { 'retry-after': String(Math.ceil(waitMs / 1000)) });
      }
      if (isToken) await tokenRoute(request, response, url, client);
      else await exchangeRoute(request, response, client);
      metrics.latency.observe({ route: url.pathname }, Number(process.hrtime.bigint() - started) / 1e9);
    } catch (error) {
      if (response.headersSent) return void response.destroy();
      if (error instanceof HttpFailure) {
        if (error.status === 401) limiter.recordFailure(client, Date.now());
        log({ time: new Date().toISOString(), msg: 'decision', route: url.pathname, client, outcome: 'refused', reason: error.message });
        metrics.denied.inc({ reason: error.message.slice(0, 60) });
        return json(response, error.status, { errors: [{ code: error.status === 401 ? 'UNAUTHORIZED' : 'DENIED', message: error.message }] });
      }
      log({ time: new Date().toISOString(), msg: 'error', route: url.pathname, client, error: (error as Error).message?.slice(0, 300) });
      json(response, 500, { errors: [{ code: 'UNKNOWN', message: 'internal error' }] });
    }
  }

  const options = { maxHeaderSize: MAX_HEADERS, requestTimeout: 15_000, headersTimeout: 10_000, keepAliveTimeout: 5_000 };
  const listener = (request: IncomingMessage, response: ServerResponse) => void handle(request, response);
  const server: Server = config.tls
    ? createHttpsServer({ ...options, cert: readFileSync(config.tls.cert), key: readFileSync(config.tls.key) }, listener)
    : createHttpServer(options, listener);
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
            server.close(() => done());
            server.closeIdleConnections();
            setTimeout(() => {
              server.closeAllConnections();
              done();
            }, graceMs).unref();
          }),
      });
    });
  });
}
