import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { configureDocker } from '../../../src/service/configureDocker.js';
import { credentialHelper } from '../../../src/service/credentialHelper.js';
import { testDeps } from '../../support/testDeps.js';

function dockerConfig(content: unknown) {
  const dir = mkdtempSync(join(tmpdir(), 'dco-docker-'));
  writeFileSync(join(dir, 'config.json'), typeof content === 'string' ? content : JSON.stringify(content, null, '\t'));
  const world = testDeps({ env: { DOCKER_CONFIG: dir } });
  return { ...world, file: join(dir, 'config.json'), read: () => JSON.parse(readFileSync(join(dir, 'config.json'), 'utf8')) };
}

const basic = (user: string, secret: string) => Buffer.from(`${user}:${secret}`).toString('base64');

test('migration moves clear-text passwords into the keychain, then removes them from config.json', async () => {
  const w = dockerConfig({ auths: { 'reg.example': { auth: basic('alice', 'pw1') } }, HttpHeaders: { 'User-Agent': 'x' } });
  const report = await configureDocker(w.deps, { registries: [], credsStore: false, undo: false, migrate: 'yes' });
  assert.deepEqual(report.migrated, ['reg.example']);
  const after = w.read();
  assert.deepEqual(after.auths, { 'reg.example': {} });
  assert.deepEqual(after.credHelpers, { 'reg.example': 'oidc' });
  assert.deepEqual(after.HttpHeaders, { 'User-Agent': 'x' });
  assert.deepEqual(await credentialHelper(w.deps).get('reg.example'), { ServerURL: 'reg.example', Username: 'alice', Secret: 'pw1' });
});

test('without --migrate (and no terminal) passwords stay in place and nothing goes to the keychain', async () => {
  const w = dockerConfig({ auths: { 'reg.example': { auth: basic('alice', 'pw1') } } });
  const report = await configureDocker(w.deps, { registries: ['reg.example'], credsStore: false, undo: false, migrate: 'ask' });
  assert.deepEqual(report.migrated, []);
  assert.equal(w.read().auths['reg.example'].auth, basic('alice', 'pw1'));
  assert.equal(w.store.items.size, 0);
});

test('a keychain that fails the write keeps the entry in config.json', async () => {
  const w = dockerConfig({ auths: { 'reg.example': { auth: basic('alice', 'pw1') } } });
  w.store.write = async () => {
    throw new Error('the keychain is locked');
  };
  const report = await configureDocker(w.deps, { registries: [], credsStore: false, undo: false, migrate: 'yes' });
  assert.deepEqual(report.failed, ['reg.example']);
  assert.equal(w.read().auths['reg.example'].auth, basic('alice', 'pw1'));
});
