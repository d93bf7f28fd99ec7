// A real, certified OpenID provider (npm oidc-provider) on 127.0.0.1 with the device flow, a public
// client, JWT access tokens for the registry's resource, rotating refresh tokens, revocation and
// introspection. approve() plays the person at the browser headlessly: it submits the provider's
// own device, login and consent forms with a cookie jar.
import { createServer, type Server } from 'node:http';
import { createServer as createTlsServer } from 'node:https';
import { Agent, fetch as undiciFetch } from 'undici';
import type { AddressInfo } from 'node:net';
import { generateKeyPairSync, randomUUID } from 'node:crypto';
import Provider, { errors as providerErrors } from 'oidc-provider';

export interface IdpOptions {
  accessTokenTtl?: number;
  deviceCodeTtl?: number;
  resource?: string;
  clientId?: string;
  /** Serve https with this certificate (its CA is what clients must trust). */
  tls?: { key: string; cert: string; ca: string };
  /** Users who may sign in; default alice. */
  users?: string[];
  /** Each user's groups, put in the access tokens' `groups` claim (a Keycloak group mapper). */
  groups?: Record<string, string[]>;
  /**
   * The CI issuer whose tokens the token-exchange and JWT-bearer grants accept (checked for its
   * signature, issuer, expiry and audience by `verify`); those grants are refused without it.
   */
  ciTrust?: { verify(token: string): Record<string, unknown> | null };
  /**
   * Each user's password for the resource-owner password grant (PASSWORD_CLIENT), which
   * oidc-provider lacks and this provider adds as a custom grant, as Keycloak's "Direct access
   * grants" and Entra ID's ROPC offer it. A user without one cannot use it.
   */
  passwords?: Record<string, string>;
  /** Users with a required action pending (Keycloak: update password, complete profile). */
  pendingAction?: string[];
  /** Users whose tenant demands multi-factor sign-in (Entra ID answers AADSTS50076). */
  needsMfa?: string[];
}

/** The pipelines' clients: a secret, a private key (private_key_jwt), and one that presents CI tokens. */
export const PIPELINE_CLIENTS = { secret: 'ci-robot', privateKey: 'ci-robot-key', exchange: 'ci-exchange' } as const;

/** registry-login's flags for a person signing in at this provider with its public client (profile for the username). */
export function personLoginArgs(idp: { issuer: string; clientId: string; resource: string }): string[] {
  return ['--issuer', idp.issuer, '--client-id', idp.clientId, '--resource', idp.resource, '--scope', 'openid offline_access profile'];
}

/** registry-login's flags for the robot that signs in with client credentials and a secret file. */
export function robotLoginArgs(idp: { issuer: string; resource: string }, secretFile: string): string[] {
  return [
    '--issuer',
    idp.issuer,
    '--client-id',
    PIPELINE_CLIENTS.secret,
    '--resource',
    idp.resource,
    '--grant',
    'client-credentials',
    '--client-secret-file',
    secretFile,
  ];
}
const TOKEN_EXCHANGE = 'urn:ietf:params:oauth:grant-type:token-exchange';
const JWT_BEARER = 'urn:ietf:params:oauth:grant-type:jwt-bearer';

interface IdpStats {
  /** By grant: device_code, refresh_token, client_credentials, token-exchange, jwt-bearer (and *_error). */
  tokenRequests: Record<string, number>;
  revocations: number;
  deviceAuthorizations: number;
  /** Milliseconds the provider spent on each POST /token, arrival to last byte (its work, not ours). */
  tokenServeMs: number[];
}

export interface Idp {
  issuer: string;
  port: number;
  clientId: string;
  resource: string;
  jwksUrl: string;
  /** A confidential client the token server uses to introspect refresh tokens. */
  introspection: { clientId: string; clientSecret: string; endpoint: string };
  /** The secrets of PASSWORD_CLIENT and WEB_CLIENT. */
  clientSecrets: { password: string; web: string };
  /** The secret of PIPELINE_CLIENTS.secret, and the private JWK of PIPELINE_CLIENTS.privateKey. */
  pipeline: { clientSecret: string; privateJwk: Record<string, unknown> };
  stats: IdpStats;
  approve(userCode: string, options?: { user?: string; deny?: boolean }): Promise<void>;
  /**
   * Plays the person at the browser for the authorization code flow: signs in at `url` (or denies).
   * With `stopAt` (an origin), the redirect to it is not followed: its URL is returned instead.
   */
  signInAtBrowser(url: string, options?: { user?: string; deny?: boolean; stopAt?: string }): Promise<{ status: number; body: string; url: string }>;
  /** Every refresh token the provider issued, oldest first (opaque: the value is its id). */
  issuedRefreshTokens: string[];
  isRefreshTokenActive(token: string): Promise<boolean>;
  /** An administrator ends a sign-in at the provider: its refresh token is revoked (RFC 7009). */
  revoke(refreshToken: string): Promise<void>;
  /** Close the port (connection refused) and open it again later with the same state. */
  pause(): Promise<void>;
  resume(): Promise<void>;
  stop(): Promise<void>;
  /**
   * Holds back every token endpoint answer for `ms` after the provider has processed it (a refresh
   * token is already rotated when the answer leaves): the window in which a killed client loses it.
   */
  delayTokenAnswers(ms: number): void;
}

/** A resource whose access tokens are opaque (not JWTs). */
export const OPAQUE_RESOURCE = 'urn:registry-opaque';

/** The confidential client whose password grant is on (the token server's passwordClient). */
export const PASSWORD_CLIENT = 'registry-password';
/** The confidential client of the token server's browser sign-in (authorization code + PKCE). */
export const WEB_CLIENT = 'registry-web';

/** A public client without the device grant (the fallback to the browser is tested with it). */
export const BROWSER_ONLY_CLIENT = 'browser-only';

const signingKey = generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey.export({ format: 'jwk' });
const robotKey = generateKeyPairSync('ec', { namedCurve: 'P-256' });

export async function startIdp(options: IdpOptions = {}): Promise<Idp> {
  const clientId = options.clientId ?? 'docker-credential-oidc';
  const resource = options.resource ?? 'urn:registry';
  const users = new Set(options.users ?? ['alice']);
  const introspection = { clientId: 'registry-token-server', clientSecret: randomUUID() };
  const stats: IdpStats = { tokenRequests: {}, revocations: 0, deviceAuthorizations: 0, tokenServeMs: [] };
  const confidential = { password: randomUUID(), web: randomUUID() };
  const pipeline = {
    clientSecret: randomUUID(),
    privateJwk: { ...robotKey.privateKey.export({ format: 'jwk' }), kid: 'robot-key' } as Record<string, unknown>,
  };

  // The port must be known before the provider exists: the issuer URL contains it.
  const probe = createServer();
  await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
  const port = (probe.address() as AddressInfo).port;
  await new Promise<void>((resolve) => probe.close(() => resolve()));
  const issuer = `${options.tls ? 'https' : 'http'}://127.0.0.1:${port}`;
  // The harness itself trusts the test CA; the helper under test must be told to (--ca-file).
  const harnessFetch = (
    options.tls
      ? (url: string, init?: RequestInit) => undiciFetch(url, { ...(init as object), dispatcher: new Agent({ connect: { ca: options.tls!.ca } }) })
      : fetch
  ) as typeof fetch;

  const provider = new Provider(issuer, {
    clients: [
      {
        client_id: clientId,
        token_endpoint_auth_method: 'none',
        // A native app: loopback redirects on any port (RFC 8252 §7.3), PKCE required.
        application_type: 'native',
        grant_types: ['urn:ietf:params:oauth:grant-type:device_code', 'refresh_token', 'authorization_code'],
        response_types: ['code'],
        redirect_uris: ['http://127.0.0.1/callback', 'http://localhost/callback'],
      },
      {
        // A client the tenant allows only the browser for (as Entra ID Conditional Access does).
        client_id: BROWSER_ONLY_CLIENT,
        token_endpoint_auth_method: 'none',
        application_type: 'native',
        grant_types: ['refresh_token', 'authorization_code'],
        response_types: ['code'],
        redirect_uris: ['http://127.0.0.1/callback'],
      },
      {
        // A confidential client with a service account (Keycloak), a service principal (Entra ID).
        client_id: PIPELINE_CLIENTS.secret,
        client_secret: pipeline.clientSecret,
        token_endpoint_auth_method: 'client_secret_post',
        grant_types: ['client_credentials'],
        response_types: [],
        redirect_uris: [],
      },
      {
        client_id: PIPELINE_CLIENTS.privateKey,
        token_endpoint_auth_method: 'private_key_jwt',
        jwks: { keys: [{ ...robotKey.publicKey.export({ format: 'jwk' }), kid: 'robot-key', alg: 'ES256', use: 'sig' }] },
        grant_types: ['client_credentials'],
        response_types: [],
        redirect_uris: [],
      },
      {
        // A public client that trades the CI platform's token for an access token.
        client_id: PIPELINE_CLIENTS.exchange,
        token_endpoint_auth_method: 'none',
        grant_types: [TOKEN_EXCHANGE, JWT_BEARER],
        response_types: [],
        redirect_uris: [],
      },
      {
        client_id: PASSWORD_CLIENT,
        client_secret: confidential.password,
        token_endpoint_auth_method: 'client_secret_basic',
        grant_types: ['password'],
        response_types: [],
        redirect_uris: [],
      },
      {
        // A web application on a loopback port the test picks (RFC 8252 §7.3 lets the port vary).
        client_id: WEB_CLIENT,
        client_secret: confidential.web,
        token_endpoint_auth_method: 'client_secret_basic',
        application_type: 'native',
        grant_types: ['authorization_code'],
        response_types: ['code'],
        redirect_uris: ['http://127.0.0.1/callback'],
      },
      {
        client_id: introspection.clientId,
        client_secret: introspection.clientSecret,
        grant_types: [],
        response_types: [],
        redirect_uris: [],
      },
    ],
    jwks: { keys: [{ ...signingKey, kid: 'test-key', alg: 'RS256', use: 'sig' }] },
    features: {
      devInteractions: { enabled: true },
      clientCredentials: { enabled: true },
      deviceFlow: { enabled: true },
      revocation: { enabled: true },
      introspection: {
        enabled: true,
        // The token server may look at any token; the client that owns it may too.
        allowedPolicy: async (_ctx: unknown, caller: { clientId: string }, token: { clientId?: string }) =>
          caller.clientId === introspection.clientId || caller.clientId === token.clientId,
      },
      resourceIndicators: {
        enabled: true,
        defaultResource: () => resource,
        useGrantedResource: () => true,
        getResourceServerInfo: (_ctx: unknown, indicator: string) => {
          // GitLab-style opaque access tokens, which a resource server can only introspect.
          if (indicator === OPAQUE_RESOURCE)
            return { scope: 'openid profile', audience: OPAQUE_RESOURCE, accessTokenTTL: options.accessTokenTtl ?? 60, accessTokenFormat: 'opaque' };
          if (indicator !== resource) throw new Error(`unknown resource ${indicator}`);
          return { scope: 'openid offline_access profile email', audience: resource, accessTokenTTL: options.accessTokenTtl ?? 60, accessTokenFormat: 'jwt' };
        },
      },
    },
    scopes: ['openid', 'offline_access', 'profile', 'email'],
    claims: { openid: ['sub'], profile: ['preferred_username', 'name'], email: ['email'] },
    ttl: {
      AccessToken: options.accessTokenTtl ?? 60,
      ClientCredentials: options.accessTokenTtl ?? 60,
      DeviceCode: options.deviceCodeTtl ?? 600,
      RefreshToken: 24 * 3600,
      Grant: 24 * 3600,
      IdToken: 3600,
      Interaction: 600,
      Session: 3600,
    },
    issueRefreshToken: async (_ctx: unknown, client: { grantTypeAllowed(t: string): boolean }, code: { scopes: Set<string> }) =>
      client.grantTypeAllowed('refresh_token') && code.scopes.has('offline_access'),
    // What a Keycloak realm puts in its access tokens with the usual mappers: the username and groups.
    extraTokenClaims: async (_ctx: unknown, token: { kind: string; accountId?: string }) =>
      token.kind === 'AccessToken' && token.accountId ? { preferred_username: token.accountId, groups: options.groups?.[token.accountId] ?? [] } : undefined,
    findAccount: async (_ctx: unknown, id: string) =>
      users.has(id) ? { accountId: id, claims: async () => ({ sub: id, preferred_username: id, name: id, email: `${id}@example.test` }) } : undefined,
  });
  provider.proxy = false;
  registerCiGrants(provider, resource, options);
  registerPasswordGrant(provider, resource, options);

  provider.on('grant.success', (ctx: { oidc: { params?: { grant_type?: string } } }) => {
    const type = ctx.oidc.params?.grant_type ?? 'unknown';
    const short = type.endsWith('device_code') ? 'device_code' : type === TOKEN_EXCHANGE ? 'token-exchange' : type === JWT_BEARER ? 'jwt-bearer' : type;
    stats.tokenRequests[short] = (stats.tokenRequests[short] ?? 0) + 1;
  });
  provider.on('grant.error', (ctx: { oidc: { params?: { grant_type?: string } } }) => {
    const type = ctx.oidc.params?.grant_type ?? 'unknown';
    const short = type === TOKEN_EXCHANGE ? 'token-exchange' : type === JWT_BEARER ? 'jwt-bearer' : type;
    stats.tokenRequests[`${short}_error`] = (stats.tokenRequests[`${short}_error`] ?? 0) + 1;
  });
  provider.on('device_authorization.success', () => stats.deviceAuthorizations++);
  const issuedRefreshTokens: string[] = [];
  provider.on('refresh_token.saved', (token: { jti: string }) => issuedRefreshTokens.push(token.jti));

  const providerCallback = provider.callback();
  let tokenAnswerDelayMs = 0;
  const callback: typeof providerCallback = (req, res) => {
    if (tokenAnswerDelayMs > 0 && req.method === 'POST' && req.url === '/token') {
      const delay = tokenAnswerDelayMs;
      const end = res.end.bind(res) as (...args: unknown[]) => void;
      res.end = ((...args: unknown[]) => {
        setTimeout(() => end(...args), delay);
        return res;
      }) as typeof res.end;
    }
    if (req.method === 'POST' && req.url === '/token') {
      const arrived = process.hrtime.bigint();
      res.once('finish', () => stats.tokenServeMs.push(Number(process.hrtime.bigint() - arrived) / 1e6));
    }
    // oidc-provider emits no event for a successful revocation: count the requests that succeed.
    if (req.method === 'POST' && req.url?.startsWith('/token/revocation')) {
      res.once('finish', () => {
        if (res.statusCode === 200) stats.revocations++;
      });
    }
    providerCallback(req, res);
  };
  let server: Server | undefined;
  const listen = async () => {
    server = options.tls ? createTlsServer({ key: options.tls.key, cert: options.tls.cert }, callback) : createServer(callback);
    await new Promise<void>((resolve, reject) => {
      server!.once('error', reject);
      server!.listen(port, '127.0.0.1', resolve);
    });
  };
  const close = async () => {
    if (!server) return;
    const current = server;
    server = undefined;
    current.closeAllConnections();
    await new Promise<void>((resolve) => current.close(() => resolve()));
  };
  await listen();

  async function isRefreshTokenActive(token: string): Promise<boolean> {
    const response = await harnessFetch(`${issuer}/token/introspection`, {
      method: 'POST',
      headers: {
        'content-type': 'application/x-www-form-urlencoded',
        authorization: `Basic ${Buffer.from(`${introspection.clientId}:${introspection.clientSecret}`).toString('base64')}`,
      },
      body: new URLSearchParams({ token, token_type_hint: 'refresh_token' }),
    });
    return ((await response.json()) as { active?: boolean }).active === true;
  }

  async function revoke(refreshToken: string): Promise<void> {
    const response = await harnessFetch(`${issuer}/token/revocation`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ token: refreshToken, client_id: clientId }),
    });
    if (response.status !== 200) throw new Error(`revocation answered ${response.status}`);
  }

  return {
    issuer,
    port,
    clientId,
    resource,
    jwksUrl: `${issuer}/jwks`,
    introspection: { ...introspection, endpoint: `${issuer}/token/introspection` },
    pipeline,
    clientSecrets: confidential,
    stats,
    approve: (userCode, approveOptions = {}) => approveDeviceCode(issuer, userCode, approveOptions.user ?? 'alice', Boolean(approveOptions.deny), harnessFetch),
    signInAtBrowser: (url, signInOptions = {}) =>
      signInAtBrowser(url, signInOptions.user ?? 'alice', Boolean(signInOptions.deny), harnessFetch, signInOptions.stopAt),
    issuedRefreshTokens,
    isRefreshTokenActive,
    revoke,
    pause: close,
    delayTokenAnswers: (ms) => {
      tokenAnswerDelayMs = ms;
    },
    resume: listen,
    stop: close,
  };
}

// ---- pipelines: the CI platform's token traded for an access token ------------------------

interface GrantContext {
  oidc: {
    params: Record<string, string | undefined>;
    client: unknown;
    provider: Provider & { ClientCredentials: new (init: object) => { save(): Promise<string>; expiration: number; resourceServer?: unknown } };
  };
  body: unknown;
}

/**
 * RFC 8693 token exchange and RFC 7523 JWT bearer grants that accept a token of the trusted CI issuer
 * (signature, issuer, expiry, audience) and answer with an access token for the registry, as
 * Keycloak's and Okta's do. The access token is minted like a client-credentials one.
 */
function registerCiGrants(provider: Provider, resource: string, options: IdpOptions): void {
  const issue = async (ctx: GrantContext, presented: string | undefined) => {
    const claims = presented ? options.ciTrust?.verify(presented) : null;
    if (!claims) throw new providerErrors.InvalidGrant('the presented token is not one of a trusted CI issuer, or it expired');
    const p = ctx.oidc.provider;
    const token = new p.ClientCredentials({ client: ctx.oidc.client, scope: undefined });
    token.resourceServer = new (p as unknown as { ResourceServer: new (id: string, data: object) => unknown }).ResourceServer(resource, {
      audience: resource,
      scope: '',
      accessTokenTTL: options.accessTokenTtl ?? 60,
      accessTokenFormat: 'jwt',
    });
    const value = await token.save();
    ctx.body = { access_token: value, issued_token_type: 'urn:ietf:params:oauth:token-type:access_token', token_type: 'Bearer', expires_in: token.expiration };
  };
  provider.registerGrantType(TOKEN_EXCHANGE, (ctx: GrantContext) => issue(ctx, ctx.oidc.params.subject_token), [
    'subject_token',
    'subject_token_type',
    'requested_token_type',
    'audience',
    'resource',
    'scope',
  ]);
  provider.registerGrantType(JWT_BEARER, (ctx: GrantContext) => issue(ctx, ctx.oidc.params.assertion), ['assertion', 'scope', 'resource']);
}

/**
 * The resource-owner password grant (RFC 6749 §4.3) with Keycloak's and Entra ID's refusals: a wrong
 * password is invalid_grant "Invalid user credentials", a pending required action invalid_grant
 * "Account is not fully set up", an account that must use MFA Entra's AADSTS50076. The access token
 * is the same JWT for the registry's resource as the device flow's.
 */
function registerPasswordGrant(provider: Provider, resource: string, options: IdpOptions): void {
  provider.registerGrantType(
    'password',
    async (ctx: GrantContext) => {
      const { username = '', password = '' } = ctx.oidc.params;
      const expected = options.passwords?.[username];
      if (expected === undefined || password !== expected) throw new providerErrors.CustomOIDCProviderError('invalid_grant', 'Invalid user credentials');
      if (options.pendingAction?.includes(username)) throw new providerErrors.CustomOIDCProviderError('invalid_grant', 'Account is not fully set up');
      if (options.needsMfa?.includes(username)) {
        throw new providerErrors.CustomOIDCProviderError(
          'invalid_grant',
          'AADSTS50076: Due to a configuration change made by your administrator, or because you moved to a new location, you must use multi-factor authentication to access this resource.',
        );
      }
      const p = ctx.oidc.provider as unknown as {
        Grant: new (init: object) => { addOIDCScope(scope: string): void; addResourceScope(resource: string, scope: string): void; save(): Promise<string> };
        AccessToken: new (init: object) => { save(): Promise<string>; expiration: number; resourceServer?: unknown };
        ResourceServer: new (id: string, data: object) => unknown;
      };
      const client = ctx.oidc.client as { clientId: string };
      const grant = new p.Grant({ accountId: username, clientId: client.clientId });
      grant.addOIDCScope('openid profile');
      grant.addResourceScope(resource, 'openid profile');
      const token = new p.AccessToken({ accountId: username, client, grantId: await grant.save(), gty: 'password', scope: 'openid profile' });
      token.resourceServer = new p.ResourceServer(resource, {
        audience: resource,
        scope: 'openid profile',
        accessTokenTTL: options.accessTokenTtl ?? 60,
        accessTokenFormat: 'jwt',
      });
      ctx.body = { access_token: await token.save(), token_type: 'Bearer', expires_in: token.expiration, scope: 'openid profile' };
    },
    ['username', 'password', 'scope', 'resource'],
  );
}

// ---- the person at the browser -------------------------------------------------------------

interface Page {
  url: string;
  status: number;
  body: string;
}

class Browser {
  private readonly cookies = new Map<string, string>();

  constructor(private readonly fetch: typeof globalThis.fetch) {}

  /** Follows redirects like a browser; one to `stopAt` (an origin) is returned unfollowed. */
  async open(url: string, init: { method?: string; form?: Record<string, string>; stopAt?: string } = {}): Promise<Page> {
    let current = url;
    let method = init.method ?? 'GET';
    let body: URLSearchParams | undefined = init.form ? new URLSearchParams(init.form) : undefined;
    for (let hops = 0; hops < 20; hops++) {
      const response = await this.fetch(current, {
        method,
        redirect: 'manual',
        headers: {
          cookie: [...this.cookies].map(([k, v]) => `${k}=${v}`).join('; '),
          ...(body ? { 'content-type': 'application/x-www-form-urlencoded' } : {}),
        },
        ...(body ? { body } : {}),
      });
      for (const line of response.headers.getSetCookie()) {
        const [pair] = line.split(';');
        const eq = pair.indexOf('=');
        this.cookies.set(pair.slice(0, eq).trim(), pair.slice(eq + 1).trim());
      }
      const location = response.headers.get('location');
      if (response.status >= 300 && response.status < 400 && location) {
        current = new URL(location, current).toString();
        if (init.stopAt && new URL(current).origin === init.stopAt) {
          await response.arrayBuffer();
          return { url: current, status: response.status, body: '' };
        }
        method = 'GET';
        body = undefined;
        await response.arrayBuffer();
        continue;
      }
      return { url: current, status: response.status, body: await response.text() };
    }
    throw new Error(`too many redirects from ${url}`);
  }
}

function firstForm(page: Page): { action: string; fields: Record<string, string> } {
  const form = /<form\b([^>]*)>([\s\S]*?)<\/form>/i.exec(page.body);
  if (!form) throw new Error(`no form on ${page.url} (HTTP ${page.status}): ${page.body.slice(0, 300)}`);
  const action = /action="([^"]*)"/i.exec(form[1])?.[1] ?? page.url;
  const fields: Record<string, string> = {};
  for (const input of form[2].matchAll(/<input\b([^>]*)>/gi)) {
    const name = /name="([^"]*)"/i.exec(input[1])?.[1];
    const value = /value="([^"]*)"/i.exec(input[1])?.[1] ?? '';
    if (name) fields[name] = value.replace(/&amp;/g, '&').replace(/&quot;/g, '"');
  }
  return { action: new URL(action.replace(/&amp;/g, '&'), page.url).toString(), fields };
}

async function approveDeviceCode(issuer: string, userCode: string, user: string, deny: boolean, fetch: typeof globalThis.fetch): Promise<void> {
  const browser = new Browser(fetch);
  // The confirmation page for the code (the person typed it, or followed verification_uri_complete).
  let page = await browser.open(`${issuer}/device?user_code=${encodeURIComponent(userCode)}`);
  const confirm = firstForm(page);
  page = await browser.open(confirm.action, { method: 'POST', form: { ...confirm.fields, ...(deny ? { abort: 'yes' } : {}) } });
  for (let step = 0; step < 5 && !deny; step++) {
    if (/Sign-in Success/i.test(page.body)) return;
    const form = firstForm(page);
    const filled = form.fields.prompt === 'login' ? { ...form.fields, login: user, password: 'any' } : form.fields;
    page = await browser.open(form.action, { method: 'POST', form: filled });
  }
  if (deny) {
    if (page.status >= 500) throw new Error(`denying failed: HTTP ${page.status}`);
    return;
  }
  if (!/Sign-in Success/i.test(page.body)) throw new Error(`device approval did not finish: ${page.url} HTTP ${page.status}: ${page.body.slice(0, 400)}`);
}

/**
 * The authorization code flow as a browser goes through it: the authorization URL, the provider's
 * login and consent forms, and the redirect to the helper's loopback listener, whose page is returned.
 */
async function signInAtBrowser(url: string, user: string, deny: boolean, fetch: typeof globalThis.fetch, stopAt?: string): Promise<Page> {
  const browser = new Browser(fetch);
  let page = await browser.open(url);
  for (let step = 0; step < 5; step++) {
    if (!page.url.includes('/interaction/')) break;
    if (deny) {
      page = await browser.open(`${page.url.replace(/\/(login|consent)$/, '')}/abort`);
      continue;
    }
    const form = firstForm(page);
    const filled = form.fields.prompt === 'login' ? { ...form.fields, login: user, password: 'any' } : form.fields;
    page = await browser.open(form.action, { method: 'POST', form: filled, ...(stopAt ? { stopAt } : {}) });
  }
  return page;
}
