// The token server's calls to a provider go through the project's HTTP client: an endless answer is
// cut off at the limit instead of being read whole, and a redirect is never followed. What a verified
// token must also be, and how the provider's keys are held through an outage.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { exportJWK, generateKeyPair, SignJWT } from 'jose';
import { OidcVerifier } from '../../../src/tokenServer/oidcVerifier.js';
import { createFetch, MAX_RESPONSE_BYTES } from '../../../src/oidc/httpClient.js';
import { endlessAnswer } from '../../support/endlessAnswer.js';

async function provider(handler: Parameters<typeof createServer>[1]) {
  const server = createServer(handler);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const issuer = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    issuer,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
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
    const verifier = new OidcVerifier([introspecting(idp.issuer)], 15, createFetch({ env: {}, timeoutMs: 10_000 }), {});
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
    const verifier = new OidcVerifier([introspecting(idp.issuer)], 15, createFetch({ env: {}, timeoutMs: 10_000 }), {});
    const verdict = await verifier.verify('opaque-token', Date.now() / 1000);
    assert.ok('refused' in verdict && /redirect/.test(verdict.refused), JSON.stringify(verdict));
    assert.deepEqual(elsewhere, []);
  } finally {
    await Promise.all([idp.close(), thief.close()]);
  }
});

/** A provider that signs with one key and serves it as its JWKS until `down` is set. */
async function signingProvider() {
  const { privateKey, publicKey } = await generateKeyPair('ES256');
  const jwk = { ...(await exportJWK(publicKey)), kid: 'k1', alg: 'ES256', use: 'sig' };
  const state = { down: false, jwksFetches: 0 };
  const idp = await provider((req, res) => {
    if (state.down) return void res.writeHead(503).end();
    if (req.url === '/jwks') state.jwksFetches++;
    res.setHeader('content-type', 'application/json');
    res.end(JSON.stringify(req.url === '/jwks' ? { keys: [jwk] } : { issuer: idp.issuer, jwks_uri: `${idp.issuer}/jwks` }));
  });
  const sign = (claims: Record<string, unknown>, kid = 'k1', key: typeof privateKey = privateKey) =>
    new SignJWT({ aud: 'registry', sub: 'alice', ...claims }).setProtectedHeader({ alg: 'ES256', kid }).setIssuer(idp.issuer).setExpirationTime('1h').sign(key);
  const verifier = new OidcVerifier(
    [{ issuer: idp.issuer, audience: 'registry', usernameClaim: 'preferred_username', algorithms: ['ES256'], acceptIdTokens: false }],
    15,
    createFetch({ env: {}, timeoutMs: 10_000 }),
    {},
  );
  return { ...idp, state, sign, verifier };
}

test('only string subjects and usernames are accepted, and no iat beyond the clock skew in the future', async () => {
  const idp = await signingProvider();
  try {
    const now = Math.floor(Date.now() / 1000);
    const verdict = async (claims: Record<string, unknown>) => idp.verifier.verify(await idp.sign(claims), now);
    assert.deepEqual(await verdict({ sub: { toString: 'alice' } }), { refused: "the token's sub claim is not a string" });
    assert.deepEqual(await verdict({ preferred_username: ['alice'] }), { refused: "the token's preferred_username claim is not a string" });
    assert.deepEqual(await verdict({ iat: now + 86_400 }), { refused: 'token issued in the future (iat)' });
    assert.equal(((await verdict({ iat: now + 10, preferred_username: 'alice' })) as { username: string }).username, 'alice', 'within the skew');
  } finally {
    await idp.close();
  }
});

test('a provider outage: the keys already held go on verifying past their age, an unknown key is unavailable (not refused), fetches stay bounded', async (t) => {
  const idp = await signingProvider();
  t.mock.timers.enable({ apis: ['Date'], now: Date.now() });
  try {
    const good = await idp.sign({});
    assert.ok(!('refused' in (await idp.verifier.verify(good, Date.now() / 1000))), 'the keys are fetched');
    idp.state.down = true;
    t.mock.timers.tick(11 * 60_000); // older than any key cache
    const held = await idp.verifier.verify(good, Date.now() / 1000);
    assert.ok(!('refused' in held), `a token of a held key: ${JSON.stringify(held)}`);
    const { privateKey: rotated } = await generateKeyPair('ES256');
    const fetchesBefore = idp.state.jwksFetches;
    for (let i = 0; i < 20; i++) {
      const unknown = await idp.verifier.verify(await idp.sign({}, 'k2', rotated), Date.now() / 1000);
      assert.ok('refused' in unknown && unknown.unavailable === true, JSON.stringify(unknown));
    }
    idp.state.down = false;
    t.mock.timers.tick(31_000);
    const refused = await idp.verifier.verify(await idp.sign({}, 'k2', rotated), Date.now() / 1000);
    assert.deepEqual(refused, { refused: "signed by a key not in the provider's JWKS" }, "once the provider answers, an unknown key is the client's failure");
    assert.equal(idp.state.jwksFetches - fetchesBefore, 1, 'one fetch after the outage, none during the cooldown');
  } finally {
    await idp.close();
  }
});
