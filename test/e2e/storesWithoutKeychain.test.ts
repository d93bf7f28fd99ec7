// Where there is no Secret Service (a D-Bus session without one, or no D-Bus at all: a CI agent, a
// server), nothing that the chosen store does not need may touch it: switching a pipeline's store,
// `pull-secret` of a registry nobody configured, and `logout --all` must all work or say what is
// wrong in their own terms, never the D-Bus sentence.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startBareBus, type BareBus } from '../support/bareBus.js';
import { assertBuilt, loginBinary, run, runHelper } from '../support/helperBinary.js';
import { startRegistry, type TestRegistry } from '../support/registry.js';
import { PIPELINE_CLIENTS, startIdp, type Idp, robotLoginArgs } from '../support/idp.js';
import { signIn } from '../support/signIn.js';
import { startTokenServer, type TokenServer } from '../support/tokenServer.js';

const KEY_PREFIX = 'docker-credential-oidc:';
const SECRET_SERVICE_WORDS = /D-Bus|Secret Service/;

let bus: BareBus;
let idp: Idp;
let tokenServer: TokenServer;
let registry: TestRegistry;

before(async () => {
  assertBuilt();
  bus = await startBareBus();
  idp = await startIdp();
  tokenServer = await startTokenServer({ idp });
  registry = await startRegistry(tokenServer.registryAuth);
});

after(async () => {
  await Promise.all([registry?.stop(), tokenServer?.stop(), idp?.stop()]);
  await bus?.stop();
});

/** Seconds per unit of /proc/keys' timeout column (security/keys/proc.c: s, m, h, d, w). */
const TIMEOUT_UNITS: Record<string, number> = { s: 1, m: 60, h: 3600, d: 86400, w: 604800 };

/**
 * The kernel's own word on how long our key for `account` has left, from /proc/keys (keyrings(7)):
 * 'perm' for a key that never expires, else the seconds, rounded down to the column's unit.
 */
async function kernelTimeout(account: string): Promise<number | 'perm'> {
  const line = (await readFile('/proc/keys', 'latin1')).split('\n').find((l) => l.split(/\s+/).slice(8).join(' ').startsWith(`${KEY_PREFIX}${account}: `));
  assert.ok(line, `no key for ${account} in /proc/keys`);
  const timeout = line.split(/\s+/)[3];
  if (timeout === 'perm') return 'perm';
  const match = /^(\d+)([smhdw])$/.exec(timeout);
  assert.ok(match, `unexpected timeout ${timeout}`);
  return Number(match[1]) * TIMEOUT_UNITS[match[2]];
}

/** Is there a key of ours for this account in the user keyring? */
async function inKernel(account: string): Promise<boolean> {
  return (await run('keyctl', ['search', '@u', 'user', `${KEY_PREFIX}${account}`])).code === 0;
}

const places: Array<{ name: string; dbus: () => NodeJS.ProcessEnv }> = [
  { name: 'a D-Bus session without a Secret Service', dbus: () => ({ DBUS_SESSION_BUS_ADDRESS: bus.address }) },
  // No bus address and no runtime directory where a default bus could be found.
  { name: 'no D-Bus at all', dbus: () => ({ DBUS_SESSION_BUS_ADDRESS: undefined, XDG_RUNTIME_DIR: undefined }) },
];

for (const place of places) {
  describe(place.name, () => {
    let home: string;
    let env: NodeJS.ProcessEnv;
    let secretFile: string;

    const robotArgs = (store: string) => [...robotLoginArgs(idp, secretFile), '--store', store];

    before(async () => {
      home = await mkdtemp(join(tmpdir(), 'dco-stores-'));
      secretFile = join(home, 'robot-secret');
      await writeFile(secretFile, idp.pipeline.clientSecret, { mode: 0o600 });
      env = { ...process.env, HOME: home, XDG_CONFIG_HOME: join(home, '.config'), XDG_CACHE_HOME: join(home, '.cache'), ...place.dbus() };
      for (const name of Object.keys(env)) if (env[name] === undefined) delete env[name];
    });

    after(async () => {
      await runHelper(['logout', '--all', '--forget'], { env });
      await rm(home, { recursive: true, force: true });
    });

    test('a pipeline switches its store none → kernel → none, and each switch succeeds', async () => {
      for (const store of ['none', 'kernel', 'none', 'kernel']) {
        const login = await run(loginBinary, [registry.host, ...robotArgs(store)], { env });
        assert.equal(login.code, 0, `--store ${store}: ${login.stderr}`);
        assert.doesNotMatch(login.stderr, SECRET_SERVICE_WORDS);
        const status = await runHelper(['status'], { env });
        assert.match(status.stdout, store === 'kernel' ? /tokens kept in: kernel keyring/ : /tokens kept in: nothing/);
        assert.equal(await inKernel(registry.host), store === 'kernel', 'the kernel keyring holds the credential only while it is the store');
        const get = await runHelper(['get'], { env, input: registry.host });
        assert.equal(get.code, 0, get.stdout + get.stderr);
      }
    });

    test("a pipeline's kernel keys expire with the tokens they hold, not never", async () => {
      const login = await run(loginBinary, [registry.host, ...robotArgs('kernel')], { env });
      assert.equal(login.code, 0, login.stderr);
      // The test provider's access tokens live 60 s: so do the registry's token and the sign-in holding it.
      for (const account of [registry.host, `session:${idp.issuer}#${PIPELINE_CLIENTS.secret} (kernel)`]) {
        const timeout = await kernelTimeout(account);
        assert.ok(timeout !== 'perm', `${account} never expires`);
        assert.ok(timeout <= 60, `${account} outlives its token: ${timeout} s`);
      }
    });

    test('pull-secret of a registry nobody configured says so, not the D-Bus sentence', async () => {
      const result = await runHelper(['pull-secret', 'unconfigured.example'], { env });
      assert.equal(result.code, 1);
      assert.equal(result.stdout, '');
      assert.match(result.stderr, /unconfigured\.example is not configured.*registry-login unconfigured\.example/);
      assert.doesNotMatch(result.stderr, SECRET_SERVICE_WORDS);
    });

    test('logout --all with a registry on --store none signs everything out', async () => {
      const login = await run(loginBinary, [registry.host, ...robotArgs('none')], { env });
      assert.equal(login.code, 0, login.stderr);
      const logout = await runHelper(['logout', '--all'], { env });
      assert.equal(logout.code, 0, logout.stderr);
      assert.match(logout.stderr, new RegExp(`Logged out of ${registry.host}`));
      assert.doesNotMatch(logout.stderr, SECRET_SERVICE_WORDS);
    });
  });
}

describe('a person on --store kernel', () => {
  let home: string;
  let env: NodeJS.ProcessEnv;

  before(async () => {
    home = await mkdtemp(join(tmpdir(), 'dco-stores-person-'));
    env = { ...process.env, HOME: home, XDG_CONFIG_HOME: join(home, '.config'), XDG_CACHE_HOME: join(home, '.cache'), DBUS_SESSION_BUS_ADDRESS: bus.address };
  });

  after(async () => {
    await runHelper(['logout', '--all', '--forget'], { env });
    await rm(home, { recursive: true, force: true });
  });

  test("keeps the sign-in (and the registry it signs in) for the session's end as far as known, never for ever", async () => {
    const login = await signIn(
      idp,
      registry.host,
      ['--issuer', idp.issuer, '--client-id', idp.clientId, '--resource', idp.resource, '--no-browser', '--store', 'kernel'],
      env,
    );
    assert.equal(login.code, 0, login.stderr);
    // The provider says nothing of its refresh token's end (no refresh_expires_in, an opaque token):
    // the keys then live at most 30 days from their last write; every refresh writes them again.
    for (const account of [`session:${idp.issuer}#${idp.clientId} (kernel)`, registry.host]) {
      const timeout = await kernelTimeout(account);
      assert.ok(timeout !== 'perm', `${account} never expires`);
      assert.ok(timeout > 3600 && timeout <= 30 * 86400, `${account}: ${timeout} s`);
    }
    const get = await runHelper(['get'], { env, input: registry.host });
    assert.equal(get.code, 0, get.stdout + get.stderr);
  });
});
