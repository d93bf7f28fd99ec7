import { test } from 'node:test';
import assert from 'node:assert/strict';
import { formatCredentials, formatList, goJson, parseServerUrlInput, parseStoreInput } from '../../../src/protocol/wire.js';
import { CREDENTIALS_NOT_FOUND, MISSING_SERVER_URL, MISSING_USERNAME, unknownAction, usage } from '../../../src/protocol/messages.js';

test('answers are encoded like Go encoding/json, newline included', () => {
  assert.equal(
    formatCredentials({ ServerURL: 'r.example', Username: '<token>', Secret: 'a&b' }),
    '{"ServerURL":"r.example","Username":"\\u003ctoken\\u003e","Secret":"a\\u0026b"}\n',
  );
  assert.equal(goJson('\u2028\u2029"\\'), '"\\u2028\\u2029\\"\\\\"');
});

test('list is a JSON object with sorted keys', () => {
  assert.equal(
    formatList(
      new Map([
        ['z.example', 'u2'],
        ['https://a.example', 'u1'],
      ]),
    ),
    '{"https://a.example":"u1","z.example":"u2"}\n',
  );
  assert.equal(formatList(new Map()), '{}\n');
});

test('the server URL on stdin is trimmed; empty input is the protocol error', () => {
  assert.equal(parseServerUrlInput('  r.example:5000\n'), 'r.example:5000');
  assert.equal(parseServerUrlInput('r.example\r\n'), 'r.example');
  for (const empty of ['', '\n', '   \t\n']) {
    assert.throws(() => parseServerUrlInput(empty), { code: 'missing-server-url', message: MISSING_SERVER_URL });
  }
});

test('store input: field names match case-insensitively like Go; missing fields give the protocol errors', () => {
  assert.deepEqual(parseStoreInput('{"serverurl":"r","username":"u","secret":"s"}'), { ServerURL: 'r', Username: 'u', Secret: 's' });
  assert.deepEqual(parseStoreInput('{"ServerURL":"r","Username":"u"}'), { ServerURL: 'r', Username: 'u', Secret: '' });
  assert.throws(() => parseStoreInput('{"Username":"u","Secret":"s"}'), { code: 'missing-server-url', message: MISSING_SERVER_URL });
  assert.throws(() => parseStoreInput('{"ServerURL":"r","Secret":"s"}'), { code: 'missing-username', message: MISSING_USERNAME });
  assert.throws(() => parseStoreInput('{"ServerURL":"r","Username":5}'), { code: 'invalid-input' });
  assert.throws(() => parseStoreInput('[1]'), { code: 'invalid-input' });
});

test('malformed store input never echoes the input (it holds the secret)', () => {
  const secret = 'hunter2-very-secret';
  for (const input of [`{"ServerURL":"r","Username":"u","Secret":"${secret}"`, `{bad ${secret}`, secret]) {
    assert.throws(
      () => parseStoreInput(input),
      (error: Error & { code?: string }) => {
        assert.equal(error.code, 'invalid-input');
        assert.ok(!error.message.includes(secret), error.message);
        assert.ok(!error.message.includes('\n'));
        return true;
      },
    );
  }
});

test("the fixed protocol texts are docker-credential-helpers' own", () => {
  assert.equal(CREDENTIALS_NOT_FOUND, 'credentials not found in native keychain');
  assert.equal(unknownAction('foo'), 'Unknown credential action `foo`');
  assert.equal(usage('docker-credential-oidc'), 'Usage: docker-credential-oidc <store|get|erase|list|version>');
});

test('store input resolves repeated and differently cased keys as Go does: the last one wins, null changes nothing', () => {
  const cases: Array<[string, Partial<Record<'ServerURL' | 'Username' | 'Secret', string>>]> = [
    ['{"ServerURL":"r","Username":"u","Secret":"a","secret":"b","Secret":"c"}', { Secret: 'c' }],
    ['{"ServerURL":"r","Username":"u","Secret":"a","Secret":"b","secret":"c"}', { Secret: 'c' }],
    ['{"ServerURL":"r","Username":"u","secret":"c","Secret":"a"}', { Secret: 'a' }],
    ['{"ServerURL":"r","Username":"u","Secret":"kept","Secret":null}', { Secret: 'kept' }],
    ['{"serverurl":"r","USERNAME":"u","\\u017fecret":"long s"}', { Secret: 'long s' }],
    ['{ "ServerURL" : "r" , "Username":"u", "Other": {"Secret": "nested"}, "Secret": "top" }', { Secret: 'top' }],
    ['{"ServerURL":"first","ServerURL":"second","Username":"u","Secret":"s","x":[1,"]",{"}":"\\""}]}', { ServerURL: 'second' }],
  ];
  for (const [input, expected] of cases) {
    const parsed = parseStoreInput(input);
    for (const [field, value] of Object.entries(expected)) assert.equal(parsed[field as 'Secret'], value, input);
  }
  assert.throws(() => parseStoreInput('{"ServerURL":"r","Username":"u","Secret":1}'), { code: 'invalid-input', message: 'store: "Secret" must be a string' });
  assert.throws(() => parseStoreInput('{"ServerURL":"r","Username":null}'), { code: 'missing-username' });
});
