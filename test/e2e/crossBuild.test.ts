// The other Linux architecture's binary (linux-arm64 on an x64 machine), built here from the
// runtime and keychain addon that package-lock.json pins, then run under Debian's qemu-user:
// `version`, and store / get / erase against a real Secret Service.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { repoRoot, run } from '../support/helperBinary.js';
import { startKeyringWorld, storeInput, type KeyringWorld } from '../support/world.js';

const target =
  process.arch === 'x64'
    ? { arch: 'arm64', qemu: 'qemu-aarch64', sysroot: '/usr/aarch64-linux-gnu' }
    : { arch: 'x64', qemu: 'qemu-x86_64', sysroot: '/usr/x86_64-linux-gnu' };
let out: string;
let world: KeyringWorld;

before(async () => {
  out = await mkdtemp(join(tmpdir(), `dco-cross-${target.arch}-`));
  world = await startKeyringWorld('cross');
});
after(async () => {
  await world?.stop();
  await rm(out, { recursive: true, force: true });
});

const inQemu = (args: string[], input = '') =>
  run(target.qemu, ['-L', target.sysroot, join(out, 'docker-credential-oidc'), ...args], { env: world.env, input, timeoutMs: 120_000 });

test(`linux-${target.arch} is built from the pinned runtime and runs under qemu: version, store, get, erase`, async () => {
  const build = await run(process.execPath, [join(repoRoot, 'scripts', 'build.mjs')], {
    env: { ...process.env, DCO_TARGET: `linux-${target.arch}`, DCO_BUILD_OUT: out },
    timeoutMs: 300_000,
  });
  assert.equal(build.code, 0, build.stderr + build.stdout);
  assert.match(build.stdout, new RegExp(`linux-${target.arch}, Node\\.js v24\\.`));
  const file = await run('file', [join(out, 'docker-credential-oidc')]);
  assert.match(file.stdout, target.arch === 'arm64' ? /ARM aarch64/ : /x86-64/);

  const version = await inQemu(['version']);
  assert.equal(version.code, 0, version.stderr);
  assert.match(version.stdout, /^docker-credential-oidc \S+ \(Node\.js v24\.\d+\.\d+ inside\)\n$/);
  assert.deepEqual([(await inQemu(['store'], storeInput('cross.example', 'u', 'cross-secret'))).code], [0]);
  const got = await inQemu(['get'], 'cross.example');
  assert.equal(got.stdout, '{"ServerURL":"cross.example","Username":"u","Secret":"cross-secret"}\n', got.stderr);
  assert.equal((await inQemu(['erase'], 'cross.example')).code, 0);
  assert.equal((await inQemu(['get'], 'cross.example')).stdout, 'credentials not found in native keychain\n');
});
