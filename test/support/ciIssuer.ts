// A stand-in for a CI platform's OIDC issuer: it mints short-lived RS256 JWTs (five seconds by
// default) and serves its discovery document and JWKS, like GitHub Actions' token.actions.
// githubusercontent.com. It also answers the platforms' documented request protocols:
// - GitHub Actions: GET $ACTIONS_ID_TOKEN_REQUEST_URL&audience=AUD with "Authorization: bearer
//   $ACTIONS_ID_TOKEN_REQUEST_TOKEN" → {"value": JWT};
// - Azure Pipelines: POST $SYSTEM_OIDCREQUESTURI?api-version=7.1&serviceConnectionId=ID with
//   "Authorization: Bearer $SYSTEM_ACCESSTOKEN" → {"oidcToken": JWT};
// and keeps a projected service-account token file fresh (the kubelet rewrites it before expiry).
import { createVerify, generateKeyPairSync, randomUUID, sign } from 'node:crypto';
import { writeFileSync, renameSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { asyncHandler } from './asyncHandler.js';

export interface CiIssuer {
  issuer: string;
  /** The request URL and bearer a GitHub Actions job with id-token: write gets. */
  github: { ACTIONS_ID_TOKEN_REQUEST_URL: string; ACTIONS_ID_TOKEN_REQUEST_TOKEN: string };
  /** What an Azure Pipelines step with the OIDC token API gets. */
  azure: { SYSTEM_OIDCREQUESTURI: string; SYSTEM_ACCESSTOKEN: string; serviceConnectionId: string };
  /** Every token minted, in order (to scan for leaks). */
  minted: string[];
  /** Tokens handed out through each request protocol. */
  requests: { github: number; azure: number };
  mint(claims?: { sub?: string; aud?: string; ttl?: number }): string;
  /** Checks signature, issuer, expiry and audience; the claims, or null. */
  verify(token: string, audience: string): Record<string, unknown> | null;
  /** Writes a fresh token to `path` now and every `everyMs` (atomically, as the kubelet does). */
  project(path: string, options: { aud: string; sub?: string; everyMs: number }): void;
  stop(): Promise<void>;
}

export const CI_SUBJECT = 'repo:example/app:ref:refs/heads/main';

export async function startCiIssuer(options: { ttl?: number } = {}): Promise<CiIssuer> {
  const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const kid = randomUUID();
  const requestToken = `gh-request-${randomUUID()}`;
  const systemAccessToken = `ado-${randomUUID()}`;
  const serviceConnectionId = randomUUID();
  const timers: NodeJS.Timeout[] = [];
  let issuer = '';
  const minted: string[] = [];
  const requests = { github: 0, azure: 0 };

  const mint = (claims: { sub?: string; aud?: string; ttl?: number } = {}): string => {
    const now = Math.floor(Date.now() / 1000);
    const header = Buffer.from(JSON.stringify({ alg: 'RS256', typ: 'JWT', kid })).toString('base64url');
    const payload = Buffer.from(
      JSON.stringify({
        iss: issuer,
        sub: claims.sub ?? CI_SUBJECT,
        aud: claims.aud ?? 'docker-credential-oidc',
        iat: now,
        nbf: now - 5,
        exp: now + (claims.ttl ?? options.ttl ?? 5),
        jti: randomUUID(),
      }),
    ).toString('base64url');
    const signature = sign('sha256', Buffer.from(`${header}.${payload}`), privateKey).toString('base64url');
    const token = `${header}.${payload}.${signature}`;
    minted.push(token);
    return token;
  };

  const server = createServer(
    asyncHandler(async (req, res) => {
      const url = new URL(req.url ?? '/', issuer);
      const reply = (status: number, body: unknown) => {
        res.writeHead(status, { 'content-type': 'application/json' });
        res.end(JSON.stringify(body));
      };
      for await (const _ of req) {
        // drain the body
      }
      if (url.pathname === '/.well-known/openid-configuration') return reply(200, { issuer, jwks_uri: `${issuer}/jwks` });
      if (url.pathname === '/jwks') return reply(200, { keys: [{ ...publicKey.export({ format: 'jwk' }), kid, alg: 'RS256', use: 'sig' }] });
      if (url.pathname === '/github/token' && req.method === 'GET') {
        if (req.headers.authorization !== `bearer ${requestToken}`) return reply(401, { message: 'Bad credentials' });
        requests.github++;
        return reply(200, { count: 1, value: mint({ aud: url.searchParams.get('audience') ?? 'https://github.com/example' }) });
      }
      if (url.pathname === '/azure/oidctoken' && req.method === 'POST') {
        if (req.headers.authorization !== `Bearer ${systemAccessToken}`) return reply(401, { message: 'unauthorized' });
        if (url.searchParams.get('serviceConnectionId') !== serviceConnectionId || !url.searchParams.get('api-version'))
          return reply(400, { message: 'unknown service connection' });
        requests.azure++;
        return reply(200, { oidcToken: mint({ aud: 'api://AzureADTokenExchange', sub: `sc://example/app/${serviceConnectionId}` }) });
      }
      reply(404, { message: 'not found' });
    }),
  );
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  issuer = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  return {
    issuer,
    github: { ACTIONS_ID_TOKEN_REQUEST_URL: `${issuer}/github/token?api-version=2.0`, ACTIONS_ID_TOKEN_REQUEST_TOKEN: requestToken },
    azure: { SYSTEM_OIDCREQUESTURI: `${issuer}/azure/oidctoken`, SYSTEM_ACCESSTOKEN: systemAccessToken, serviceConnectionId },
    minted,
    requests,
    mint,
    verify(token, audience) {
      const [header, payload, signature] = token.split('.');
      if (!header || !payload || !signature) return null;
      const ok = createVerify('RSA-SHA256').update(`${header}.${payload}`).verify(publicKey, Buffer.from(signature, 'base64url'));
      if (!ok) return null;
      const claims = JSON.parse(Buffer.from(payload, 'base64url').toString()) as Record<string, unknown>;
      if (claims.iss !== issuer || claims.aud !== audience || typeof claims.exp !== 'number' || claims.exp <= Date.now() / 1000) return null;
      return claims;
    },
    project(path, { aud, sub, everyMs }) {
      const write = () => {
        writeFileSync(`${path}.tmp`, mint({ aud, ...(sub ? { sub } : {}) }));
        renameSync(`${path}.tmp`, path);
      };
      write();
      timers.push(setInterval(write, everyMs));
    },
    async stop() {
      for (const timer of timers) clearInterval(timer);
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
