// The browser sign-in (authorization code + PKCE on a loopback redirect) against the real test
// provider: the "browser" is a stub launcher that records the URL the helper opens, and the test plays
// the person there (the provider's own login and consent pages, then the redirect to the helper's
// listener). Failures (wrong state, another iss, a denial, nobody signing in) each give their message
// and leave no listener behind; auto picks the device code over SSH and falls back to the browser when
// the provider refuses the device grant.
import { after, before, beforeEach, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { connect } from 'node:net';
import { join } from 'node:path';
import { helperBinary, loginBinary, run, runHelper } from '../support/helperBinary.js';
import { startBrowserLogin, stubBrowser, type BrowserLogin } from '../support/browserLogin.js';
import { freePort } from '../support/freePort.js';
import { BROWSER_ONLY_CLIENT, startIdp, type Idp } from '../support/idp.js';
import { startKeyringWorld, type KeyringWorld } from '../support/world.js';

let world: KeyringWorld;
let idp: Idp;
let launcher: string;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

before(async () => {
  world = await startKeyringWorld('browser-flow');
  idp = await startIdp({ accessTokenTtl: 300 });
  launcher = await stubBrowser(world.home);
});
// Every test signs in afresh: an existing sign-in at the same provider and client would be reused.
beforeEach(async () => {
  const out = await run(helperBinary, ['logout', '--all'], { env: world.env });
  assert.equal(out.code, 0, out.stderr);
});
after(async () => {
  await idp?.stop();
  await world?.stop();
});

function startLogin(registry: string, args: string[], env: NodeJS.ProcessEnv = {}): BrowserLogin {
  return startBrowserLogin([registry, '--issuer', idp.issuer, '--resource', idp.resource, '--scope', 'openid offline_access profile', ...args], { ...world.env, ...env }, launcher, world.home);
}

const redirectOf = (url: string) => new URL(new URL(url).searchParams.get('redirect_uri')!);

function portIsClosed(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1');
    socket.once('connect', () => {
      socket.destroy();
      resolve(false);
    });
    socket.once('error', () => resolve(true));
  });
}

test('the browser flow: the browser opens the provider, the person signs in, the redirect comes back to the helper', async () => {
  const login = startLogin('browser.example', ['--client-id', idp.clientId, '--flow', 'browser']);
  const url = await login.url;
  const authorization = new URL(url);
  assert.equal(authorization.origin + authorization.pathname, `${idp.issuer}/auth`);
  assert.equal(authorization.searchParams.get('code_challenge_method'), 'S256');
  assert.ok(authorization.searchParams.get('state') && authorization.searchParams.get('code_challenge'));
  assert.match(redirectOf(url).toString(), /^http:\/\/127\.0\.0\.1:\d+\/callback$/);
  const page = await idp.signInAtBrowser(url);
  assert.equal(page.status, 200);
  assert.match(page.body, /You are signed in to browser\.example\. You can close this tab/);
  const result = await login.done;
  assert.equal(result.code, 0, result.stderr);
  assert.match(result.stderr, /Logged in to browser\.example as alice/);
  assert.ok(await portIsClosed(Number(redirectOf(url).port)), 'the listener is gone');
  const got = await runHelper(['get'], { env: world.env, input: 'browser.example' });
  assert.equal(JSON.parse(got.stdout).Username, 'alice');
  const settings = JSON.parse(await readFile(join(world.home, '.config', 'docker-credential-oidc', 'config.json'), 'utf8'));
  assert.equal(settings.registries['browser.example'].grant, 'authorization-code', '--flow browser is saved as the grant');
});

// Redirects a browser never produced for this sign-in: another sign-in's state, or another issuer.
for (const forged of [
  { what: 'the wrong state', registry: 'state.example', query: () => `code=stolen&state=not-the-one&iss=${encodeURIComponent(idp.issuer)}`, says: /unexpected answer from .*"state"/ },
  { what: 'another issuer (RFC 9207 iss)', registry: 'iss.example', query: (state: string) => `code=x&state=${state}&iss=${encodeURIComponent('https://evil.example')}`, says: /unexpected answer from .*"iss"/ },
]) {
  test(`a redirect with ${forged.what} is refused, and the listener closes`, async () => {
    const login = startLogin(forged.registry, ['--client-id', idp.clientId, '--flow', 'browser']);
    const url = await login.url;
    const redirect = redirectOf(url);
    const answer = await fetch(`${redirect}?${forged.query(new URL(url).searchParams.get('state')!)}`);
    assert.equal(answer.status, 400);
    const result = await login.done;
    assert.equal(result.code, 1);
    assert.match(result.stderr, forged.says);
    assert.ok(await portIsClosed(Number(redirect.port)));
  });
}

test('the person denies at the provider: access_denied comes back, exit 4', async () => {
  const login = startLogin('deny.example', ['--client-id', idp.clientId, '--flow', 'browser']);
  const url = await login.url;
  await idp.signInAtBrowser(url, { deny: true });
  const result = await login.done;
  assert.equal(result.code, 4, result.stderr);
  assert.match(result.stderr, /sign-in to deny\.example was denied at /);
  assert.ok(await portIsClosed(Number(redirectOf(url).port)));
});

test('nobody signs in: the deadline ends the wait with one line, and the listener closes', async () => {
  const login = startLogin('late.example', ['--client-id', idp.clientId, '--flow', 'browser'], { DOCKER_CREDENTIAL_OIDC_SIGN_IN_TIMEOUT: '2' });
  const url = await login.url;
  const result = await login.done;
  assert.equal(result.code, 1);
  assert.match(result.stderr, /nobody signed in within 2 s: run "registry-login late\.example" again\n$/);
  assert.ok(await portIsClosed(Number(redirectOf(url).port)));
});

test('two sign-ins at once listen on two ports and both finish', async () => {
  const first = startLogin('one.browser.example', ['--client-id', idp.clientId, '--flow', 'browser']);
  const second = startLogin('two.browser.example', ['--client-id', idp.clientId, '--flow', 'browser']);
  const [a, b] = await Promise.all([first.url, second.url]);
  assert.notEqual(redirectOf(a).port, redirectOf(b).port);
  await Promise.all([idp.signInAtBrowser(a), idp.signInAtBrowser(b)]);
  for (const result of await Promise.all([first.done, second.done])) assert.equal(result.code, 0, result.stderr);
});

test('auto: the device code over SSH, the browser at a desktop', async () => {
  const overSsh = spawn(loginBinary, ['ssh.example', '--issuer', idp.issuer, '--client-id', idp.clientId, '--resource', idp.resource, '--scope', 'openid offline_access profile'], {
    env: { ...world.env, BROWSER: launcher, SSH_CONNECTION: '10.0.0.1 5000 10.0.0.2 22' },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  let approval: Promise<void> | undefined;
  overSsh.stderr.on('data', (c: Buffer) => {
    stderr += c.toString();
    const code = /enter the code: (\S+)/.exec(stderr)?.[1];
    if (code && !approval) approval = idp.approve(code);
  });
  assert.equal(await new Promise((resolve) => overSsh.once('close', resolve)), 0, stderr);
  await approval;
  assert.match(stderr, /enter the code/);
  assert.equal((await run(helperBinary, ['logout', '--all'], { env: world.env })).code, 0);

  const desktop = startLogin('desktop.example', ['--client-id', idp.clientId]);
  await idp.signInAtBrowser(await desktop.url);
  const result = await desktop.done;
  assert.equal(result.code, 0, result.stderr);
  assert.doesNotMatch(result.stderr, /enter the code/);
});

test('auto without a desktop falls back to the browser when the provider refuses the device grant, and says why', async () => {
  const login = startLogin('fallback.example', ['--client-id', BROWSER_ONLY_CLIENT], { BROWSER: '', SSH_CONNECTION: '10.0.0.1 5000 10.0.0.2 22' });
  const url = await login.url;
  await idp.signInAtBrowser(url);
  const result = await login.done;
  assert.equal(result.code, 0, result.stderr);
  assert.match(result.stderr, /does not allow the device code here \(invalid_request: urn:ietf:params:oauth:grant-type:device_code is not allowed for this client\): signing in with the browser instead/);
});

test('--redirect-uri http://localhost:PORT/callback: the listener takes that port, and the provider accepts it', async () => {
  const port = await freePort();
  const login = startLogin('fixed-port.example', ['--client-id', idp.clientId, '--flow', 'browser', '--redirect-uri', `http://localhost:${port}/callback`]);
  const url = await login.url;
  assert.equal(redirectOf(url).toString(), `http://localhost:${port}/callback`);
  await idp.signInAtBrowser(url);
  const result = await login.done;
  assert.equal(result.code, 0, result.stderr);
});

test('Ctrl-C while waiting for the browser: exit 130, and the listener closes', async () => {
  const log = join(world.home, 'browser-ctrl-c.log');
  const child = spawn(loginBinary, ['ctrl-c.example', '--issuer', idp.issuer, '--client-id', idp.clientId, '--flow', 'browser'], {
    env: { ...world.env, BROWSER: launcher, BROWSER_LOG: log },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
  let url = '';
  for (let i = 0; i < 200 && !url; i++) {
    url = await readFile(log, 'utf8').catch(() => '');
    await sleep(50);
  }
  child.kill('SIGINT');
  const code = await new Promise((resolve) => child.once('close', resolve));
  assert.equal(code, 130, stderr);
  assert.match(stderr, /sign-in cancelled\n$/);
  assert.ok(await portIsClosed(Number(redirectOf(url).port)));
});
