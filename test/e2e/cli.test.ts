// The human side of the binary: help, version, misuse, the registry-login name.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { randomUUID } from 'node:crypto';
import { spawn } from 'node:child_process';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startBareBus } from '../support/bareBus.js';
import { assertBuilt, helperBinary, loginBinary, repoRoot, run } from '../support/helperBinary.js';

assertBuilt();

test('--help lists the commands and the protocol; version prints the version', async () => {
  const help = await run(helperBinary, ['--help']);
  assert.equal(help.code, 0);
  for (const word of ['login', 'logout', 'status', 'store', 'get', 'erase', 'list']) assert.match(help.stdout, new RegExp(`\\b${word}\\b`));
  const version = await run(helperBinary, ['version']);
  // The runtime inside is the pinned Node.js LTS package, not the machine's node.
  const runtime = JSON.parse(await readFile(join(repoRoot, 'package.json'), 'utf8')).optionalDependencies[`node-linux-${process.arch}`];
  assert.deepEqual([version.code, version.stdout], [0, `docker-credential-oidc 0.1.0 (Node.js v${runtime} inside)\n`]);
  assert.equal((await run(helperBinary, ['--version'])).stdout, `docker-credential-oidc 0.1.0 (Node.js v${runtime} inside)\n`);
  const loginHelp = await run(loginBinary, ['--help']);
  assert.equal(loginHelp.code, 0);
  assert.match(loginHelp.stdout, /--issuer <url>/);
  assert.match(loginHelp.stdout, /--client-id <id>/);
});

test('misuse of a human command: usage on stderr and exit 2', async () => {
  const unknownFlag = await run(helperBinary, ['status', '--bogus']);
  assert.equal(unknownFlag.code, 2);
  assert.match(unknownFlag.stderr, /unknown option '--bogus'/);
  const missing = await run(loginBinary, []);
  assert.equal(missing.code, 2);
  assert.match(missing.stderr, /missing required argument 'registry'/);
  const extra = await run(helperBinary, ['get', 'extra']);
  assert.equal(extra.code, 2);
  assert.match(extra.stderr, /too many arguments for 'get'/);
  const logoutNothing = await run(helperBinary, ['logout']);
  assert.equal(logoutNothing.code, 2);
});

test('no Secret Service on the session bus: one line saying what to install', async () => {
  const bus = await startBareBus();
  try {
    const env = { ...process.env, DBUS_SESSION_BUS_ADDRESS: bus.address, HOME: await mkdtemp(join(tmpdir(), 'dco-home-')) };
    const result = await run(helperBinary, ['get'], { env, input: 'r.example' });
    assert.equal(result.code, 1);
    assert.equal(
      result.stdout,
      'no Secret Service on the D-Bus session bus: install and start a keychain (gnome-keyring, or KeePassXC with Secret Service integration); for more, run "docker-credential-oidc doctor r.example", or set DOCKER_CREDENTIAL_OIDC_DEBUG=1 to trace the next try\n',
    );
    await rm(env.HOME, { recursive: true, force: true });
  } finally {
    await bus.stop();
  }
});

/**
 * Runs `body` with a session bus whose Secret Service never answers (dbus-test-tool black-hole owns
 * the name and replies to nothing), in a throw-away HOME; everything is stopped afterwards.
 */
async function withHungSecretService(name: string, body: (env: NodeJS.ProcessEnv, dir: string) => Promise<void>): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), `dco-${name}-`));
  const bus = spawn('dbus-daemon', ['--session', '--nofork', '--print-address=1'], { stdio: ['ignore', 'pipe', 'ignore'] });
  try {
    const address = await new Promise<string>((resolve) => bus.stdout.once('data', (c: Buffer) => resolve(c.toString().trim())));
    const hole = spawn('dbus-test-tool', ['black-hole', '--session', '--name=org.freedesktop.secrets'], {
      env: { ...process.env, DBUS_SESSION_BUS_ADDRESS: address },
      stdio: 'ignore',
    });
    try {
      await new Promise((r) => setTimeout(r, 300));
      await body({ ...process.env, DBUS_SESSION_BUS_ADDRESS: address, HOME: dir }, dir);
    } finally {
      hole.kill();
    }
  } finally {
    bus.kill();
    await rm(dir, { recursive: true, force: true });
  }
}

test('a Secret Service that never answers: a bounded wait, then one line saying so', async () => {
  await withHungSecretService('hung', async (env) => {
    const started = Date.now();
    const result = await run(helperBinary, ['get'], { env, input: 'r.example', timeoutMs: 30_000 });
    const seconds = (Date.now() - started) / 1000;
    assert.equal(result.code, 1);
    assert.equal(
      result.stdout,
      'the keychain (Secret Service) did not answer (read): restart it (e.g. gnome-keyring-daemon --replace) and try again; for more, run "docker-credential-oidc doctor r.example", or set DOCKER_CREDENTIAL_OIDC_DEBUG=1 to trace the next try\n',
    );
    assert.ok(seconds < 16, `gave up after ${seconds} s`);
  });
});

test('a helper that crashes while holding a secret leaves no token in a core file', async () => {
  const secret = `crash-${randomUUID()}-${randomUUID()}`;
  // The Secret Service never answers, so `store` waits with the secret in its memory.
  await withHungSecretService('core', async (env, dir) => {
    const child = spawn('bash', ['-c', `ulimit -c unlimited; cd "${dir}"; exec "${helperBinary}" store`], { env, stdio: ['pipe', 'ignore', 'ignore'] });
    child.stdin.end(JSON.stringify({ ServerURL: 'r.example', Username: 'u', Secret: secret }));
    await new Promise((r) => setTimeout(r, 700));
    assert.equal((await readFile(`/proc/${child.pid}/coredump_filter`, 'utf8')).trim(), '00000000');
    child.kill('SIGSEGV');
    const signal = await new Promise<NodeJS.Signals | null>((resolve) => child.once('exit', (_code, s) => resolve(s)));
    assert.equal(signal, 'SIGSEGV');
    // With the kernel's default core_pattern ("core") the dump lands in the working directory.
    const pattern = (await readFile('/proc/sys/kernel/core_pattern', 'utf8')).trim();
    if (pattern === 'core') {
      const core = await readFile(join(dir, 'core'));
      assert.ok(core.length > 0);
      assert.equal(core.includes(secret), false, 'the secret is not in the core file');
    }
  });
});
