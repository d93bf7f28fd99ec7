import { test } from 'node:test';
import assert from 'node:assert/strict';
import { decodeRecord, encodeRecord, type StoredRecord } from '../../../src/store/record.js';

test('records round-trip with a version', () => {
  const records: StoredRecord[] = [
    { kind: 'static', serverURL: 'https://index.docker.io/v1/', username: 'u', secret: 's' },
    { kind: 'oidc-session', issuer: 'https://idp', clientId: 'c', refreshToken: 'rt', authenticatedAt: 1 },
    { kind: 'derived', serverURL: 'r.azurecr.io', username: '0', secret: 'x', issuedAt: 1, expiresAt: 2, sessionKey: 'k' },
  ];
  for (const record of records) {
    const raw = encodeRecord(record);
    assert.equal(JSON.parse(raw).v, 1);
    assert.deepEqual(decodeRecord(raw, 'acct'), record);
  }
});

test('an item that cannot be decoded is reported with the account and never its content', () => {
  const cases = [
    'plain-password-from-another-tool',
    '{"kind":"static","serverURL":"r","username":"u","secret":"s"}',
    '{"v":99,"kind":"static"}',
    '{"v":1,"kind":"mystery"}',
    '{"v":1,"kind":"static","serverURL":"r","username":"u"}',
    '[]',
    'null',
  ];
  for (const raw of cases) {
    assert.throws(
      () => decodeRecord(raw, 'r.example'),
      (error: Error & { code?: string }) => {
        assert.equal(error.code, 'corrupt-item');
        assert.match(error.message, /r\.example/);
        assert.ok(!error.message.includes('plain-password'), error.message);
        return true;
      },
      raw,
    );
  }
});
