import { test } from 'node:test';
import assert from 'node:assert/strict';
import { audienceKey, audienceParameters, decodeJwtPayload, expiryOf, usernameFor } from '../../../src/oidc/tokenMath.js';
import { isFresh } from '../../../src/model.js';

const jwt = (payload: object) => `e30.${Buffer.from(JSON.stringify(payload)).toString('base64url')}.sig`;

test("fresh until the minimum validity (default 10 minutes, BuildKit's cache) before expiry, or half a short lifetime", () => {
  const hour = { issuedAt: 0, expiresAt: 3600 };
  assert.equal(isFresh(hour, 2999), true);
  assert.equal(isFresh(hour, 3000), false);
  assert.equal(isFresh(hour, 3479, 120), true, 'a registry may ask for less');
  assert.equal(isFresh(hour, 3480, 120), false);
  const short = { issuedAt: 0, expiresAt: 8 };
  assert.equal(isFresh(short, 3), true);
  assert.equal(isFresh(short, 4), false);
  assert.equal(isFresh({ issuedAt: 10, expiresAt: 10 }, 9), true);
  assert.equal(isFresh({ issuedAt: 10, expiresAt: 10 }, 10), false);
});

test('expiry comes from expires_in, else the JWT exp, else five minutes', () => {
  assert.equal(expiryOf('opaque', 60, 1000), 1060);
  assert.equal(expiryOf(jwt({ exp: 5000 }), undefined, 1000), 5000);
  assert.equal(expiryOf('opaque', undefined, 1000), 1300);
  assert.equal(expiryOf('opaque', 0, 1000), 1300);
});

test('JWT payloads decode without verification; anything else is undefined', () => {
  assert.deepEqual(decodeJwtPayload(jwt({ sub: 'a' })), { sub: 'a' });
  assert.equal(decodeJwtPayload('a.b'), undefined);
  assert.equal(decodeJwtPayload('a.!!!.c'), undefined);
  assert.equal(decodeJwtPayload(`a.${Buffer.from('[1]').toString('base64url')}.c`), undefined);
});

test('username: literal, then the claim, then sub', () => {
  const claims = { sub: 's-1', preferred_username: 'alice', email: 'a@x' };
  assert.equal(usernameFor({ username: 'oauth2', usernameClaim: 'email' }, claims), 'oauth2');
  assert.equal(usernameFor({ usernameClaim: 'email' }, claims), 'a@x');
  assert.equal(usernameFor({ usernameClaim: 'preferred_username' }, { sub: 's-1' }), 's-1');
  assert.equal(usernameFor({ usernameClaim: 'preferred_username' }, undefined), 'oidc');
});

test('audience parameters and key follow resource, audience and scope', () => {
  assert.deepEqual(audienceParameters({}), {});
  assert.deepEqual(audienceParameters({ resource: 'urn:r', audience: 'aud' }), { resource: 'urn:r', audience: 'aud' });
  assert.notEqual(audienceKey({ resource: 'a', scope: 's' }), audienceKey({ resource: 'b', scope: 's' }));
  assert.equal(audienceKey({ scope: 's' }), audienceKey({ scope: 's' }));
});
