// The token server's endpoints, each a top-level handler over a small context: the Distribution token
// endpoint (GET and POST /token, and /oauth2/token, ACR's POST realm), Azure Container Registry's
// /oauth2/exchange, /healthz and /metrics. They throw HttpFailure for what the client got wrong; the
// guard in httpServer.ts answers it.
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { BrowserSignIn } from './browserSignIn.js';
import type { TokenServerConfig } from './config.js';
import type { FailureLimiter } from './failureLimiter.js';
import { errorBody, json, type ErrorShape } from './httpAnswers.js';
import { credentialOf, formCredential, HttpFailure, readForm, type Target } from './httpRequest.js';
import type { TokenServerMetrics } from './metrics.js';
import { allowWebUi, preflight } from './webUiCors.js';
import type { Credential, Decision, TokenRequest, TokenService } from './tokenService.js';

export type Log = (line: Record<string, unknown>) => void;

/** What every handler may use: one per server. */
export interface ServerContext {
  config: TokenServerConfig;
  service: TokenService;
  metrics: TokenServerMetrics;
  limiter: FailureLimiter;
  log: Log;
  /** The web UIs' sign-in (browserSignIn in the config), when configured. */
  browser?: BrowserSignIn | undefined;
}

/** One request: its parsed target and the client's address. */
export interface Call {
  request: IncomingMessage;
  response: ServerResponse;
  target: Target;
  client: string;
}

export type Route = (server: ServerContext, call: Call) => Promise<void>;

/** One log line and the counters per decision; a refused credential counts against the address. */
function record(server: ServerContext, call: Call, decision: Decision): void {
  server.log({ time: new Date().toISOString(), msg: 'decision', route: call.target.pathname, client: call.client, ...decision });
  if (decision.outcome === 'issued') {
    server.metrics.issued.inc({ kind: call.target.pathname === '/oauth2/exchange' ? 'refresh_token' : 'access_token' });
    return;
  }
  server.metrics.denied.inc({ reason: (decision.reason ?? 'unknown').replace(/[:"].*$/, '').slice(0, 60) });
  // 503 is the server's own inability to verify (a provider outage): not the client's failure.
  if (decision.status === 401) server.limiter.recordFailure(call.client, Date.now());
}

function refuse(server: ServerContext, call: Call, decision: Decision, shape: ErrorShape): void {
  const status = decision.status ?? 400;
  const what =
    status === 401
      ? 'authentication failed'
      : status === 503
        ? 'cannot verify credentials now, try again later'
        : status === 429
          ? 'too many failures'
          : 'bad request';
  const headers: Record<string, string> = {};
  if (status === 429) headers['retry-after'] = String(server.config.rateLimit.window);
  if (status === 401 && shape === 'distribution') headers['www-authenticate'] = `Basic realm="${server.config.service}"`;
  if (status === 503) headers['retry-after'] = '30';
  json(call.response, status, errorBody(status, `${what}: ${decision.reason}`, shape), headers);
}

/** A web UI's session cookie counts only from an allowed Origin, and only without other credentials. */
async function browserCredential(server: ServerContext, call: Call): Promise<Credential> {
  const { request } = call;
  if (request.headers.authorization || !server.browser?.allowedOrigin(request.headers.origin)) return credentialOf(request.headers.authorization);
  const session = await server.browser.sessions.readSession(request.headers.cookie, Date.now() / 1000);
  return session ? { kind: 'session', subject: session, endsAt: session.exp } : { kind: 'none' };
}

async function tokenRequestOf(server: ServerContext, call: Call): Promise<TokenRequest> {
  const { request, target } = call;
  if (request.method === 'GET' && target.pathname === '/token') {
    return {
      service: target.query.get('service') ?? undefined,
      scopes: target.query.getAll('scope'),
      credential: await browserCredential(server, call),
      offline: target.query.get('offline_token') === 'true',
    };
  }
  if (request.method !== 'POST') throw new HttpFailure(405, 'use GET or POST');
  const form = await readForm(request);
  return {
    service: form.get('service') ?? undefined,
    scopes: form.getAll('scope'),
    credential: formCredential(form),
    offline: form.get('access_type') === 'offline',
  };
}

/** GET /token (Distribution's token spec) and POST /token, /oauth2/token (its OAuth2 form). */
export const tokenRoute: Route = async (server, call) => {
  if (call.request.method === 'OPTIONS') return preflight(server, call);
  allowWebUi(server, call);
  const oauthForm = call.request.method === 'POST';
  const { decision, issued } = await server.service.token(await tokenRequestOf(server, call));
  record(server, call, decision);
  if (!issued) return refuse(server, call, decision, oauthForm ? 'oauth' : 'distribution');
  json(call.response, 200, {
    token: issued.token,
    access_token: issued.token,
    expires_in: issued.expiresIn,
    issued_at: new Date(issued.issuedAt * 1000).toISOString(),
    ...(issued.refreshToken ? { refresh_token: issued.refreshToken } : {}),
    ...(oauthForm ? { scope: decision.granted.join(' ') } : {}),
  });
};

/** POST /oauth2/exchange: an OIDC access token for a registry refresh token. */
export const exchangeRoute: Route = async (server, call) => {
  if (call.request.method !== 'POST') throw new HttpFailure(405, 'use POST');
  const form = await readForm(call.request);
  if (form.get('grant_type') !== 'access_token') {
    return json(call.response, 400, { error: 'unsupported_grant_type', error_description: 'grant_type must be access_token' });
  }
  const result = await server.service.exchange(form.get('service') ?? undefined, form.get('access_token') ?? undefined);
  record(server, call, result.decision);
  if (!result.refreshToken) return refuse(server, call, result.decision, 'oauth');
  json(call.response, 200, { refresh_token: result.refreshToken });
};

export const healthRoute: Route = (_server, call) => Promise.resolve(json(call.response, 200, { status: 'ok' }));

export const metricsRoute: Route = async (server, call) => {
  const text = await server.metrics.registry.metrics();
  call.response.writeHead(200, { 'content-type': server.metrics.registry.contentType });
  call.response.end(text);
};
