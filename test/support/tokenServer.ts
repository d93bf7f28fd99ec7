// A Distribution token server (the registry's auth.token.realm) that trusts our OpenID provider:
// - GET with Basic auth whose password is an OIDC access token (password mode), verified against
//   the provider's JWKS, issuer, audience and expiry;
// - POST grant_type=refresh_token (what docker and skopeo send with an identity token), where the
//   refresh token is checked by introspection at the provider: redeeming it here would rotate it
//   behind the helper's back and, with rotation, revoke the person's whole session.
// It answers with a registry JWT signed by a self-signed certificate the registry trusts.
import { execFileSync } from 'node:child_process';
import { createPrivateKey, createPublicKey, createVerify, randomUUID, sign, X509Certificate } from 'node:crypto';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { libtrustKeyId } from '../../src/tokenServer/signingKeys.js';
import { join } from 'node:path';
import { asyncHandler } from './asyncHandler.js';

interface TokenServerStats {
  basic: number;
  refresh: number;
  rejected: number;
}

export interface TokenServer {
  realm: string;
  service: string;
  issuer: string;
  rootCertPath: string;
  /** What startRegistry needs to send its clients here. */
  registryAuth: { kind: 'token'; realm: string; service: string; issuer: string; rootCertPath: string };
  stats: TokenServerStats;
  stop(): Promise<void>;
}

const b64url = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');

export async function verifyOidcAccessToken(
  token: string,
  idp: { issuer: string; jwksUrl: string; resource: string },
): Promise<Record<string, unknown> | null> {
  const [header, payload, signature] = token.split('.');
  if (!header || !payload || !signature) return null;
  const { kid, alg } = JSON.parse(Buffer.from(header, 'base64url').toString()) as { kid?: string; alg?: string };
  if (alg !== 'RS256') return null;
  const { keys } = (await (await fetch(idp.jwksUrl)).json()) as { keys: Array<Record<string, unknown>> };
  const jwk = keys.find((k) => k.kid === kid);
  if (!jwk) return null;
  const ok = createVerify('RSA-SHA256')
    .update(`${header}.${payload}`)
    .verify(createPublicKey({ key: jwk as never, format: 'jwk' }), Buffer.from(signature, 'base64url'));
  if (!ok) return null;
  const claims = JSON.parse(Buffer.from(payload, 'base64url').toString()) as Record<string, unknown>;
  const audiences = Array.isArray(claims.aud) ? claims.aud : [claims.aud];
  if (claims.iss !== idp.issuer || !audiences.includes(idp.resource)) return null;
  if (typeof claims.exp !== 'number' || claims.exp <= Date.now() / 1000) return null;
  return claims;
}

export async function startTokenServer(options: {
  idp: { issuer: string; jwksUrl: string; resource: string; clientId: string; introspection: { clientId: string; clientSecret: string; endpoint: string } };
  service?: string;
}): Promise<TokenServer> {
  const dir = await mkdtemp(join(tmpdir(), 'dco-token-server-'));
  const keyPath = join(dir, 'key.pem');
  const certPath = join(dir, 'cert.pem');
  execFileSync(
    'openssl',
    [
      'req',
      '-x509',
      '-newkey',
      'ec',
      '-pkeyopt',
      'ec_paramgen_curve:P-256',
      '-nodes',
      '-keyout',
      keyPath,
      '-out',
      certPath,
      '-days',
      '1',
      '-subj',
      '/CN=test-token-server',
    ],
    { stdio: 'ignore' },
  );
  const privateKey = createPrivateKey(await readFile(keyPath));
  const kid = libtrustKeyId(new X509Certificate(await readFile(certPath)).publicKey);
  const service = options.service ?? 'test-registry';
  const issuer = 'test-token-server';
  const stats: TokenServerStats = { basic: 0, refresh: 0, rejected: 0 };

  const registryToken = (subject: string, scopes: string[]) => {
    const now = Math.floor(Date.now() / 1000);
    const access = scopes
      .map((s) => s.split(':'))
      .filter((parts) => parts[0] === 'repository' && parts.length >= 3)
      .map((parts) => ({ type: 'repository', name: parts.slice(1, -1).join(':'), actions: ['pull', 'push'] }));
    const header = b64url({ alg: 'ES256', typ: 'JWT', kid });
    const body = b64url({ iss: issuer, sub: subject, aud: service, exp: now + 300, nbf: now - 10, iat: now, jti: randomUUID(), access });
    const signature = sign('sha256', Buffer.from(`${header}.${body}`), { key: privateKey, dsaEncoding: 'ieee-p1363' }).toString('base64url');
    return { token: `${header}.${body}.${signature}`, now };
  };

  const server = createServer(
    asyncHandler(async (req, res) => {
      const url = new URL(req.url ?? '/', 'http://localhost');
      const reply = (status: number, body: unknown) => {
        res.writeHead(status, { 'content-type': 'application/json' });
        res.end(JSON.stringify(body));
      };
      try {
        if (req.method === 'GET') {
          const auth = req.headers.authorization ?? '';
          if (!auth.startsWith('Basic ')) {
            stats.rejected++;
            return reply(401, { errors: [{ code: 'UNAUTHORIZED', message: 'sign in' }] });
          }
          const decoded = Buffer.from(auth.slice(6), 'base64').toString();
          const password = decoded.slice(decoded.indexOf(':') + 1);
          const claims = await verifyOidcAccessToken(password, options.idp);
          if (!claims) {
            stats.rejected++;
            return reply(401, { errors: [{ code: 'UNAUTHORIZED', message: 'invalid access token' }] });
          }
          stats.basic++;
          const { token, now } = registryToken(String(claims.preferred_username ?? claims.sub), url.searchParams.getAll('scope'));
          return reply(200, { token, access_token: token, expires_in: 300, issued_at: new Date(now * 1000).toISOString() });
        }
        if (req.method === 'POST') {
          let raw = '';
          for await (const chunk of req) raw += chunk;
          const form = new URLSearchParams(raw);
          if (form.get('grant_type') !== 'refresh_token') return reply(400, { error: 'unsupported_grant_type' });
          const refreshToken = form.get('refresh_token') ?? '';
          const response = await fetch(options.idp.introspection.endpoint, {
            method: 'POST',
            headers: {
              'content-type': 'application/x-www-form-urlencoded',
              authorization: `Basic ${Buffer.from(`${options.idp.introspection.clientId}:${options.idp.introspection.clientSecret}`).toString('base64')}`,
            },
            body: new URLSearchParams({ token: refreshToken, token_type_hint: 'refresh_token' }),
          });
          const info = (await response.json()) as { active?: boolean; sub?: string; client_id?: string };
          if (!info.active || info.client_id !== options.idp.clientId) {
            stats.rejected++;
            return reply(401, { error: 'invalid_grant' });
          }
          stats.refresh++;
          const { token, now } = registryToken(String(info.sub), (form.get('scope') ?? '').split(' ').filter(Boolean));
          return reply(200, { access_token: token, refresh_token: refreshToken, expires_in: 300, issued_at: new Date(now * 1000).toISOString() });
        }
        reply(405, { error: 'method not allowed' });
      } catch (error) {
        reply(500, { error: String(error) });
      }
    }),
  );
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const realm = `http://127.0.0.1:${(server.address() as AddressInfo).port}/token`;
  return {
    realm,
    service,
    issuer,
    rootCertPath: certPath,
    registryAuth: { kind: 'token', realm, service, issuer, rootCertPath: certPath },
    stats,
    async stop() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await rm(dir, { recursive: true, force: true });
    },
  };
}
