// Golden tests: config.json before and after each edit, byte for byte.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { repoRoot } from '../../support/helperBinary.js';
import {
  addCredHelpers,
  dockerRegistryKey,
  editDockerConfig,
  findPlaintextCredentials,
  parseDockerConfig,
  removeAuthSecret,
  setCredsStore,
  undoOurEntries,
} from '../../../src/config/dockerConfig.js';

const fixture = (name: string) => readFileSync(join(repoRoot, 'test', 'fixtures', 'docker-config', name), 'utf8');

test('credHelpers are added; every other key keeps its place and formatting', () => {
  const after = addCredHelpers(fixture('many-keys.before.json'), ['https://Registry.example.com/', '127.0.0.1:5000']);
  assert.equal(after, fixture('many-keys.after-helpers.json'));
});

test('--creds-store sets credsStore and nothing else', () => {
  assert.equal(setCredsStore(fixture('many-keys.before.json')), fixture('many-keys.after-creds-store.json'));
});

test('--undo removes only what points at us and gives back the original file', () => {
  assert.equal(undoOurEntries(fixture('many-keys.after-helpers.json'), 'config.json'), fixture('many-keys.before.json'));
  assert.equal(undoOurEntries(fixture('many-keys.after-creds-store.json'), 'config.json'), fixture('many-keys.before.json'));
  const onlyOurs = addCredHelpers('{}', ['r.example']);
  assert.deepEqual(JSON.parse(undoOurEntries(onlyOurs, 'config.json')), {});
  const otherStore = '{\n\t"credsStore": "desktop"\n}\n';
  assert.equal(undoOurEntries(otherStore, 'config.json'), otherStore);
});

test('a missing or empty file becomes a small valid config', () => {
  assert.deepEqual(JSON.parse(addCredHelpers('', ['r.example'])), { credHelpers: { 'r.example': 'oidc' } });
});

test('plaintext auths are found, split at the first colon; identity tokens too', () => {
  const found = findPlaintextCredentials(parseDockerConfig(fixture('plaintext.before.json'), 'config.json'));
  assert.deepEqual(found, [
    { key: 'registry.example.com', username: 'alice', secret: 's3cr3t:with:colons', kind: 'auth' },
    { key: 'https://index.docker.io/v1/', username: 'bob', secret: 'hub-pass', kind: 'auth' },
    { key: 'acr.example.io', username: '<token>', secret: 'id-token-value', kind: 'identitytoken' },
  ]);
});

test('removing the secrets keeps "REG": {} so docker still knows it is logged in', () => {
  let text = fixture('plaintext.before.json');
  for (const key of ['registry.example.com', 'https://index.docker.io/v1/', 'acr.example.io']) {
    text = removeAuthSecret(text, key);
    text = addCredHelpers(text, [key]);
  }
  assert.equal(text, fixture('plaintext.after-migrate.json'));
  assert.ok(!text.includes('YWxpY2U6'));
});

test('invalid JSON is refused with line and column, never with the content', () => {
  const broken = '{\n\t"auths": {\n\t\t"r": {"auth": "c2VjcmV0"}\n\t},,\n}\n';
  assert.throws(
    () => parseDockerConfig(broken, '/home/u/.docker/config.json'),
    (error: Error & { code?: string }) => {
      assert.equal(error.code, 'config-invalid');
      assert.match(error.message, /^\/home\/u\/\.docker\/config\.json is not valid JSON \(\w+ at line 4, column 4\): fix it by hand; nothing was changed$/);
      assert.ok(!error.message.includes('c2VjcmV0'));
      return true;
    },
  );
  assert.throws(() => parseDockerConfig('[1]', 'c.json'), { code: 'config-invalid' });
  assert.throws(() => parseDockerConfig('{"a": 1, // comment\n}', 'c.json'), { code: 'config-invalid' });
});

test('registry keys as docker writes them', () => {
  assert.equal(dockerRegistryKey('https://Reg.Example.com/'), 'reg.example.com');
  assert.equal(dockerRegistryKey('reg.example.com:5000'), 'reg.example.com:5000');
  assert.equal(dockerRegistryKey('docker.io'), 'https://index.docker.io/v1/');
  assert.equal(dockerRegistryKey('https://index.docker.io/v1/'), 'https://index.docker.io/v1/');
});

test('edits are local: a minified file stays minified, other keys keep their spacing', () => {
  const minified =
    '{"auths":{"a.example":{"auth":"dTpw","email":"x"},"b.example":{"auth":"dTpw"}},"HttpHeaders":{"User-Agent":"me"},"psFormat":"table {{.ID}}"}';
  assert.equal(
    addCredHelpers(minified, ['r.example']),
    '{"auths":{"a.example":{"auth":"dTpw","email":"x"},"b.example":{"auth":"dTpw"}},"HttpHeaders":{"User-Agent":"me"},"psFormat":"table {{.ID}}","credHelpers":{"r.example":"oidc"}}',
  );
  assert.equal(
    removeAuthSecret(minified, 'a.example'),
    '{"auths":{"a.example":{},"b.example":{"auth":"dTpw"}},"HttpHeaders":{"User-Agent":"me"},"psFormat":"table {{.ID}}"}',
  );
  const spaced = '{\n  "auths": {\n    "a.example": { "auth": "dTpw", "email": "x", "keep": 1 }\n  },\n  "other": [1,2,   3]\n}\n';
  assert.equal(
    setCredsStore(spaced),
    '{\n  "auths": {\n    "a.example": { "auth": "dTpw", "email": "x", "keep": 1 }\n  },\n  "other": [1,2,   3],\n  "credsStore": "oidc"\n}\n',
  );
  assert.equal(removeAuthSecret(spaced, 'a.example'), '{\n  "auths": {\n    "a.example": { "keep": 1 }\n  },\n  "other": [1,2,   3]\n}\n');
  assert.equal(undoOurEntries(setCredsStore(spaced), 'c.json'), spaced);
});

test('an existing entry of another helper or store is replaced in place', () => {
  assert.equal(addCredHelpers('{"credHelpers": {"r.example": "gcloud", "x": "y"}}', ['r.example']), '{"credHelpers": {"r.example": "oidc", "x": "y"}}');
  assert.equal(setCredsStore('{\n\t"credsStore": "desktop"\n}\n'), '{\n\t"credsStore": "oidc"\n}\n');
});

test('20,000 auths entries are all migrated in one pass, each left as {}', () => {
  const count = 20_000;
  const keys = Array.from({ length: count }, (_, i) => `r${i}.example`);
  const text = JSON.stringify({ auths: Object.fromEntries(keys.map((k) => [k, { auth: 'dTpw' }])), other: 1 });
  const after = JSON.parse(editDockerConfig(text, 'c.json', { stripSecrets: keys, addHelpers: keys }));
  assert.equal(Object.keys(after.auths).length, count);
  assert.ok(Object.values(after.auths).every((entry) => JSON.stringify(entry) === '{}'));
  assert.equal(Object.keys(after.credHelpers).length, count);
  assert.equal(after.other, 1);
});

test('ambiguous files are refused with what to fix, never edited', () => {
  assert.throws(() => addCredHelpers('{"credHelpers": null}', ['r']), {
    code: 'config-invalid',
    message: 'config.json has "credHelpers": null where an object belongs: fix it by hand; nothing was changed',
  });
  assert.throws(() => addCredHelpers('{"credHelpers": ["r"]}', ['r']), { message: /"credHelpers": an array where an object belongs/ });
  assert.throws(() => addCredHelpers('{"credHelpers": {"a": "x"}, "credHelpers": {"b": "y"}}', ['r']), {
    message: 'config.json has the key "credHelpers" twice: fix it by hand; nothing was changed',
  });
  assert.throws(() => addCredHelpers('{"credHelpers": {"r": "x", "r": "oidc"}}', ['r']), { message: /has "r" twice in "credHelpers"/ });
});
