import { test } from 'node:test';
import assert from 'node:assert/strict';
import { sessionEnd, usefulUntil } from '../../../src/service/itemLifetime.js';
import { timeoutOf, UNKNOWN_LIFETIME_S } from '../../../src/store/kernelKeyring.js';
import type { OidcSession } from '../../../src/model.js';

const base: OidcSession = { kind: 'oidc-session', issuer: 'https://idp.example', clientId: 'c', authenticatedAt: 1000 };
const jwt = (payload: object) => `e30.${Buffer.from(JSON.stringify(payload)).toString('base64url')}.sig`;
const derived = { kind: 'derived' as const, serverURL: 'r.example', username: 'u', secret: 's', issuedAt: 1000, expiresAt: 1300, sessionKey: 'session:x' };

test('a sign-in with a refresh token ends when the provider says, else when its JWT says, else nobody knows', () => {
  assert.equal(sessionEnd({ ...base, refreshToken: 'opaque', refreshExpiresAt: 5000 }), 5000);
  assert.equal(sessionEnd({ ...base, refreshToken: jwt({ exp: 7000 }) }), 7000);
  assert.equal(sessionEnd({ ...base, refreshToken: 'opaque', accessToken: { value: 't', issuedAt: 1000, expiresAt: 1300, audience: 'a' } }), undefined);
});

test('a sign-in without a refresh token ends with its last token', () => {
  assert.equal(
    sessionEnd({
      ...base,
      accessToken: { value: 't', issuedAt: 1000, expiresAt: 1300, audience: 'a' },
      idToken: { value: 'i', issuedAt: 1000, expiresAt: 1600 },
    }),
    1600,
  );
  assert.equal(sessionEnd(base), undefined);
});

test("a pipeline's registry token is kept until it expires; a person's registry item as long as the sign-in", () => {
  const session = { ...base, refreshToken: 'opaque', refreshExpiresAt: 9000 };
  assert.equal(usefulUntil({ grant: 'client-credentials' }, derived, session), 1300);
  assert.equal(usefulUntil({ grant: 'device-code' }, derived, session), 9000);
  assert.equal(usefulUntil({ grant: 'device-code' }, derived, { ...base, refreshToken: 'opaque' }), undefined);
  assert.equal(usefulUntil({ grant: 'device-code' }, { kind: 'session-binding', serverURL: 'r', username: 'u', sessionKey: 'k' }, session), 9000);
  assert.equal(usefulUntil({}, { kind: 'static', serverURL: 'r', username: 'u', secret: 's' }, undefined), undefined);
});

test('a kernel key never gets "no timeout": unknown ends take the ceiling, past ends one second', () => {
  assert.equal(timeoutOf(undefined, 1000), UNKNOWN_LIFETIME_S);
  assert.equal(timeoutOf(1060.2, 1000), 61);
  assert.equal(timeoutOf(900, 1000), 1);
  assert.equal(timeoutOf(Number.NaN, 1000), UNKNOWN_LIFETIME_S);
});
