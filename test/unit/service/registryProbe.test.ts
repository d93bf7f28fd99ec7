import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseBearerChallenge, probeRegistry } from '../../../src/service/registryProbe.js';
import type { Fetch } from '../../../src/model.js';
import { urlOfInput } from '../../support/fetchInput.js';

/** A registry and its realm as documented: /v2/ answers 401 with a Bearer challenge. */
function fakeNetwork(challenge: string | null, exchangeStatus: number | 'down', exchangeError = 'invalid_request'): { fetch: Fetch; asked: string[] } {
  const asked: string[] = [];
  const fetch: Fetch = async (input) => {
    const url = urlOfInput(input);
    asked.push(url);
    if (url.endsWith('/v2/')) return new Response('{}', { status: 401, headers: challenge ? { 'www-authenticate': challenge } : {} });
    if (exchangeStatus === 'down') throw new Error('ECONNREFUSED');
    return new Response(JSON.stringify({ error: exchangeError }), { status: exchangeStatus });
  };
  return { fetch, asked };
}

test('challenges parse as RFC 7235 auth-params, quoted or not', () => {
  assert.deepEqual(parseBearerChallenge('Bearer realm="https://auth.example/token",service="registry.example",scope="repository:a:pull"'), {
    realm: 'https://auth.example/token',
    service: 'registry.example',
    scope: 'repository:a:pull',
  });
  assert.deepEqual(parseBearerChallenge('bearer Realm=https://a/t, service="x\\"y"'), { realm: 'https://a/t', service: 'x"y' });
  assert.equal(parseBearerChallenge('Basic realm="x"'), undefined);
  assert.equal(parseBearerChallenge(null), undefined);
});

test('our token server in front of Distribution: exchange mode, its URL and the service are kept', async () => {
  const { fetch, asked } = fakeNetwork('Bearer realm="https://auth.example.com/token",service="registry.example.com"', 400);
  assert.deepEqual(await probeRegistry('registry.internal:5000', fetch), {
    mode: 'acr',
    exchangeUrl: 'https://auth.example.com/oauth2/exchange',
    registryService: 'registry.example.com',
  });
  assert.deepEqual(asked, ['https://registry.internal:5000/v2/', 'https://auth.example.com/oauth2/exchange']);
});

test('Azure Container Registry: exchange mode at its own host, nothing extra saved', async () => {
  const { fetch } = fakeNetwork('Bearer realm="https://r.azurecr.io/oauth2/token",service="r.azurecr.io"', 400);
  assert.deepEqual(await probeRegistry('r.azurecr.io', fetch), { mode: 'acr' });
});

test('a realm without /oauth2/exchange, an unreachable realm or registry: nothing decided', async () => {
  assert.deepEqual(await probeRegistry('r.example', fakeNetwork('Bearer realm="https://auth.example/token",service="r"', 404).fetch), {});
  assert.deepEqual(await probeRegistry('r.example', fakeNetwork('Bearer realm="https://auth.example/token",service="r"', 'down').fetch), {});
  assert.deepEqual(await probeRegistry('r.example', fakeNetwork('Basic realm="r"', 400).fetch), {});
  // A Distribution token server answering every POST with its own grants' refusal has no exchange.
  assert.deepEqual(
    await probeRegistry('r.example', fakeNetwork('Bearer realm="https://auth.example/token",service="r"', 400, 'unsupported_grant_type').fetch),
    {},
  );
  assert.deepEqual(await probeRegistry('r.example', async () => Promise.reject(new Error('ENOTFOUND'))), {});
  // A realm on plain http elsewhere than loopback would receive the provider's token: not offered.
  assert.deepEqual(await probeRegistry('r.example', fakeNetwork('Bearer realm="http://auth.example/token",service="r"', 400).fetch), {});
});

test('Keycloak docker-v2 realm: said plainly, with both ways out', async () => {
  const { fetch } = fakeNetwork('Bearer realm="https://sso.example.com/realms/dev/protocol/docker-v2/auth",service="docker-registry"', 404);
  await assert.rejects(probeRegistry('registry.example.com', fetch), (error: Error) => {
    assert.match(error.message, /Keycloak's docker-v2 endpoint/);
    assert.match(error.message, /docker login registry\.example\.com/);
    assert.match(error.message, /token-server/);
    return true;
  });
});
