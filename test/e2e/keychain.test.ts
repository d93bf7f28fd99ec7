// The built binary against a real Secret Service (gnome-keyring-daemon on a private D-Bus).
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { chmod, chown, mkdir, mkdtemp, readdir, readFile, rm, stat, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestKeyring } from '../support/keyring.js';
import { run, runHelper } from '../support/helperBinary.js';
import { moduleProbe } from '../support/moduleProbe.js';
import { startKeyringWorld, storeInput, type KeyringWorld } from '../support/world.js';

let world: KeyringWorld;
let keyring: TestKeyring;
let home: string;
let env: NodeJS.ProcessEnv;

before(async () => {
  world = await startKeyringWorld('home');
  ({ keyring, home, env } = world);
});
after(() => world?.stop());

async function secretToolItems(): Promise<string> {
  const { stdout, stderr } = await run('secret-tool', ['search', '--all', 'service', 'docker-credential-oidc'], { env: keyring.env });
  return stdout + stderr;
}

test('store, get in another spelling, list, erase: the secret lives in the Secret Service', async () => {
  const stored = await runHelper(['store'], { env, input: storeInput('https://kc.example:5000', 'alice', 's3cret-kc') });
  assert.deepEqual([stored.code, stored.stdout, stored.stderr], [0, '', '']);

  const items = await secretToolItems();
  assert.match(items, /attribute\.username = kc\.example:5000/);
  assert.match(items, /s3cret-kc/);

  const got = await runHelper(['get'], { env, input: 'kc.example:5000\n' });
  assert.equal(got.code, 0);
  assert.equal(got.stdout, '{"ServerURL":"kc.example:5000","Username":"alice","Secret":"s3cret-kc"}\n');

  const listed = await runHelper(['list'], { env, input: 'unused' });
  assert.equal(listed.code, 0);
  assert.equal(JSON.parse(listed.stdout)['https://kc.example:5000'], 'alice');

  assert.equal((await runHelper(['erase'], { env, input: 'http://kc.example:5000' })).code, 0);
  const gone = await runHelper(['get'], { env, input: 'kc.example:5000' });
  assert.deepEqual([gone.code, gone.stdout], [1, 'credentials not found in native keychain\n']);
  assert.doesNotMatch(await secretToolItems(), /kc\.example/);
});

/**
 * What the protocol verbs make the runtime load, read from inside the real binary (support/moduleProbe).
 * Touching process.stdin or process.stderr creates a stream and loads node:net, node:stream and
 * readline (~4 ms of every pull, measured); the verbs read and write the descriptors directly.
 */
test('get and list (the verbs of every pull and build) load no stream, socket, readline, crypto or child-process module', async () => {
  const probe = await moduleProbe();
  await runHelper(['store'], { env, input: storeInput('modules.example', 'alice', 'module-secret') });
  // Also node:os and node:module, lazy built-ins the hot path reached for (homedir, createRequire).
  const FORBIDDEN = /^NativeModule (net|stream|tty|readline|crypto|child_process|http|https|worker_threads|zlib|internal\/fs\/promises|os|module)$/;
  // The second get of modules.example is answered from the kernel cache, which needs no timeout
  // either: not even AbortController's module (the global is lazy; one was made for every command),
  // nor node:vm, with which the program's script is compiled (src/main.ts).
  const FROM_KERNEL_CACHE = /^NativeModule (internal\/abort_controller|vm)$/;
  let runs = 0;
  for (const [verb, input] of [
    ['get', 'modules.example'],
    ['get', 'modules.example'],
    ['get', 'missing.example'],
    ['list', ''],
  ] as const) {
    const name = `${verb}-${input}-${++runs}`;
    const result = await runHelper([verb], { env: probe.env(env, name), input });
    assert.ok(result.code === 0 || result.stdout === 'credentials not found in native keychain\n', `${verb}: ${result.stdout}${result.stderr}`);
    const loaded = await probe.loaded(name);
    assert.ok(loaded.includes('NativeModule fs'), "the probe sees the runtime's modules");
    assert.deepEqual(
      loaded.filter((module) => FORBIDDEN.test(module) || (runs === 2 && FROM_KERNEL_CACHE.test(module))),
      [],
      `${verb} ${input} (${runs})`,
    );
  }
  await probe.remove();
});

test('storing a server again under another username replaces the one item', async () => {
  await runHelper(['store'], { env, input: storeInput('swap.example', 'first', 'one') });
  await runHelper(['store'], { env, input: storeInput('swap.example', 'second', 'two') });
  const items = (await secretToolItems()).match(/attribute\.username = swap\.example$/gm) ?? [];
  assert.equal(items.length, 1);
  const got = await runHelper(['get'], { env, input: 'swap.example' });
  assert.equal(got.stdout, '{"ServerURL":"swap.example","Username":"second","Secret":"two"}\n');
});

test("list shows only our items, not other applications' secrets", async () => {
  await run('secret-tool', ['store', '--label=other app', 'service', 'someone-else', 'username', 'x.example'], { env: keyring.env, input: 'other-secret' });
  const listed = await runHelper(['list'], { env, input: '' });
  assert.equal(listed.code, 0);
  assert.ok(!listed.stdout.includes('x.example'), listed.stdout);
  assert.ok(!listed.stdout.includes('other-secret'));
});

test('the native addon is extracted once to the per-user cache, private to the user', async () => {
  const dir = join(home, '.cache', 'docker-credential-oidc');
  const files = (await readdir(dir)).filter((f) => f.endsWith('.node'));
  // The keychain's addon, and koffi (loaded to fill the kernel cache after a miss): one copy each.
  assert.deepEqual(files.map((f) => f.replace(/-[0-9a-f]+\.node$/, '')).sort(), ['keyring', 'koffi']);
  assert.equal((await stat(dir)).mode & 0o777, 0o700);
});

test('an unwritable cache falls back to another directory', async () => {
  // A regular file where the cache directory should be: mkdir fails with ENOTDIR.
  const blocker = join(home, 'not-a-directory');
  await writeFile(blocker, '');
  const got = await runHelper(['get'], { env: { ...env, XDG_CACHE_HOME: blocker }, input: 'swap.example' });
  assert.equal(got.code, 0, got.stdout + got.stderr);
  const runtimeFiles = await readdir(join(keyring.env.XDG_RUNTIME_DIR!, 'docker-credential-oidc'));
  assert.ok(
    runtimeFiles.some((f) => f.endsWith('.node')),
    runtimeFiles.join(),
  );
});

test('a noexec cache (the addon cannot be mapped) falls back to another directory', async (t) => {
  const mountPoint = await mkdtemp(join(tmpdir(), 'dco-noexec-'));
  const mounted = await run('mount', ['-t', 'tmpfs', '-o', 'noexec,size=16m', 'tmpfs', mountPoint]);
  if (mounted.code !== 0) {
    t.skip(`cannot mount a noexec tmpfs here: ${mounted.stderr.trim()}`);
    return;
  }
  try {
    const runtime = await mkdtemp(join(tmpdir(), 'dco-runtime-'));
    const noexecEnv = { ...env, XDG_CACHE_HOME: mountPoint, XDG_RUNTIME_DIR: runtime };
    const got = await runHelper(['get'], { env: noexecEnv, input: 'swap.example' });
    assert.equal(got.code, 0, got.stdout + got.stderr);
    // It was written to the noexec cache, failed to map there, and was loaded from the next place.
    assert.ok((await readdir(join(mountPoint, 'docker-credential-oidc'))).some((f) => f.endsWith('.node')));
    assert.ok((await readdir(join(runtime, 'docker-credential-oidc'))).some((f) => f.endsWith('.node')));
    await rm(runtime, { recursive: true, force: true });
  } finally {
    await run('umount', [mountPoint]);
    await rm(mountPoint, { recursive: true, force: true });
  }
});

test('the addon is never loaded from a directory another user prepared, nor through a symlink', async () => {
  const [addonName] = (await readdir(join(home, '.cache', 'docker-credential-oidc'))).filter((f) => f.endsWith('.node'));
  const blocker = join(home, 'cache-is-a-file');
  await writeFile(blocker, '');
  // No cache, no XDG_RUNTIME_DIR (cron, sudo -u, ssh without logind): the last place is under TMPDIR.
  const shared = await mkdtemp(join(tmpdir(), 'dco-shared-tmp-'));
  await chmod(shared, 0o1777);
  const { XDG_RUNTIME_DIR: _unused, ...withoutRuntime } = env;
  const attackEnv = { ...withoutRuntime, XDG_CACHE_HOME: blocker, TMPDIR: shared };
  const prepared = join(shared, `docker-credential-oidc-${process.getuid!()}`);
  try {
    // Another local user (uid 65534) made the directory first and left a "keychain module" in it.
    await mkdir(prepared, { mode: 0o777 });
    await chmod(prepared, 0o777);
    await writeFile(join(prepared, addonName), 'not the addon: a planted library');
    await chown(prepared, 65534, 65534);
    const refused = await runHelper(['get'], { env: attackEnv, input: 'swap.example' });
    assert.equal(refused.code, 1);
    assert.match(
      refused.stdout,
      new RegExp(
        `^cannot load the keychain module \\(.*${prepared.replace(/[.]/g, '\\.')}: .*belongs to uid 65534, not to you\\): set XDG_CACHE_HOME to a private, writable directory that allows executables; for more, run "docker-credential-oidc doctor swap\\.example", or set DOCKER_CREDENTIAL_OIDC_DEBUG=1 to trace the next try\n$`,
      ),
    );
    assert.equal(await readFile(join(prepared, addonName), 'utf8'), 'not the addon: a planted library');

    // The same directory as a symlink to the attacker's.
    await rm(prepared, { recursive: true, force: true });
    const elsewhere = await mkdtemp(join(tmpdir(), 'dco-attacker-'));
    await symlink(elsewhere, prepared);
    const viaLink = await runHelper(['get'], { env: attackEnv, input: 'swap.example' });
    assert.equal(viaLink.code, 1);
    assert.match(viaLink.stdout, /is a symlink or not a directory/);
    assert.deepEqual(await readdir(elsewhere), [], 'nothing was written through the link');
    await rm(elsewhere, { recursive: true, force: true });

    // A private directory of our own is fine.
    await rm(prepared, { force: true });
    const ok = await runHelper(['get'], { env: attackEnv, input: 'swap.example' });
    assert.equal(ok.code, 0, ok.stdout);
    assert.equal((await stat(prepared)).mode & 0o777, 0o700);
  } finally {
    await rm(shared, { recursive: true, force: true });
  }
});

test('a cached addon that differs from the embedded one is replaced, never loaded', async () => {
  const dir = join(home, '.cache', 'docker-credential-oidc');
  const [addonName] = (await readdir(dir)).filter((f) => f.endsWith('.node'));
  const original = await readFile(join(dir, addonName));
  const tampered = Buffer.from(original);
  tampered[tampered.length - 1] ^= 0xff;
  await writeFile(join(dir, addonName), tampered);
  const got = await runHelper(['get'], { env, input: 'swap.example' });
  assert.equal(got.code, 0, got.stdout);
  assert.ok((await readFile(join(dir, addonName))).equals(original), 'the embedded bytes were written back');
});

test('registries named constructor or __proto__: found, erased and refused like any other', async () => {
  const settingsDir = join(home, '.config', 'docker-credential-oidc');
  await mkdir(settingsDir, { recursive: true });
  const entry = {
    serverURL: 'sso.example',
    issuer: 'https://idp.example',
    clientId: 'c',
    scope: 'openid offline_access',
    mode: 'password',
    usernameClaim: 'sub',
    secretToken: 'access-token',
  };
  await writeFile(join(settingsDir, 'config.json'), JSON.stringify({ version: 1, registries: { 'sso.example': entry }, providers: {} }));
  try {
    for (const name of ['constructor', '__proto__', 'CONSTRUCTOR']) {
      const missing = await runHelper(['get'], { env, input: name });
      assert.deepEqual([missing.code, missing.stdout], [1, 'credentials not found in native keychain\n'], name);
      const erased = await runHelper(['erase'], { env, input: name });
      assert.deepEqual([erased.code, erased.stdout, erased.stderr], [0, '', ''], name);
    }
  } finally {
    await rm(join(settingsDir, 'config.json'), { force: true });
  }
});

test('a NUL in a server URL is refused: reg/a and reg/a<NUL>x are not one item', async () => {
  await runHelper(['store'], { env, input: storeInput('nul.example/a', 'u', 'for-a') });
  const result = await runHelper(['get'], { env, input: 'nul.example/a\u0000x' });
  assert.equal(result.code, 1);
  assert.match(result.stdout, /^invalid server URL .*control characters are not allowed\n$/);
  const stored = await runHelper(['store'], { env, input: storeInput('nul.example/a\u0000x', 'u', 'other') });
  assert.equal(stored.code, 1);
  assert.equal(JSON.parse((await runHelper(['get'], { env, input: 'nul.example/a' })).stdout).Secret, 'for-a');
});

test('a 253-character host and a 300-character path: store, get and erase work (lock names are hashed)', async () => {
  const host = `${'a'.repeat(63)}.${'b'.repeat(63)}.${'c'.repeat(63)}.${'d'.repeat(61)}`;
  assert.equal(host.length, 253);
  const server = `${host}:5000/${'p'.repeat(300)}`;
  const stored = await runHelper(['store'], { env, input: storeInput(server, 'long', 'long-secret') });
  assert.deepEqual([stored.code, stored.stdout], [0, '']);
  assert.equal(JSON.parse((await runHelper(['get'], { env, input: `https://${server}/` })).stdout).Secret, 'long-secret');
  const erased = await runHelper(['erase'], { env, input: server });
  assert.deepEqual([erased.code, erased.stdout], [0, '']);
  assert.equal((await runHelper(['get'], { env, input: server })).code, 1);
});

test('a huge stdin is refused with one line and nothing stored', async () => {
  const flood = 'x'.repeat(3 * 1024 * 1024);
  const result = await runHelper(['store'], { env, input: flood });
  assert.equal(result.code, 1);
  assert.match(result.stdout, /larger than 1048576 bytes/);
  assert.equal(result.stderr.trim().split('\n').length, 1);
});

test('invalid server URLs are refused with a clear line', async () => {
  const result = await runHelper(['get'], { env, input: 'ftp://reg.example' });
  assert.equal(result.code, 1);
  assert.equal(result.stdout, 'invalid server URL "ftp://reg.example": unsupported scheme: ftp\n');
});

test('no D-Bus, no Secret Service, a locked keyring: one line that says what to do, exit 1, nothing lost', async () => {
  const noBus = Object.fromEntries(Object.entries(env).filter(([name]) => name !== 'DBUS_SESSION_BUS_ADDRESS'));
  const r1 = await runHelper(['get'], { env: noBus, input: 'swap.example' });
  assert.equal(r1.code, 1);
  assert.match(r1.stdout, /^cannot reach the D-Bus session bus, so no Secret Service keychain: .*\n$/);
  assert.match(r1.stderr, /^docker-credential-oidc: cannot reach the D-Bus session bus/);

  const deadBus = { ...env, DBUS_SESSION_BUS_ADDRESS: `unix:path=${join(home, 'no-bus-here')}` };
  const r2 = await runHelper(['store'], { env: deadBus, input: storeInput('swap.example', 'x', 'y') });
  assert.equal(r2.code, 1);
  assert.match(r2.stdout, /cannot reach the D-Bus session bus/);

  await keyring.lock();
  const r3 = await runHelper(['get'], { env, input: 'swap.example' });
  assert.equal(r3.code, 1);
  assert.match(r3.stdout, /^the keychain is locked and cannot be unlocked from here: .*\n$/);
  const r4 = await runHelper(['store'], { env, input: storeInput('swap.example', 'x', 'y') });
  assert.equal(r4.code, 1);
  assert.match(r4.stdout, /keychain is locked/);
  const keyringFiles = await readdir(join(keyring.env.XDG_DATA_HOME!, 'keyrings'));
  for (const file of keyringFiles) {
    const content = await readFile(join(keyring.env.XDG_DATA_HOME!, 'keyrings', file));
    assert.ok(!content.includes('two'), 'the keyring file is encrypted');
  }
});

/**
 * Everything but a cached answer runs the program, a script of its own in the binary (src/main.ts):
 * compiled from the code cache the build made (~1 ms) or, if V8 rejected that cache, from scratch
 * (~10 ms, silently). A preload wraps vm.Script and records what V8 said of each cache.
 */
test('the program script is compiled from its code cache: V8 accepts the one the build made', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'dco-codecache-'));
  const record = join(dir, 'caches.txt');
  const preload = join(dir, 'preload.cjs');
  await writeFile(
    preload,
    `const vm = require('node:vm'); const fs = require('node:fs'); const Original = vm.Script;
vm.Script = class extends Original { constructor(code, options) { super(code, options); if (options && options.cachedData) fs.appendFileSync(${JSON.stringify(record)}, options.filename.split('#').pop() + ' ' + this.cachedDataRejected + '\\n'); } };\n`,
  );
  try {
    const probed = { ...env, NODE_OPTIONS: `--require ${preload}`, DOCKER_CREDENTIAL_OIDC_KERNEL_CACHE: 'off' };
    assert.equal((await runHelper(['get'], { env: probed, input: 'nothing-here.example' })).code, 1);
    assert.equal((await runHelper(['version'], { env: probed })).code, 0);
    assert.deepEqual((await readFile(record, 'utf8')).trim().split('\n'), ['program.cjs false', 'program.cjs false']);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
