// The engine of the provider doubles (one file per provider in this folder, each citing the
// documentation its behaviour is built from). It serves discovery, the device authorization grant,
// the authorization code flow (approved at once, or denied), refresh tokens, revocation and JWKS on
// 127.0.0.1, with what differs between providers taken from a Personality: where the endpoints are,
// the field names of the device answer, the error a denial and a dead refresh token produce, the
// access token's format, refresh-token rotation (with Okta's grace period), a required client secret.
import { createHash, generateKeyPairSync, randomBytes, randomUUID, sign } from 'node:crypto';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { asyncHandler } from '../asyncHandler.js';

export interface OAuthError {
  error: string;
  error_description?: string;
  /** Extra fields some providers add (Entra's error_codes). */
  [field: string]: unknown;
}

export interface Personality {
  name: string;
  /** The issuer's path under the origin ('' for Google, GitLab, Dex; '/realms/R' for Keycloak, ...). */
  issuerPath: string;
  /** Endpoint paths under the origin; revocation is absent where the provider has none. */
  paths: { device: string; token: string; authorize: string; revoke?: string; jwks: string };
  /** The device authorization answer beyond device_code, user_code, expires_in, interval. */
  deviceAnswer(origin: string, userCode: string): Record<string, unknown>;
  /** HTTP status of authorization_pending (400 in RFC 8628; Google: 428). */
  pendingStatus?: number;
  /** What the token endpoint answers when the person declined (RFC 8628 says access_denied). */
  denial: OAuthError;
  /** Its HTTP status (400; Google: 403). */
  denialStatus?: number;
  /** What a refresh with a token the provider no longer honours gets. */
  refreshFailure: OAuthError;
  /** Opaque access tokens (Google's ya29., GitLab's) or JWTs. */
  accessTokenFormat: 'jwt' | 'opaque';
  /** Each refresh answers with a new refresh token and retires the old one. */
  rotatesRefreshTokens: boolean;
  /** Okta: a retired refresh token still works for this long after rotation. */
  rotationGraceSeconds?: number;
  /** Google's device clients post a client secret on every token request. */
  requiresClientSecret?: string;
  /** Claims of the ID token beyond iss, aud, sub, iat, exp. */
  idTokenClaims(user: string): Record<string, unknown>;
}

export interface ProviderDouble {
  personality: Personality;
  issuer: string;
  /** What the person does at the device page or the browser: approve, or decline. */
  decision: 'approve' | 'deny';
  accessTokenTtl: number;
  counts: { device: number; deviceToken: number; refresh: number; refreshFailures: number; authorization: number; revocations: number };
  /** Access tokens issued, newest last. */
  issued: string[];
  /** Holds every token endpoint answer back this long (to look at a renewal while it runs). */
  tokenDelayMs: number;
  /** The provider ends every sign-in (an admin logout, a password change): refreshes fail from now on. */
  endAllSessions(): void;
  stop(): Promise<void>;
}

const json = (res: import('node:http').ServerResponse, status: number, body: unknown) => {
  res.writeHead(status, { 'content-type': 'application/json', 'cache-control': 'no-store' });
  res.end(JSON.stringify(body));
};

export async function startProviderDouble(personality: Personality, options: { accessTokenTtl?: number } = {}): Promise<ProviderDouble> {
  const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const kid = randomUUID();
  let origin = '';
  let issuer = '';
  const devices = new Map<string, { clientId: string; scope: string; polls: number }>();
  const codes = new Map<string, { clientId: string; scope: string; challenge: string; redirectUri: string; nonce?: string }>();
  /** Live refresh tokens, and retired ones with the time they stop working (Okta's grace). */
  const refreshTokens = new Map<string, { clientId: string; scope: string; retiredUntil?: number }>();

  const jwt = (claims: Record<string, unknown>) => {
    const header = Buffer.from(JSON.stringify({ alg: 'RS256', typ: 'JWT', kid })).toString('base64url');
    const payload = Buffer.from(JSON.stringify(claims)).toString('base64url');
    return `${header}.${payload}.${sign('sha256', Buffer.from(`${header}.${payload}`), privateKey).toString('base64url')}`;
  };

  const double: ProviderDouble = {
    personality,
    issuer: '',
    decision: 'approve',
    accessTokenTtl: options.accessTokenTtl ?? 3600,
    counts: { device: 0, deviceToken: 0, refresh: 0, refreshFailures: 0, authorization: 0, revocations: 0 },
    issued: [],
    tokenDelayMs: 0,
    endAllSessions: () => refreshTokens.clear(),
    stop: async () => undefined,
  };

  const tokens = (clientId: string, scope: string) => {
    const now = Math.floor(Date.now() / 1000);
    const user = 'alice';
    const access =
      personality.accessTokenFormat === 'jwt'
        ? jwt({ iss: issuer, sub: user, aud: 'registry', azp: clientId, scope, iat: now, exp: now + double.accessTokenTtl, jti: randomUUID() })
        : `${personality.name}-opaque-${randomBytes(24).toString('base64url')}`;
    double.issued.push(access);
    const refresh = `${personality.name}-rt-${randomBytes(24).toString('base64url')}`;
    refreshTokens.set(refresh, { clientId, scope });
    return {
      access_token: access,
      token_type: 'Bearer',
      expires_in: double.accessTokenTtl,
      refresh_token: refresh,
      scope,
      id_token: jwt({ iss: issuer, aud: clientId, sub: user, iat: now, exp: now + 3600, ...personality.idTokenClaims(user) }),
    };
  };

  const server = createServer(
    asyncHandler(async (req, res) => {
      let raw = '';
      for await (const chunk of req) raw += chunk;
      const url = new URL(req.url ?? '/', origin);
      const form = new URLSearchParams(raw);
      const path = url.pathname;
      const { paths } = personality;

      if (path === `${personality.issuerPath}/.well-known/openid-configuration`) {
        return json(res, 200, {
          issuer,
          authorization_endpoint: `${origin}${paths.authorize}`,
          token_endpoint: `${origin}${paths.token}`,
          device_authorization_endpoint: `${origin}${paths.device}`,
          jwks_uri: `${origin}${paths.jwks}`,
          ...(paths.revoke ? { revocation_endpoint: `${origin}${paths.revoke}` } : {}),
          response_types_supported: ['code'],
          grant_types_supported: ['authorization_code', 'refresh_token', 'urn:ietf:params:oauth:grant-type:device_code'],
          code_challenge_methods_supported: ['S256'],
          id_token_signing_alg_values_supported: ['RS256'],
          subject_types_supported: ['public'],
        });
      }
      if (path === paths.jwks) return json(res, 200, { keys: [{ ...publicKey.export({ format: 'jwk' }), kid, alg: 'RS256', use: 'sig' }] });
      if (path === paths.device && req.method === 'POST') {
        double.counts.device++;
        const deviceCode = randomBytes(16).toString('hex');
        const userCode = `${randomBytes(2).toString('hex').toUpperCase()}-${randomBytes(2).toString('hex').toUpperCase()}`;
        devices.set(deviceCode, { clientId: form.get('client_id') ?? '', scope: form.get('scope') ?? '', polls: 0 });
        return json(res, 200, { device_code: deviceCode, user_code: userCode, expires_in: 900, interval: 1, ...personality.deviceAnswer(origin, userCode) });
      }
      if (path === paths.authorize && req.method === 'GET') {
        double.counts.authorization++;
        const redirect = new URL(url.searchParams.get('redirect_uri') ?? '');
        redirect.searchParams.set('state', url.searchParams.get('state') ?? '');
        if (double.decision === 'deny') {
          redirect.searchParams.set('error', 'access_denied');
        } else {
          const code = randomBytes(16).toString('hex');
          codes.set(code, {
            clientId: url.searchParams.get('client_id') ?? '',
            scope: url.searchParams.get('scope') ?? '',
            challenge: url.searchParams.get('code_challenge') ?? '',
            redirectUri: url.searchParams.get('redirect_uri') ?? '',
          });
          redirect.searchParams.set('code', code);
        }
        res.writeHead(302, { location: redirect.toString() });
        return res.end();
      }
      if (paths.revoke && path === paths.revoke && req.method === 'POST') {
        double.counts.revocations++;
        refreshTokens.delete(form.get('token') ?? '');
        res.writeHead(200);
        return res.end();
      }
      if (path === paths.token && req.method === 'POST') {
        if (double.tokenDelayMs > 0) await new Promise((r) => setTimeout(r, double.tokenDelayMs));
        const clientId = form.get('client_id') ?? '';
        if (personality.requiresClientSecret !== undefined && form.get('client_secret') !== personality.requiresClientSecret) {
          return json(res, 401, { error: 'invalid_client', error_description: 'Unauthorized' });
        }
        const grant = form.get('grant_type');
        if (grant === 'urn:ietf:params:oauth:grant-type:device_code') {
          double.counts.deviceToken++;
          const device = devices.get(form.get('device_code') ?? '');
          if (!device) return json(res, 400, { error: 'invalid_grant', error_description: 'unknown device code' });
          // The person acts at the first poll: the second one gets the outcome.
          if (device.polls++ === 0) return json(res, personality.pendingStatus ?? 400, { error: 'authorization_pending' });
          devices.delete(form.get('device_code')!);
          if (double.decision === 'deny') return json(res, personality.denialStatus ?? 400, personality.denial);
          return json(res, 200, tokens(clientId, device.scope));
        }
        if (grant === 'authorization_code') {
          const code = codes.get(form.get('code') ?? '');
          const verifier = form.get('code_verifier') ?? '';
          if (!code || code.redirectUri !== form.get('redirect_uri') || createHash('sha256').update(verifier).digest('base64url') !== code.challenge) {
            return json(res, 400, { error: 'invalid_grant', error_description: 'bad code, redirect or verifier' });
          }
          codes.delete(form.get('code')!);
          return json(res, 200, tokens(clientId, code.scope));
        }
        if (grant === 'refresh_token') {
          double.counts.refresh++;
          const presented = form.get('refresh_token') ?? '';
          const held = refreshTokens.get(presented);
          const now = Date.now() / 1000;
          if (!held || (held.retiredUntil !== undefined && held.retiredUntil < now)) {
            double.counts.refreshFailures++;
            return json(res, 400, personality.refreshFailure);
          }
          const answer = tokens(held.clientId, held.scope);
          if (personality.rotatesRefreshTokens) {
            if (personality.rotationGraceSeconds) refreshTokens.set(presented, { ...held, retiredUntil: now + personality.rotationGraceSeconds });
            else refreshTokens.delete(presented);
          } else {
            refreshTokens.delete(answer.refresh_token);
            delete (answer as { refresh_token?: string }).refresh_token;
          }
          return json(res, 200, answer);
        }
        return json(res, 400, { error: 'unsupported_grant_type' });
      }
      json(res, 404, { error: 'not_found' });
    }),
  );
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  issuer = `${origin}${personality.issuerPath}`;
  double.issuer = issuer;
  double.stop = async () => {
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  };
  return double;
}
