// Our token server as a drop-in for Keycloak's docker-v2 endpoint and for registry web UIs (issue 27):
// `docker login -u alice` with her password through a real Docker engine against a real Distribution
// 2.8 registry, checked with the provider's password grant (oidc-provider with the grant added as a
// custom grant type), then push and pull under the rules; the provider's refusals as one line docker
// shows; the limiter per username. And a real headless Chromium (Debian's, driven by playwright-core)
// on a web UI page of another loopback origin: sign-in at the provider's form, back to the page, which
// follows the registry's Bearer challenge to /token with its session cookie and sees exactly what the
// rules allow; a page of an origin not allowed gets nothing; logout ends it.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { request as httpRequest } from 'node:http';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type Browser } from 'playwright-core';
import { startDockerEngine, type DockerEngine } from '../support/dockerEngine.js';
import { assertBuilt, run, type RunResult } from '../support/helperBinary.js';
import { PASSWORD_CLIENT, startIdp, WEB_CLIENT, type Idp } from '../support/idp.js';
import { makeOciImage } from '../support/ociImage.js';
import { startRegistry, type TestRegistry } from '../support/registry.js';
import { startTokenServerProcess, type TokenServerProcess } from '../support/tokenServerProcess.js';
import { startWebUi, type WebUi } from '../support/webUi.js';

const SERVICE = 'registry.example.com';
const PASSWORDS = { alice: 'alice-Secret-1', bob: 'bob-Secret-2', carol: 'carol-Secret-3', dave: 'dave-Secret-4' };
const RATE_LIMIT = 6;
const ARTEFACTS = join(process.cwd(), '.tmp', 'test-artifacts');

let idp: Idp;
let engine: DockerEngine;
let server: TokenServerProcess;
let registry: TestRegistry;
let ui: WebUi;
let strangerUi: WebUi;
let browser: Browser;
let work: string;
let env: NodeJS.ProcessEnv;

const config = (
  paths: { listen: string; key: string; cert: string; dir: string },
  secrets: { password: string; web: string },
  origins: string[],
) => `listen: ${paths.listen}
service: ${SERVICE}
issuer: registry-token-server
signing: {key: ${paths.key}, certificate: ${paths.cert}}
tokenTtl: 5m
refreshTokenTtl: 3h
rateLimit: {failures: ${RATE_LIMIT}, window: 1m}
providers:
  - issuer: ${idp.issuer}
    audience: ${idp.resource}
    passwordGrant: true
    passwordClient: {clientId: ${PASSWORD_CLIENT}, clientSecretFile: ${secrets.password}, resource: ${idp.resource}, accountUrl: ${idp.issuer}/account}
browserSignIn:
  provider: ${idp.issuer}
  clientId: ${WEB_CLIENT}
  clientSecretFile: ${secrets.web}
  redirectUri: http://${paths.listen}/callback
  origins: [${origins.join(', ')}]
  sessionTtl: 1h
  resource: ${idp.resource}
rules:
  - match: {groups: developers}
    repositories: ["team/*"]
    actions: [pull, push]
  - match: {groups: ops}
    repositories: ["ops/*", "public/*"]
    actions: [pull, push]
  - match: {sub: "*"}
    repositories: ["public/*"]
    actions: [pull]
    catalog: true
`;

function docker(args: string[], input?: string): Promise<RunResult> {
  return run('docker', args, { env, timeoutMs: 180_000, ...(input !== undefined ? { input } : {}) });
}

function ok(result: RunResult, what: string): RunResult {
  assert.equal(result.code, 0, `${what}: ${result.stdout}\n${result.stderr}`);
  return result;
}

/** A raw request to the token server (GET unless told), from a chosen loopback address. */
function get(
  path: string,
  headers: Record<string, string>,
  from = '127.0.0.1',
  method = 'GET',
): Promise<{ status: number; body: string; headers: Record<string, unknown> }> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(new URL(path, server.url), { method, headers, localAddress: from }, (res) => {
      let body = '';
      res.on('data', (chunk: Buffer) => (body += chunk.toString()));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body, headers: res.headers }));
    });
    req.on('error', reject);
    req.end();
  });
}

/** The `access` claim of the registry token in a /token answer. */
const accessOf = (body: string): unknown => {
  const { token } = JSON.parse(body) as { token: string };
  return (JSON.parse(Buffer.from(token.split('.')[1], 'base64url').toString()) as { access: unknown }).access;
};

const basic = (user: string, password: string) => ({ authorization: `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}` });

before(async () => {
  assertBuilt();
  work = await mkdtemp(join(tmpdir(), 'dco-dropin-'));
  idp = await startIdp({
    users: Object.keys(PASSWORDS),
    passwords: PASSWORDS,
    groups: { alice: ['developers'], bob: ['ops'] },
    pendingAction: ['carol'],
    needsMfa: ['dave'],
  });
  const secrets = { password: join(work, 'password-client-secret'), web: join(work, 'web-client-secret') };
  await writeFile(secrets.password, `${idp.clientSecrets.password}\n`, { mode: 0o600 });
  await writeFile(secrets.web, `${idp.clientSecrets.web}\n`, { mode: 0o600 });
  [ui, strangerUi] = await Promise.all([startWebUi(), startWebUi()]);
  server = await startTokenServerProcess((paths) => config(paths, secrets, [ui.origin]));
  registry = await startRegistry({
    kind: 'token',
    realm: `${server.url}/token`,
    service: SERVICE,
    issuer: server.issuer,
    rootCertPath: server.certificatePath,
  });
  ui.proxyTo(registry.url, server.url);
  strangerUi.proxyTo(registry.url, server.url);
  engine = await startDockerEngine();
  const dockerConfig = join(work, 'docker');
  await mkdir(dockerConfig);
  // A config with an auths entry keeps the CLI from picking docker-credential-secretservice by itself:
  // this is docker as it is without any helper, storing in config.json.
  await writeFile(join(dockerConfig, 'config.json'), '{"auths": {"unused.invalid": {}}}');
  env = { ...process.env, DOCKER_CONFIG: dockerConfig, DOCKER_HOST: engine.host };
});

after(async () => {
  await browser?.close();
  await Promise.all([registry?.stop(), ui?.stop(), strangerUi?.stop()]);
  await server?.stop();
  await Promise.all([idp?.stop(), engine?.stop()]);
  await rm(work, { recursive: true, force: true });
});

test('docker login -u alice with her password through the daemon, then push and pull under the rules', async () => {
  // Images reach the registry with skopeo and a password too (--dest-creds is Basic user:password).
  const image = await makeOciImage(await mkdtemp(join(work, 'img-')));
  for (const [user, target] of [
    ['alice', 'team/app:1'],
    ['bob', 'public/base:1'],
    ['bob', 'ops/secret:1'],
  ] as const) {
    ok(
      await run(
        'skopeo',
        ['--insecure-policy', 'copy', '--dest-tls-verify=false', '--dest-creds', `${user}:${PASSWORDS[user]}`, image, `docker://${registry.host}/${target}`],
        { env, timeoutMs: 60_000 },
      ),
      `skopeo copy as ${user}`,
    );
  }
  const login = ok(await docker(['login', registry.host, '-u', 'alice', '--password-stdin'], PASSWORDS.alice), 'docker login');
  assert.match(login.stdout, /Login Succeeded/);
  const saved = await readFile(join(env.DOCKER_CONFIG!, 'config.json'), 'utf8');
  assert.ok(
    !saved.includes(PASSWORDS.alice) && !saved.includes(Buffer.from(`alice:${PASSWORDS.alice}`).toString('base64')),
    'docker keeps our refresh token, not the password',
  );
  assert.match(saved, /identitytoken/, 'the daemon got a registry refresh token for the sign-in (offline_token=true)');

  ok(await docker(['pull', `${registry.host}/team/app:1`]), 'docker pull team/app');
  ok(await docker(['tag', `${registry.host}/team/app:1`, `${registry.host}/team/app:2`]), 'docker tag');
  ok(await docker(['push', `${registry.host}/team/app:2`]), 'docker push team/app:2');
  ok(await docker(['pull', `${registry.host}/public/base:1`]), 'docker pull public/base');
  ok(await docker(['tag', `${registry.host}/team/app:1`, `${registry.host}/public/alice:1`]), 'docker tag');
  const push = await docker(['push', `${registry.host}/public/alice:1`]);
  assert.notEqual(push.code, 0, 'the rules let alice only pull public/*');
  const secret = await docker(['pull', `${registry.host}/ops/secret:1`]);
  assert.notEqual(secret.code, 0, 'ops/* is not for alice');

  const decisions = server.logs().filter((line) => line.msg === 'decision' && line.username === 'alice' && line.outcome === 'issued');
  assert.ok(decisions.some((line) => (line.granted as string[]).includes('repository:team/app:pull,push')));
});

test("the provider's refusals are one line docker shows", async (t) => {
  const wrong = await docker(['login', registry.host, '-u', 'alice', '--password-stdin'], 'not-her-password');
  assert.notEqual(wrong.code, 0);
  assert.match(wrong.stderr, /wrong username or password/);
  const pending = await docker(['login', registry.host, '-u', 'carol', '--password-stdin'], PASSWORDS.carol);
  assert.notEqual(pending.code, 0);
  assert.match(
    pending.stderr,
    new RegExp(`your account needs an action at the provider \\(update password / complete profile\\): sign in once at ${idp.issuer}/account`),
  );
  const mfa = await docker(['login', registry.host, '-u', 'dave', '--password-stdin'], PASSWORDS.dave);
  assert.notEqual(mfa.code, 0);
  assert.match(mfa.stderr, new RegExp(`multi-factor .* use registry-login ${SERVICE.replace(/\./g, '\\.')}`));
  for (const result of [wrong, pending, mfa]) t.diagnostic(result.stderr.trim());
});

test('wrong passwords are limited per username across addresses; the OAuth2 password form works too; no password is ever logged', async () => {
  const scope = `/token?service=${SERVICE}&scope=${encodeURIComponent('repository:team/app:pull')}`;
  // One guess from each of many addresses: the per-address limiter alone would never stop this.
  for (let i = 0; i < RATE_LIMIT; i++) {
    const answer = await get(scope, basic('bob', `guess-${i}`), `127.0.0.${10 + i}`);
    assert.equal(answer.status, 401, answer.body);
  }
  const blocked = await get(scope, basic('bob', PASSWORDS.bob), '127.0.0.50');
  assert.equal(blocked.status, 429, blocked.body);
  assert.match(blocked.body, /too many wrong passwords for this username/);
  const other = await get(scope, basic('alice', PASSWORDS.alice), '127.0.0.50');
  assert.equal(other.status, 200, `another username from the same address goes on: ${other.body}`);
  // The OAuth2 form of the same (POST grant_type=password), with a refresh token to renew by.
  const form = await fetch(`${server.url}/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({
      grant_type: 'password',
      username: 'alice',
      password: PASSWORDS.alice,
      service: SERVICE,
      scope: 'repository:team/app:pull',
      access_type: 'offline',
      client_id: 'web-tool',
    }),
  });
  const answer = (await form.json()) as { scope?: string; refresh_token?: string };
  assert.equal(form.status, 200, JSON.stringify(answer));
  assert.equal(answer.scope, 'repository:team/app:pull');
  const renewed = await fetch(`${server.url}/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({
      grant_type: 'refresh_token',
      refresh_token: answer.refresh_token ?? '',
      service: SERVICE,
      scope: 'repository:team/app:pull',
      client_id: 'web-tool',
    }),
  });
  assert.equal(renewed.status, 200, 'the refresh token of a password sign-in renews as any other');
  const logged = server.stdout();
  for (const password of [...Object.values(PASSWORDS), 'not-her-password', 'guess-0']) assert.ok(!logged.includes(password), 'a password reached the log');
});

async function shownRepositories(page: import('playwright-core').Page): Promise<string[]> {
  await page.waitForFunction("document.getElementById('status')?.textContent === 'done'", undefined, { timeout: 30_000 });
  return JSON.parse((await page.textContent('#repos')) ?? '[]') as string[];
}

test('a web UI signs the person in with a real browser and sees exactly what the rules allow; logout ends it', async () => {
  browser = await chromium.launch({ executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium', args: ['--no-sandbox'], headless: true });
  const context = await browser.newContext();
  const page = await context.newPage();
  await page.goto(`${ui.origin}/`);
  assert.deepEqual(await shownRepositories(page), [], 'before sign-in the catalog is not granted');

  // Cancelled at the provider: the person is told so, and nothing is signed in.
  await page.click('#signin');
  await page.waitForURL(/\/interaction\//);
  await page.goto(`${page.url().replace(/\/(login|consent)$/, '')}/abort`);
  assert.match((await page.textContent('body')) ?? '', /sign-in refused: the provider answered access_denied; back to http:\/\/127\.0\.0\.1:\d+\//);
  assert.equal(
    (await context.cookies(server.url)).find((cookie) => cookie.name === 'registry_session'),
    undefined,
  );
  // A callback nobody started (no sign-in cookie: a forged or replayed link) is refused.
  const forgedCallback = await get('/callback?code=stolen&state=guessed', {});
  assert.equal(forgedCallback.status, 400);
  assert.match(forgedCallback.body, /sign-in failed: this sign-in expired or was started in another browser/);

  await page.goto(`${ui.origin}/`);
  await page.click('#signin');
  await page.waitForURL(/\/interaction\//);
  await page.fill('input[name=login]', 'alice');
  await page.fill('input[name=password]', 'typed into the provider form');
  await page.click('button[type=submit]');
  for (let step = 0; step < 3 && page.url().includes('/interaction/'); step++) {
    await page.click('button[type=submit]'); // the consent page
    await page.waitForLoadState();
  }
  await page.waitForURL(`${ui.origin}/`);
  assert.deepEqual(await shownRepositories(page), ['public/base:1', 'team/app:1,2']);
  await mkdir(ARTEFACTS, { recursive: true });
  await page.screenshot({ path: join(ARTEFACTS, 'web-ui-signed-in.png'), fullPage: true });

  const cookies = await context.cookies(server.url);
  const session = cookies.find((cookie) => cookie.name === 'registry_session');
  assert.ok(session, 'a session cookie for the token server');
  assert.equal(session.httpOnly, true);
  assert.equal(session.sameSite, 'Lax', 'loopback http: SameSite=Lax, not Secure');
  const [, payload] = session.value.split('.');
  const inside = JSON.parse(Buffer.from(payload, 'base64url').toString()) as { exp: number; iat: number };
  assert.deepEqual(Object.keys(inside).sort(), ['claims', 'exp', 'iat', 'idp', 'sid', 'sub', 'use', 'username', 'vouched_at']);
  assert.ok(inside.exp - inside.iat <= 3600, 'sessionTtl 1h');

  // Another origin, same browser and cookie: its page gets nothing.
  const stranger = await context.newPage();
  await stranger.goto(`${strangerUi.origin}/`);
  assert.deepEqual(await shownRepositories(stranger), []);
  const preflight = await get('/token', { origin: strangerUi.origin, 'access-control-request-method': 'GET' }, '127.0.0.1', 'OPTIONS');
  assert.equal(preflight.headers['access-control-allow-origin'], undefined);
  const allowed = await get(
    '/token',
    { origin: ui.origin, 'access-control-request-method': 'GET', 'access-control-request-headers': 'authorization' },
    '127.0.0.1',
    'OPTIONS',
  );
  assert.equal(allowed.status, 204);
  assert.equal(allowed.headers['access-control-allow-origin'], ui.origin);
  assert.equal(allowed.headers['access-control-allow-credentials'], 'true');
  // The cookie from a request of another origin counts for nothing, CORS or not.
  const forged = await get(`/token?service=${SERVICE}&scope=registry:catalog:*`, { origin: strangerUi.origin, cookie: `registry_session=${session.value}` });
  assert.deepEqual(accessOf(forged.body), []);

  await page.click('#signout');
  await page.waitForURL(`${ui.origin}/`);
  assert.deepEqual(await shownRepositories(page), [], 'signed out');
  // The old cookie, replayed, is refused too (ended on the server, not only dropped by the browser).
  const replay = await get(`/token?service=${SERVICE}&scope=registry:catalog:*`, { origin: ui.origin, cookie: `registry_session=${session.value}` });
  assert.deepEqual(accessOf(replay.body), []);
});
