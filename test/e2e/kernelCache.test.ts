// The kernel cache in front of the Secret Service, with the built binary, a real gnome-keyring and
// the machine's kernel keyrings. A hit is proved by taking the D-Bus session away: the answer can
// then only come from kernel memory. Account names are unique to this file (the kernel's keyrings
// are shared by every test of this user).
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { helperBinary, run, runHelper } from '../support/helperBinary.js';
import { startKeyringWorld, storeInput, type KeyringWorld } from '../support/world.js';

let world: KeyringWorld;
let env: NodeJS.ProcessEnv;
/** The same user with no D-Bus session at all: only the kernel cache can answer. */
let noBus: NodeJS.ProcessEnv;
const tag = `${process.pid}-${Date.now().toString(36)}`;
const account = (name: string) => `${name}-${tag}.kcache.example:5000`;

before(async () => {
  world = await startKeyringWorld('kcache');
  env = world.env;
  noBus = { ...env, DBUS_SESSION_BUS_ADDRESS: 'unix:path=/nonexistent/bus' };
});
after(() => world?.stop());

/**
 * Our live entry in /proc/keys: "id flags usage timeout perm uid gid type description: size". An
 * invalidated key (flag "i") stays listed until the kernel's garbage collector has run.
 */
async function kernelEntry(server: string): Promise<{ timeout: string; perm: string } | undefined> {
  for (const line of (await readFile('/proc/keys', 'utf8')).split('\n')) {
    const fields = line.trim().split(/\s+/);
    if (fields[8] !== `docker-credential-oidc-cache:${server}:` || /[iRD]/.test(fields[1])) continue;
    return { timeout: fields[3], perm: fields[4] };
  }
  return undefined;
}

const answer = (server: string, user: string, secret: string) => `${JSON.stringify({ ServerURL: server, Username: user, Secret: secret })}\n`;

test('after one get, the answer comes from kernel memory: it needs no D-Bus, and the entry expires within ten minutes', async () => {
  const server = account('hit');
  assert.equal((await runHelper(['store'], { env, input: storeInput(server, 'alice', 'pw-hit') })).code, 0);
  assert.equal(await kernelEntry(server), undefined, 'store caches nothing');

  const first = await runHelper(['get'], { env, input: server });
  assert.deepEqual([first.code, first.stdout], [0, answer(server, 'alice', 'pw-hit')]);
  const entry = await kernelEntry(server);
  assert.ok(entry, 'the first get cached the item');
  assert.match(entry.timeout, /^(10m|[1-9]m|\d+s)$/, `expires within ten minutes (${entry.timeout})`);
  assert.equal(entry.perm, '3f1b0000', 'possessor: all; the user: view, read, search, link; nobody else');

  const hit = await runHelper(['get'], { env: noBus, input: server });
  assert.deepEqual([hit.code, hit.stdout, hit.stderr], [0, answer(server, 'alice', 'pw-hit'), '']);

  // Turned off, the same get has to reach the Secret Service, and cannot.
  const off = await runHelper(['get'], { env: { ...noBus, DOCKER_CREDENTIAL_OIDC_KERNEL_CACHE: 'off' }, input: server });
  assert.equal(off.code, 1);
  assert.match(off.stdout + off.stderr, /D-Bus/);
});

test('another session keyring (cron, SSH, a service with a private keyring) finds the cached answer', async () => {
  const server = account('session');
  await runHelper(['store'], { env, input: storeInput(server, 'bob', 'pw-session') });
  await runHelper(['get'], { env, input: server });
  // keyctl session -: a new, empty session keyring that does not even reach the user keyring.
  const elsewhere = await run('keyctl', ['session', '-', helperBinary, 'get'], { env: noBus, input: server });
  assert.equal(elsewhere.code, 0, elsewhere.stderr);
  assert.equal(elsewhere.stdout, answer(server, 'bob', 'pw-session'));
});

test('a store from another session, an erase or a list ends or refills the cached answer at once', async () => {
  const server = account('change');
  await runHelper(['store'], { env, input: storeInput(server, 'carol', 'old-password') });
  await runHelper(['get'], { env, input: server });

  // docker login with a new password, in another session: the next get must not answer the old one.
  const stored = await run('keyctl', ['session', '-', helperBinary, 'store'], { env, input: storeInput(server, 'carol', 'new-password') });
  assert.equal(stored.code, 0, stored.stderr);
  const stale = await runHelper(['get'], { env: noBus, input: server });
  assert.equal(stale.code, 1, 'nothing read before the store is answered');
  assert.equal((await runHelper(['get'], { env, input: server })).stdout, answer(server, 'carol', 'new-password'));
  assert.equal((await runHelper(['get'], { env: noBus, input: server })).stdout, answer(server, 'carol', 'new-password'));

  // docker logout: the answer ends, and the password leaves kernel memory.
  assert.equal((await runHelper(['erase'], { env, input: server })).code, 0);
  assert.equal(await kernelEntry(server), undefined);
  const gone = await runHelper(['get'], { env, input: server });
  assert.deepEqual([gone.code, gone.stdout], [1, 'credentials not found in native keychain\n']);

  // docker build: list reads every item, and the gets that follow are answered from memory.
  const built = [account('build-a'), account('build-b')];
  for (const name of built) await runHelper(['store'], { env, input: storeInput(name, 'builder', `pw-${name}`) });
  const listed = await runHelper(['list'], { env, input: 'unused' });
  assert.equal(listed.code, 0);
  for (const name of built) assert.equal((await runHelper(['get'], { env: noBus, input: name })).stdout, answer(name, 'builder', `pw-${name}`));
  // The next build's list needs no keychain either; a new item ends that answer.
  const again = await runHelper(['list'], { env: noBus, input: 'unused' });
  assert.deepEqual([again.code, again.stdout], [0, listed.stdout]);
  const added = account('build-c');
  await runHelper(['store'], { env, input: storeInput(added, 'builder', 'pw-c') });
  assert.equal((await runHelper(['list'], { env: noBus, input: 'unused' })).code, 1, 'not answered from memory after a change');
  assert.equal(JSON.parse((await runHelper(['list'], { env, input: 'unused' })).stdout)[added], 'builder');
});
