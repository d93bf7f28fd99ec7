import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseServerUrl } from '../../../src/protocol/registryAddress.js';

test('every spelling docker and the clients use maps to one key', () => {
  const cases: Array<[string, string]> = [
    ['reg.example.com', 'reg.example.com'],
    ['https://reg.example.com', 'reg.example.com'],
    ['http://reg.example.com/', 'reg.example.com'],
    ['//reg.example.com', 'reg.example.com'],
    ['REG.Example.COM', 'reg.example.com'],
    ['HTTPS://reg.example.com:5000/', 'reg.example.com:5000'],
    ['reg.example.com:5000', 'reg.example.com:5000'],
    ['127.0.0.1:5000', '127.0.0.1:5000'],
    ['[::1]:5000', '[::1]:5000'],
    ['https://index.docker.io/v1/', 'index.docker.io/v1'],
    ['reg.example.com/v2/?x=1#frag', 'reg.example.com/v2'],
    ['  reg.example.com \n', 'reg.example.com'],
  ];
  for (const [input, key] of cases) assert.equal(parseServerUrl(input).key, key, input);
});

test('a lookup never matches another host or port', () => {
  const stored = parseServerUrl('reg.example.com').key;
  for (const other of ['reg.example.com.evil.net', 'evil.net/reg.example.com', 'reg.example.com:5000', 'xreg.example.com', 'reg.example.co']) {
    assert.notEqual(parseServerUrl(other).key, stored, other);
  }
});

test('user information, other schemes and malformed hosts are refused with the reason', () => {
  const cases: Array<[string, RegExp]> = [
    ['ftp://reg.example.com', /unsupported scheme: ftp/],
    ['https://reg.example.com@evil.net', /user information/],
    ['https://', /no hostname/],
    ['reg.example.com:', /empty port/],
    ['reg.example.com:99999', /bad port/],
    ['reg.example.com:abc', /bad port/],
    ['reg example.com', /bad hostname/],
    ['[::1', /malformed IPv6/],
  ];
  for (const [input, message] of cases) {
    assert.throws(
      () => parseServerUrl(input),
      (error: Error & { code?: string }) => {
        assert.equal(error.code, 'invalid-server-url');
        assert.match(error.message, message);
        return true;
      },
      input,
    );
  }
});

test('the parts are kept apart', () => {
  assert.deepEqual(parseServerUrl('https://Reg.Example.com:8443/v1/'), {
    host: 'reg.example.com',
    port: '8443',
    path: '/v1',
    key: 'reg.example.com:8443/v1',
  });
});

test('control characters are refused anywhere: the keychain would cut at a NUL and merge two registries', () => {
  for (const input of ['reg.example/a\u0000x', 'reg.example/a\tb', 'reg\u0007.example', 'reg.example/\u007f', 'https://reg.example\u001b[2J']) {
    assert.throws(() => parseServerUrl(input), { code: 'invalid-server-url', message: /control characters are not allowed/ });
  }
  assert.equal(parseServerUrl('  reg.example/a\n').key, 'reg.example/a', 'surrounding white space is still trimmed');
});
