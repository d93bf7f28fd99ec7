// The browser sign-in (authorization code + PKCE on a loopback redirect) against the real test
// provider: the "browser" is a stub launcher that records the URL the helper opens (the listener's
// own start page, which sends it on to the provider once), and the test plays the person there (the
// provider's own login and consent pages, then the redirect to the helper's listener). Another local
// user (uid 65534) who reads the browser's argv in /proc cannot take the sign-in over; forged or
// malformed requests to the listener are answered and ignored; failures (another iss, a denial,
// nobody signing in) each give their message and leave no listener behind; auto picks the device
// code over SSH and falls back to the browser when the provider refuses the device grant.
import { after, before, beforeEach, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { connect } from 'node:net';
import { basename, join } from 'node:path';
import { helperBinary, loginBinary, run, runHelper } from '../support/helperBinary.js';
import { authorizationUrlBehind, lingeringBrowser, startBrowserLogin, stubBrowser, type BrowserLogin } from '../support/browserLogin.js';
import { otherUser } from '../support/otherUser.js';
import { freePort } from '../support/freePort.js';
import { BROWSER_ONLY_CLIENT, startIdp, type Idp } from '../support/idp.js';
import { startKeyringWorld, type KeyringWorld } from '../support/world.js';

let world: KeyringWorld;
let idp: Idp;
let launcher: string;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

before(async () => {
  world = await startKeyringWorld('browser-flow');
  idp = await startIdp({ accessTokenTtl: 300, users: ['alice', 'mallory'] });
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

function startLogin(registry: string, args: string[], env: NodeJS.ProcessEnv = {}, browser = launcher): BrowserLogin {
  return startBrowserLogin(
    [registry, '--issuer', idp.issuer, '--resource', idp.resource, '--scope', 'openid offline_access profile', ...args],
    { ...world.env, ...env },
    browser,
    world.home,
  );
}

const redirectOf = (url: string) => new URL(new URL(url).searchParams.get('redirect_uri')!);
/** The listener's port: the address the browser was given is the listener's own. */
const portOf = (opened: string) => Number(new URL(opened).port);

/** One raw request line to the listener, as no HTTP client would send it; the status it answers. */
function rawRequest(port: number, requestLine: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1');
    let answer = '';
    socket.on('data', (c: Buffer) => (answer += c.toString()));
    socket.once('error', reject);
    socket.once('close', () => resolve(Number(/^HTTP\/1\.1 (\d{3})/.exec(answer)?.[1] ?? 0)));
    socket.end(`${requestLine}\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n`);
  });
}

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
  const opened = await login.url;
  assert.match(opened, /^http:\/\/127\.0\.0\.1:\d+\/start$/, "the browser is given the listener's start page: no state, no PKCE challenge in its argv");
  const url = await authorizationUrlBehind(opened);
  const authorization = new URL(url);
  assert.equal(authorization.origin + authorization.pathname, `${idp.issuer}/auth`);
  assert.equal(authorization.searchParams.get('code_challenge_method'), 'S256');
  assert.ok(authorization.searchParams.get('state') && authorization.searchParams.get('code_challenge'));
  assert.equal(redirectOf(url).toString(), `http://127.0.0.1:${portOf(opened)}/callback`);
  const page = await idp.signInAtBrowser(url);
  assert.equal(page.status, 200);
  assert.match(page.body, /You are signed in to browser\.example\. You can close this tab/);
  const result = await login.done;
  assert.equal(result.code, 0, result.stderr);
  assert.match(result.stderr, /Logged in to browser\.example as alice/);
  assert.match(result.stderr, new RegExp(`open this address in a browser on this machine:\\n${opened}\\n`), 'the terminal shows the start page too');
  assert.ok(await portIsClosed(portOf(opened)), 'the listener is gone');
  const got = await runHelper(['get'], { env: world.env, input: 'browser.example' });
  assert.equal(JSON.parse(got.stdout).Username, 'alice');
  const settings = JSON.parse(await readFile(join(world.home, '.config', 'docker-credential-oidc', 'config.json'), 'utf8'));
  assert.equal(settings.registries['browser.example'].grant, 'authorization-code', '--flow browser is saved as the grant');
});

test("another local user who reads the browser's argv in /proc cannot take the sign-in over", async (t) => {
  const mallory = await otherUser();
  t.after(() => mallory.stop());
  const lingering = await lingeringBrowser(world.home);
  const login = startLogin('hijack.example', ['--client-id', idp.clientId, '--flow', 'browser'], {}, lingering);
  t.after(() => login.releaseBrowser());
  const opened = await login.url;
  const callbackOrigin = new URL(opened).origin;

  // Mallory, as uid 65534, finds the running browser and uses what its argv says, as an attacker would:
  // the authorization URL itself, or wherever the address it was given leads.
  const seen = await mallory.argvContaining(basename(lingering));
  assert.equal(seen.length, 1, `mallory sees the browser process: ${JSON.stringify(seen)}`);
  assert.doesNotMatch(seen[0].join(' '), /state=|code_challenge|code_verifier/, "no secret part of the sign-in in the browser's argv");
  const target = seen[0].at(-1)!;
  let learnt: string | null;
  if (target.startsWith(idp.issuer)) learnt = target;
  else {
    const first = await mallory.get(target);
    assert.equal(first.status, 403, `the listener serves only the user who signs in: ${JSON.stringify(first)}`);
    learnt = first.location;
  }
  if (learnt) {
    const hers = await idp.signInAtBrowser(learnt, { user: 'mallory', stopAt: callbackOrigin });
    await mallory.get(hers.url);
  }
  assert.equal(learnt, null, 'mallory learnt no authorization URL (no state, no PKCE challenge)');

  // Even with this sign-in's own state (had it leaked some other way), her code is refused.
  const authorization = await authorizationUrlBehind(opened);
  const hers = await idp.signInAtBrowser(authorization, { user: 'mallory', stopAt: callbackOrigin });
  assert.match(hers.url, /[?&]code=/);
  const delivered = await mallory.get(hers.url);
  assert.equal(delivered.status, 403, JSON.stringify(delivered));

  const page = await idp.signInAtBrowser(authorization);
  assert.equal(page.status, 200, page.body);
  const result = await login.done;
  assert.equal(result.code, 0, result.stderr);
  assert.match(result.stderr, /Logged in to hijack\.example as alice/);
  const got = await runHelper(['get'], { env: world.env, input: 'hijack.example' });
  assert.equal(JSON.parse(got.stdout).Username, 'alice');
});

test('forged answers and malformed requests are refused and ignored: the sign-in goes on, and takes its code once', async () => {
  const login = startLogin('forged.example', ['--client-id', idp.clientId, '--flow', 'browser']);
  const opened = await login.url;
  const port = portOf(opened);
  const authorization = await authorizationUrlBehind(opened);
  const callback = redirectOf(authorization);
  const iss = encodeURIComponent(idp.issuer);
  // Another sign-in's state (a stale tab, a forgery), a denial or an error that is not this sign-in's.
  for (const query of [`code=stolen&state=not-the-one&iss=${iss}`, 'error=access_denied&state=not-the-one', 'error=access_denied', 'code=stolen', '']) {
    const answer = await fetch(`${callback.href}?${query}`);
    assert.equal(answer.status, 400, query);
    assert.match(await answer.text(), /not the answer this sign-in waits for/, query);
  }
  // Request targets that make `new URL()` throw (issue 22): each is answered, and the listener lives.
  for (const line of ['GET //[ HTTP/1.1', 'GET //x:99999/cb HTTP/1.1', 'GET http://%zz/ HTTP/1.1', 'GET //a@/ HTTP/1.1']) {
    assert.equal(await rawRequest(port, line), 400, line);
  }
  assert.equal((await fetch(`http://127.0.0.1:${port}/elsewhere`)).status, 404, 'still listening');
  const again = await fetch(opened, { redirect: 'manual' });
  assert.equal(again.status, 410, 'the start page sends a browser on only once');
  assert.equal(again.headers.get('location'), null);

  // The person signs in; the answer is delivered twice while the first is still being redeemed.
  const answer = await idp.signInAtBrowser(authorization, { stopAt: callback.origin });
  const redeemed = idp.stats.tokenRequests.authorization_code ?? 0;
  idp.delayTokenAnswers(3000);
  const first = fetch(answer.url);
  for (let i = 0; (idp.stats.tokenRequests.authorization_code ?? 0) === redeemed; i++) {
    if (i > 400) throw new Error('the code never reached the provider');
    await sleep(10);
  }
  const second = await fetch(answer.url);
  idp.delayTokenAnswers(0);
  assert.equal(second.status, 400);
  assert.match(await second.text(), /already has its answer/);
  const firstPage = await first;
  assert.equal(firstPage.status, 200);
  assert.match(await firstPage.text(), /You are signed in to forged\.example/);
  const result = await login.done;
  assert.equal(result.code, 0, result.stderr);
  assert.match(result.stderr, /Logged in to forged\.example as alice/);
  assert.equal(idp.stats.tokenRequests.authorization_code, redeemed + 1, 'the code was redeemed once');
  assert.ok(await portIsClosed(port));
});

test("a redirect with this sign-in's state but another issuer (RFC 9207 iss) is refused, and the listener closes", async () => {
  const login = startLogin('iss.example', ['--client-id', idp.clientId, '--flow', 'browser']);
  const opened = await login.url;
  const authorization = await authorizationUrlBehind(opened);
  const state = new URL(authorization).searchParams.get('state')!;
  const answer = await fetch(`${redirectOf(authorization).href}?code=x&state=${state}&iss=${encodeURIComponent('https://evil.example')}`);
  assert.equal(answer.status, 400);
  const result = await login.done;
  assert.equal(result.code, 1);
  assert.match(result.stderr, /unexpected answer from .*"iss"/);
  assert.ok(await portIsClosed(portOf(opened)));
});

test('the person denies at the provider: access_denied comes back, exit 4', async () => {
  const login = startLogin('deny.example', ['--client-id', idp.clientId, '--flow', 'browser']);
  const url = await login.url;
  await idp.signInAtBrowser(url, { deny: true });
  const result = await login.done;
  assert.equal(result.code, 4, result.stderr);
  assert.match(result.stderr, /sign-in to deny\.example was denied at /);
  assert.ok(await portIsClosed(portOf(url)));
});

test('nobody signs in: the deadline ends the wait with one line, and the listener closes', async () => {
  const login = startLogin('late.example', ['--client-id', idp.clientId, '--flow', 'browser'], { DOCKER_CREDENTIAL_OIDC_SIGN_IN_TIMEOUT: '2' });
  const url = await login.url;
  const result = await login.done;
  assert.equal(result.code, 1);
  assert.match(result.stderr, /nobody signed in within 2 s: run "registry-login late\.example" again\n$/);
  assert.ok(await portIsClosed(portOf(url)));
});

test('two sign-ins at once listen on two ports and both finish', async () => {
  const first = startLogin('one.browser.example', ['--client-id', idp.clientId, '--flow', 'browser']);
  const second = startLogin('two.browser.example', ['--client-id', idp.clientId, '--flow', 'browser']);
  const [a, b] = await Promise.all([first.url, second.url]);
  assert.notEqual(portOf(a), portOf(b));
  await Promise.all([idp.signInAtBrowser(a), idp.signInAtBrowser(b)]);
  for (const result of await Promise.all([first.done, second.done])) assert.equal(result.code, 0, result.stderr);
});

test('auto: the device code over SSH, the browser at a desktop', async () => {
  const overSsh = spawn(
    loginBinary,
    ['ssh.example', '--issuer', idp.issuer, '--client-id', idp.clientId, '--resource', idp.resource, '--scope', 'openid offline_access profile'],
    {
      env: { ...world.env, BROWSER: launcher, SSH_CONNECTION: '10.0.0.1 5000 10.0.0.2 22' },
      stdio: ['ignore', 'ignore', 'pipe'],
    },
  );
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
  assert.match(
    result.stderr,
    /does not allow the device code here \(invalid_request: urn:ietf:params:oauth:grant-type:device_code is not allowed for this client\): signing in with the browser instead/,
  );
});

test('--redirect-uri http://localhost:PORT/callback: the listener takes that port, and the provider accepts it', async () => {
  const port = await freePort();
  const login = startLogin('fixed-port.example', ['--client-id', idp.clientId, '--flow', 'browser', '--redirect-uri', `http://localhost:${port}/callback`]);
  const opened = await login.url;
  assert.equal(opened, `http://localhost:${port}/start`);
  const url = await authorizationUrlBehind(opened);
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
  assert.ok(await portIsClosed(portOf(url)));
});
