import { test } from 'node:test';
import assert from 'node:assert/strict';
import { passwordMode } from '../../../../src/oidc/modes/password.js';
import { identityTokenMode } from '../../../../src/oidc/modes/identityToken.js';
import { acrMode, ACR_USERNAME } from '../../../../src/oidc/modes/acr.js';
import type { ModeContext } from '../../../../src/oidc/modes/modeContext.js';
import type { RegistrySettings } from '../../../../src/model.js';
import { textOfBody, urlOfInput } from '../../../support/fetchInput.js';

const settings: RegistrySettings = {
  issuer: 'https://idp',
  clientId: 'c',
  scope: 'openid offline_access',
  mode: 'password',
  usernameClaim: 'preferred_username',
  secretToken: 'access-token',
};

function context(overrides: Partial<Omit<ModeContext, 'settings'>> & { settings?: Partial<RegistrySettings> } = {}): ModeContext {
  return {
    registryHost: 'reg.example',
    session: {
      kind: 'oidc-session',
      issuer: 'https://idp',
      clientId: 'c',
      authenticatedAt: 0,
      refreshToken: 'rt-1',
      claims: { sub: 's-1', preferred_username: 'alice', tid: 'tenant-from-token' },
    },
    accessToken: async () => ({ value: 'access-1', issuedAt: 100, expiresAt: 400 }),
    idToken: async () => ({ value: 'id-1', issuedAt: 100, expiresAt: 3700 }),
    fetch: async () => {
      throw new Error('no network in this test');
    },
    nowS: () => 100,
    ...overrides,
    settings: { ...settings, ...overrides.settings },
  };
}

test('password mode: the access token, or the ID token; a literal username or a claim', async () => {
  assert.deepEqual(await passwordMode(context()), { username: 'alice', secret: 'access-1', issuedAt: 100, expiresAt: 400, cacheable: true });
  assert.deepEqual(await passwordMode(context({ settings: { username: 'oauth2accesstoken' } })), {
    username: 'oauth2accesstoken',
    secret: 'access-1',
    issuedAt: 100,
    expiresAt: 400,
    cacheable: true,
  });
  const id = await passwordMode(context({ settings: { secretToken: 'id-token', usernameClaim: 'sub' } }));
  assert.deepEqual([id.username, id.secret, id.expiresAt], ['s-1', 'id-1', 3700]);
});

test('identity-token mode: <token> and the current refresh token, never cached', async () => {
  const answer = await identityTokenMode(context());
  assert.deepEqual([answer.username, answer.secret, answer.cacheable], ['<token>', 'rt-1', false]);
  const noRefreshToken = context();
  delete noRefreshToken.session.refreshToken;
  await assert.rejects(identityTokenMode(noRefreshToken), { code: 'session-expired', message: /add offline_access to --scope/ });
});

test('acr mode: exchanges at https://REG/oauth2/exchange with tenant and service, expiry from the token', async () => {
  const requests: Array<{ url: string; body: string }> = [];
  const acrToken = `h.${Buffer.from(JSON.stringify({ exp: 9999 })).toString('base64url')}.s`;
  const answer = await acrMode(
    context({
      fetch: async (input, init) => {
        requests.push({ url: urlOfInput(input), body: textOfBody(init?.body) });
        return new Response(JSON.stringify({ refresh_token: acrToken }), { status: 200 });
      },
    }),
  );
  assert.deepEqual(answer, { username: ACR_USERNAME, secret: acrToken, issuedAt: 100, expiresAt: 9999, cacheable: true });
  assert.equal(requests[0].url, 'https://reg.example/oauth2/exchange');
  assert.deepEqual(Object.fromEntries(new URLSearchParams(requests[0].body)), {
    grant_type: 'access_token',
    service: 'reg.example',
    access_token: 'access-1',
    tenant: 'tenant-from-token',
  });
});

test('acr mode: a refused exchange says so without echoing any token', async () => {
  const refused = context({ fetch: async () => new Response('{"errors":[{"code":"UNAUTHORIZED"}]}', { status: 401 }) });
  await assert.rejects(acrMode(refused), (error: Error & { code?: string }) => {
    assert.equal(error.code, 'idp-error');
    assert.match(error.message, /reg\.example refused the token exchange \(HTTP 401\)/);
    assert.ok(!error.message.includes('access-1'));
    return true;
  });
  const down = context({
    fetch: async () => {
      throw new TypeError('fetch failed', { cause: new Error('connect ECONNREFUSED 1.2.3.4:443') });
    },
  });
  await assert.rejects(acrMode(down), { code: 'idp-unreachable', message: /cannot reach https:\/\/reg\.example\/oauth2\/exchange .*ECONNREFUSED/ });
});
