import { test } from 'node:test';
import assert from 'node:assert/strict';
import { describePasswordRefusal } from '../../../src/tokenServer/passwordGrant.js';
import { looksLikeJwt, PasswordSignIn } from '../../../src/tokenServer/passwordSignIn.js';

const PLACES = { accountUrl: 'https://sso.example.com/realms/dev/account', registry: 'registry.example.com' };

test('each provider refusal of a password is one line that says what to do', () => {
  // Keycloak's answers (DirectGrantValidatePasswordAuthenticator, RequiredActions) and Entra ID's.
  const table: Array<[string, string, RegExp, number]> = [
    ['invalid_grant', 'Invalid user credentials', /^wrong username or password$/, 401],
    [
      'invalid_grant',
      'Account is not fully set up',
      /needs an action at the provider \(update password \/ complete profile\): sign in once at https:\/\/sso\.example\.com\/realms\/dev\/account/,
      401,
    ],
    ['invalid_grant', 'AADSTS50055: The password is expired.', /needs an action at the provider/, 401],
    [
      'invalid_grant',
      'AADSTS50076: Due to a configuration change made by your administrator, you must use multi-factor authentication',
      /multi-factor .*use registry-login registry\.example\.com/,
      401,
    ],
    ['interaction_required', 'AADSTS53003: Access has been blocked by Conditional Access policies.', /use registry-login registry\.example\.com/, 401],
    ['unauthorized_client', 'Client not allowed for direct access grants', /operator must allow the password grant/, 503],
    ['unsupported_grant_type', '', /operator must allow the password grant/, 503],
    ['temporarily_unavailable', 'try later\u001b[31m', /^the provider refused the password: temporarily_unavailable \(try later\[31m\)$/, 401],
  ];
  for (const [error, description, line, status] of table) {
    const outcome = describePasswordRefusal(error, description, PLACES);
    assert.match(outcome.refused, line, `${error} ${description}`);
    assert.equal(outcome.status, status);
    assert.ok(!/[\r\n\u001b]/.test(outcome.refused));
  }
});

test('a Basic password is a token only when it has the shape of a JWT', () => {
  assert.equal(looksLikeJwt('eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJhIn0.c2ln'), true);
  assert.equal(looksLikeJwt('correct.horse.battery'), false);
  assert.equal(looksLikeJwt('hunter2'), false);
  assert.equal(looksLikeJwt('glpat-abcdefghij'), false);
});

test('a client secret file that cannot be read stops the start, not the first sign-in', () => {
  const provider = {
    issuer: 'https://sso.example.com/realms/dev',
    audience: 'registry',
    usernameClaim: 'preferred_username',
    algorithms: ['RS256' as const],
    acceptIdTokens: false,
    passwordGrant: true,
    passwordClient: { clientId: 'registry-token-server', clientSecretFile: '/nonexistent/secret' },
  };
  assert.throws(
    () => new PasswordSignIn({ providers: [provider], rateLimit: { failures: 5, window: 60 }, service: 'registry.example.com' }, fetch, {}),
    /cannot read the client secret of registry-token-server \(\/nonexistent\/secret\): ENOENT/,
  );
});
