// The token server's calls to a provider go through the project's HTTP client: an endless answer is
// cut off at the limit instead of being read whole, and a redirect is never followed.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { OidcVerifier } from '../../../src/tokenServer/oidcVerifier.js';
import { createFetch, MAX_RESPONSE_BYTES } from '../../../src/oidc/httpClient.js';
import { endlessAnswer } from '../../support/endlessAnswer.js';

async function provider(handler: Parameters<typeof createServer>[1]) {
  const server = createServer(handler);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const issuer = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return { issuer, close: () => new Promise<void>((resolve) => { server.closeAllConnections(); server.close(() => resolve()); }) };
}

const introspecting = (issuer: string) => ({
  issuer,
  audience: 'registry',
  usernameClaim: 'preferred_username',
  algorithms: ['RS256' as const],
  acceptIdTokens: false,
  introspection: { endpoint: `${issuer}/introspect`, clientId: 'token-server', clientSecretEnv: 'UNSET_FOR_THE_TEST' },
});

test('an endless introspection answer is cut off at the limit, not read whole', async () => {
  const counter = { sent: 0 };
  const idp = await provider((_req, res) => {
    endlessAnswer(res, 200 * 1024 * 1024, counter);
  });
  try {
    const verifier = new OidcVerifier([introspecting(idp.issuer)], 15, createFetch({ env: {}, timeoutMs: 10_000 }));
    const verdict = await verifier.verify('opaque-token', Date.now() / 1000);
    assert.ok('refused' in verdict && /introspection failed: .*larger than 256 KiB/.test(verdict.refused), JSON.stringify(verdict));
    assert.ok(counter.sent < 64 * MAX_RESPONSE_BYTES, `the provider was stopped early (${counter.sent} bytes sent)`);
  } finally {
    await idp.close();
  }
});

test('a redirect from the introspection endpoint is refused, the token never re-sent', async () => {
  const elsewhere: string[] = [];
  const thief = await provider((req, res) => {
    elsewhere.push(req.url ?? '');
    res.end('{"active":true,"sub":"x"}');
  });
  const idp = await provider((_req, res) => {
    res.writeHead(307, { location: `${thief.issuer}/introspect` });
    res.end();
  });
  try {
    const verifier = new OidcVerifier([introspecting(idp.issuer)], 15, createFetch({ env: {}, timeoutMs: 10_000 }));
    const verdict = await verifier.verify('opaque-token', Date.now() / 1000);
    assert.ok('refused' in verdict && /redirect/.test(verdict.refused), JSON.stringify(verdict));
    assert.deepEqual(elsewhere, []);
  } finally {
    await Promise.all([idp.close(), thief.close()]);
  }
});
