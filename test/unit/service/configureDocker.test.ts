import { test } from 'node:test';
import assert from 'node:assert/strict';
import { lstatSync, mkdtempSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
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
  const report = await configureDocker(w.deps, { registries: ['reg.example'], credsStore: false, undo: false, migrate: async () => false });
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

test('two spellings of one registry with different passwords: one moves, the other stays with a warning', async () => {
  const w = dockerConfig({ auths: { 'https://reg.example:5000': { auth: basic('old', 'pw-old') }, 'reg.example:5000': { auth: basic('new', 'pw-new') } } });
  const report = await configureDocker(w.deps, { registries: [], credsStore: false, undo: false, migrate: 'yes' });
  // docker login writes the bare host: that one is what the keychain now holds.
  assert.deepEqual(await credentialHelper(w.deps).get('reg.example:5000'), { ServerURL: 'reg.example:5000', Username: 'new', Secret: 'pw-new' });
  assert.deepEqual(report.migrated, ['reg.example:5000']);
  assert.deepEqual(report.kept, ['https://reg.example:5000']);
  const after = w.read();
  assert.deepEqual(after.auths['reg.example:5000'], {});
  assert.equal(after.auths['https://reg.example:5000'].auth, basic('old', 'pw-old'), 'the other password was not lost');
  assert.match(report.notes.join('\n'), /kept https:\/\/reg\.example:5000 in .*: it holds another password than reg\.example:5000/);
});

test('two spellings with the same password both lose it', async () => {
  const w = dockerConfig({ auths: { 'https://reg.example': { auth: basic('u', 'same') }, 'reg.example': { auth: basic('u', 'same') } } });
  const report = await configureDocker(w.deps, { registries: [], credsStore: false, undo: false, migrate: 'yes' });
  assert.deepEqual(report.migrated.sort(), ['https://reg.example', 'reg.example']);
  assert.deepEqual(w.read().auths, { 'https://reg.example': {}, 'reg.example': {} });
});

test('what another program writes during the migration is kept, and a password it changed is not removed', async () => {
  const w = dockerConfig({ auths: { 'a.example': { auth: basic('alice', 'pw-a') }, 'b.example': { auth: basic('bob', 'pw-b') } } });
  const write = w.store.write.bind(w.store);
  let once = false;
  w.store.write = async (account, value) => {
    await write(account, value);
    if (once) return;
    once = true;
    // docker login (another process) rewrites the file while we talk to the keychain.
    const theirs = w.read();
    theirs.auths['new.example'] = { auth: basic('carol', 'pw-c') };
    theirs.auths['b.example'] = { auth: basic('bob', 'pw-b-changed') };
    writeFileSync(w.file, JSON.stringify(theirs, null, '\t'));
  };
  const report = await configureDocker(w.deps, { registries: [], credsStore: false, undo: false, migrate: 'yes' });
  const after = w.read();
  assert.equal(after.auths['new.example'].auth, basic('carol', 'pw-c'), "the other program's entry survived");
  assert.equal(after.auths['b.example'].auth, basic('bob', 'pw-b-changed'), 'a password changed meanwhile stays');
  assert.deepEqual(after.auths['a.example'], {});
  assert.deepEqual(report.migrated, ['a.example']);
  assert.match(report.notes.join('\n'), /kept b\.example in .*: it changed while it was being moved/);
});

test('an auths key that is not a registry address is skipped with a warning; the rest migrate', async () => {
  const w = dockerConfig({ auths: { 'ftp://bad.example': { auth: basic('x', 'y') }, 'good.example': { auth: basic('u', 'p') } } });
  const report = await configureDocker(w.deps, { registries: [], credsStore: false, undo: false, migrate: 'yes' });
  assert.deepEqual(report.skipped, ['ftp://bad.example']);
  assert.deepEqual(report.migrated, ['good.example']);
  assert.equal(w.read().auths['ftp://bad.example'].auth, basic('x', 'y'));
  assert.match(report.notes.join('\n'), /skipped auths entry "ftp:\/\/bad\.example": invalid server URL/);
});

test('a dangling config.json symlink is written through to its target, and stays a link', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'dco-dangling-'));
  const target = join(dir, 'dotfiles-docker.json');
  symlinkSync(target, join(dir, 'config.json'));
  const w = testDeps({ env: { DOCKER_CONFIG: dir } });
  await configureDocker(w.deps, { registries: ['r.example'], credsStore: false, undo: false, migrate: 'no' });
  assert.ok(lstatSync(join(dir, 'config.json')).isSymbolicLink());
  assert.deepEqual(JSON.parse(readFileSync(target, 'utf8')), { credHelpers: { 'r.example': 'oidc' } });
});

test('nothing to configure is said as such, not as "already points at this helper"', async () => {
  const w = dockerConfig({});
  const report = await configureDocker(w.deps, { registries: [], credsStore: false, undo: false, migrate: 'no' });
  assert.deepEqual([report.nothingToConfigure, report.changed], [true, false]);
});
