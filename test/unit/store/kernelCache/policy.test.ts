import assert from 'node:assert/strict';
import { test } from 'node:test';
import { KERNEL_CACHE_MAX_MS, kernelCacheLifetimeMs } from '../../../../src/store/kernelCache/policy.js';
import { isFresh } from '../../../../src/model.js';
import { encodeRecord } from '../../../../src/store/record.js';

const nowS = 1_700_000_000;
const derived = (issuedAt: number, expiresAt: number, minValidity?: number) =>
  encodeRecord({
    kind: 'derived',
    serverURL: 'r.example',
    username: 'u',
    secret: 'token',
    issuedAt,
    expiresAt,
    sessionKey: 's',
    ...(minValidity === undefined ? {} : { minValidity }),
  });

test('a docker login password is cached for at most ten minutes', () => {
  const value = encodeRecord({ kind: 'static', serverURL: 'r.example', username: 'u', secret: 'p' });
  assert.equal(kernelCacheLifetimeMs(value, nowS * 1000), KERNEL_CACHE_MAX_MS);
  assert.equal(KERNEL_CACHE_MAX_MS, 600_000);
});

test('a cached registry credential is answered from the cache only while get would hand it out', () => {
  // One hour of life, default minimum validity (600 s): fresh until 50 minutes from now; capped at ten.
  assert.equal(kernelCacheLifetimeMs(derived(nowS, nowS + 3600), nowS * 1000), KERNEL_CACHE_MAX_MS);
  // Five minutes left of a 60-minute token with 2 minutes' minimum validity: three minutes.
  const value = derived(nowS - 3300, nowS + 300, 120);
  const lifetime = kernelCacheLifetimeMs(value, nowS * 1000);
  assert.equal(lifetime, 180_000);
  const record = JSON.parse(value) as { issuedAt: number; expiresAt: number };
  assert.equal(isFresh(record, nowS + 179, 120), true);
  assert.equal(isFresh(record, nowS + 180, 120), false, 'the entry ends exactly when get would renew');
  // Already stale: not cached at all.
  assert.equal(kernelCacheLifetimeMs(derived(nowS - 3600, nowS + 10), nowS * 1000), 0);
});

test('refresh tokens, session bindings and unreadable items are never cached', () => {
  const session = encodeRecord({ kind: 'oidc-session', issuer: 'https://idp', clientId: 'c', refreshToken: 'rt' } as never);
  const binding = encodeRecord({ kind: 'session-binding', serverURL: 'r.example', username: '<token>', sessionKey: 's' });
  for (const value of [session, binding, 'not json', '{"v":99,"kind":"static"}']) assert.equal(kernelCacheLifetimeMs(value, nowS * 1000), 0, value);
});
