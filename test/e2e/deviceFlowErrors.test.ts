// What the person sees when sign-in does not end well: denied at the provider, the code expiring,
// Ctrl-C, an unreachable provider, a plain-http issuer off loopback. Nothing is stored in any case.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { loginBinary, run, runHelper } from '../support/helperBinary.js';
import { countItems, startKeyringWorld, type KeyringWorld } from '../support/world.js';
import { startIdp, type Idp } from '../support/idp.js';
import { signIn } from '../support/signIn.js';
import { freePort } from '../support/freePort.js';

let world: KeyringWorld;
let idp: Idp;
let env: NodeJS.ProcessEnv;

before(async () => {
  world = await startKeyringWorld('device');
  env = world.env;
  idp = await startIdp();
});
after(async () => {
  await idp?.stop();
  await world?.stop();
});

const flags = () => ['--issuer', idp.issuer, '--client-id', idp.clientId, '--resource', idp.resource, '--no-browser'];

async function nothingStored(): Promise<void> {
  assert.equal(await countItems(world.keyring, 'service', 'docker-credential-oidc'), 0);
  const got = await runHelper(['get'], { env, input: 'denied.example' });
  assert.equal(got.code, 1);
}

test('access denied at the provider: a clear message and exit 4 (the browser was opened on the code URL)', async () => {
  // $BROWSER stands in for the person's browser: it records the URL it was asked to open.
  const opened = join(world.home, 'browser.log');
  const browser = join(world.home, 'browser.sh');
  await writeFile(browser, `#!/bin/sh\necho "$@" >> ${opened}\n`, { mode: 0o755 });
  // This test is about the device code at a desktop (auto would take the browser there).
  const withBrowser = [...flags().filter((f) => f !== '--no-browser'), '--flow', 'device-code'];
  const result = await signIn(idp, 'denied.example', withBrowser, { ...env, BROWSER: browser }, { deny: true });
  assert.equal((await readFile(opened, 'utf8')).trim(), `${idp.issuer}/device?user_code=${result.userCode}`);
  assert.match(result.stderr, /Opened your browser\./);
  assert.equal(result.code, 4, result.stderr);
  assert.match(result.stderr, /sign-in to denied\.example was denied at http:\/\/127\.0\.0\.1:\d+\n$/);
  await nothingStored();
});

test('the code expires before anyone approves: says so and to run it again', async () => {
  // Expires before the first poll (oidc-provider sends no interval, so clients wait 5 s).
  const shortLived = await startIdp({ deviceCodeTtl: 2 });
  const result = await signIn(shortLived, 'expired.example', ['--issuer', shortLived.issuer, '--client-id', shortLived.clientId, '--no-browser'], env, {
    neverApprove: true,
  }).finally(() => shortLived.stop());
  assert.equal(result.code, 1, result.stderr);
  assert.match(result.stderr, /the code expired before sign-in finished: run "registry-login expired\.example" again\n$/);
  await nothingStored();
});

test('Ctrl-C while waiting stops cleanly with exit 130', async () => {
  const child = spawn(loginBinary, ['interrupted.example', ...flags()], { env, stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (c: Buffer) => {
    stderr += c.toString();
    if (/enter the code/.test(stderr) && !child.killed) child.kill('SIGINT');
  });
  const code = await new Promise<number | null>((resolve) => child.once('close', resolve));
  assert.equal(code, 130, stderr);
  assert.match(stderr, /sign-in cancelled\n$/);
  await nothingStored();
});

test('an unreachable provider and a plain-http issuer off loopback are refused with one line', async () => {
  const closedPort = await freePort();
  const unreachable = await run(loginBinary, ['x.example', '--issuer', `http://127.0.0.1:${closedPort}`, '--client-id', 'c'], { env });
  assert.equal(unreachable.code, 1);
  assert.match(
    unreachable.stderr,
    new RegExp(`^docker-credential-oidc: cannot reach the OpenID provider http://127\\.0\\.0\\.1:${closedPort}: .*ECONNREFUSED.*\n$`),
  );
  const insecure = await run(loginBinary, ['x.example', '--issuer', 'http://idp.example.com', '--client-id', 'c'], { env });
  assert.equal(insecure.code, 1);
  assert.equal(insecure.stderr, 'docker-credential-oidc: issuer http://idp.example.com must use https (plain http is allowed only on loopback)\n');
  const missing = await run(loginBinary, ['x.example'], { env });
  assert.equal(missing.code, 1);
  assert.match(missing.stderr, /no OpenID provider known for x\.example: run "registry-login x\.example --issuer URL --client-id ID"/);
  const badFlag = await run(loginBinary, ['x.example', '--bogus'], { env });
  assert.equal(badFlag.code, 2);
  assert.match(badFlag.stderr, /unknown option '--bogus'/);
});
