// Our token server in front of a real Distribution 2.8 registry, with oidc-provider as the
// organisation's SSO: a person signs in once (device code), registry-login finds the exchange by
// itself, skopeo and the docker CLI push and pull through rules from claims to repositories, and
// every attack the issue lists is refused with its reason in the decision log.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { request as httpRequest } from 'node:http';
import { generateKeyPairSync, sign as cryptoSign } from 'node:crypto';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { startKeyring, type TestKeyring } from '../support/keyring.js';
import { assertBuilt, run, runHelper } from '../support/helperBinary.js';
import { startRegistry, type TestRegistry } from '../support/registry.js';
import { makeOciImage } from '../support/ociImage.js';
import { PIPELINE_CLIENTS, startIdp, type Idp, personLoginArgs } from '../support/idp.js';
import { signIn } from '../support/signIn.js';
import { makeClientHome } from '../support/clientHome.js';
import { startTokenServerProcess, type TokenServerProcess } from '../support/tokenServerProcess.js';
import { exampleConfig } from '../support/tokenServerExample.js';

const ACCESS_TOKEN_TTL = 5;
const SERVICE = 'registry.example.com';
const NULL_USER = '00000000-0000-0000-0000-000000000000';

let keyring: TestKeyring;
let idp: Idp;
let otherIdp: Idp;
let server: TokenServerProcess;
let registry: TestRegistry;
let passwordRegistry: TestRegistry;
let home: string;
let env: NodeJS.ProcessEnv;
let authFile: string;
let image: string;
let signedInAt = 0;
/** The provider's first access token: 5 s of life, long dead by the later tests. */
let firstAccessToken = '';

/** The issue's example, as written, with this machine's places and one more rule for publishers. */
const exampleWith =
  (issuer: string, audience: string, service = SERVICE) =>
  (paths: { listen: string; key: string; cert: string }) => `${exampleConfig({ ...paths, service, issuer, audience })}  - match: {groups: publishers}
    repositories: ["public/*"]
    actions: [pull, push]
`;

const skopeo = (args: string[]) => run('skopeo', ['--insecure-policy', ...args], { env, timeoutMs: 60_000 });

/** A raw request to the token server, optionally from another loopback address. */
function call(
  path: string,
  options: { method?: string; headers?: Record<string, string>; body?: string; from?: string; base?: string } = {},
): Promise<{ status: number; body: string; headers: Record<string, unknown> }> {
  const url = new URL(path, options.base ?? server.url);
  return new Promise((resolve, reject) => {
    const req = httpRequest(url, { method: options.method ?? 'GET', headers: options.headers, localAddress: options.from }, (res) => {
      let body = '';
      res.on('data', (chunk: Buffer) => (body += chunk.toString()));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body, headers: res.headers }));
    });
    req.on('error', reject);
    req.end(options.body);
  });
}

const basic = (user: string, password: string) => ({ authorization: `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}` });
const tokenUrl = (scope: string) => `/token?service=${SERVICE}&scope=${encodeURIComponent(scope)}`;
const claimsOf = (jwt: string) => JSON.parse(Buffer.from(jwt.split('.')[1], 'base64url').toString()) as Record<string, unknown>;
const decisions = () => server.logs().filter((line) => line.msg === 'decision');
/** The decision logged after the first `seen`: its line may reach our pipe after the HTTP answer. */
async function decisionAfter(seen: number): Promise<Record<string, unknown>> {
  for (let i = 0; decisions().length <= seen; i++) {
    if (i > 200) throw new Error('no decision was logged');
    await new Promise((r) => setTimeout(r, 10));
  }
  return decisions()[seen];
}

async function sessionItem(): Promise<{ accessToken: { value: string }; idToken?: { value: string } }> {
  const { stdout } = await run('secret-tool', ['lookup', 'service', 'docker-credential-oidc', 'username', `session:${idp.issuer}#${idp.clientId}`], {
    env: keyring.env,
  });
  return JSON.parse(stdout);
}

before(async () => {
  assertBuilt();
  keyring = await startKeyring();
  idp = await startIdp({ accessTokenTtl: ACCESS_TOKEN_TTL, users: ['alice', 'bob'], groups: { alice: ['developers', 'publishers'] } });
  otherIdp = await startIdp();
  server = await startTokenServerProcess(exampleWith(idp.issuer, idp.resource));
  const tokenAuth = server.registryAuth;
  registry = await startRegistry(tokenAuth);
  passwordRegistry = await startRegistry(tokenAuth);
  ({ home, authFile, env } = await makeClientHome('token-server-e2e', keyring.env, [registry.host, passwordRegistry.host]));
  image = await makeOciImage(await mkdtemp(join(home, 'img-')));
});

after(async () => {
  await Promise.all([registry?.stop(), passwordRegistry?.stop(), idp?.stop(), otherIdp?.stop()]);
  await server?.stop();
  await keyring?.stop();
  await rm(home, { recursive: true, force: true });
});

test('registry-login without --mode finds the exchange from the registry challenge and signs in', async () => {
  const login = await signIn(idp, registry.host, [...personLoginArgs(idp), '--no-browser'], env);
  assert.equal(login.code, 0, login.stderr);
  signedInAt = Date.now();
  firstAccessToken = (await sessionItem()).accessToken.value;
  const settings = JSON.parse(await readFile(join(home, '.config', 'docker-credential-oidc', 'config.json'), 'utf8'));
  const entry = settings.registries[registry.host];
  assert.equal(entry.mode, 'acr');
  assert.equal(entry.exchangeUrl, `${server.url}/oauth2/exchange`);
  assert.equal(entry.registryService, SERVICE);
  const get = await runHelper(['get'], { env, input: registry.host });
  assert.equal(get.code, 0, get.stderr);
  const answer = JSON.parse(get.stdout) as { Username: string; Secret: string };
  assert.equal(answer.Username, NULL_USER);
  const claims = claimsOf(answer.Secret);
  assert.equal(claims.iss, 'registry-token-server');
  assert.equal(claims.aud, SERVICE);
  assert.equal(claims.sub, 'alice');
  assert.ok(Number(claims.exp) - Number(claims.iat) === 3 * 3600, 'refreshTokenTtl: 3h');
  const exchange = server.logs().find((line) => line.route === '/oauth2/exchange' && line.outcome === 'issued');
  assert.equal(exchange?.username, 'alice');
});

test('a developer pushes and pulls team/app with skopeo; other-team/app and delete are refused', async () => {
  const push = await skopeo(['copy', '--authfile', authFile, '--dest-tls-verify=false', image, `docker://${registry.host}/team/app:v1`]);
  assert.equal(push.code, 0, push.stderr);
  const pull = await skopeo([
    'copy',
    '--authfile',
    authFile,
    '--src-tls-verify=false',
    `docker://${registry.host}/team/app:v1`,
    `oci:${join(home, 'pulled')}:v1`,
  ]);
  assert.equal(pull.code, 0, pull.stderr);
  const foreign = await skopeo(['copy', '--authfile', authFile, '--dest-tls-verify=false', image, `docker://${registry.host}/other-team/app:v1`]);
  assert.notEqual(foreign.code, 0);
  assert.match(foreign.stderr, /denied|unauthorized|authentication required/i);
  assert.ok(
    server
      .logs()
      .some(
        (line) =>
          Array.isArray(line.asked) && (line.asked as string[]).includes('repository:other-team/app:pull,push') && (line.granted as string[]).length === 0,
      ),
    'the refusal is in the decision log',
  );
  const remove = await skopeo(['delete', '--authfile', authFile, '--tls-verify=false', `docker://${registry.host}/team/app:v1`]);
  assert.notEqual(remove.code, 0);
  assert.match(remove.stderr, /denied|unauthorized|authentication required/i);
  const still = await skopeo(['inspect', '--authfile', authFile, '--tls-verify=false', `docker://${registry.host}/team/app:v1`]);
  assert.equal(still.code, 0, still.stderr);
});

test('the docker CLI logs in with what the helper gives and inspects the manifest', async () => {
  // What `docker login` does with the null-GUID user and the registry refresh token (ACR's way).
  const given = JSON.parse((await runHelper(['get'], { env, input: registry.host })).stdout) as { Username: string; Secret: string };
  const login = await run('docker', ['login', registry.host, '-u', given.Username, '--password-stdin'], { env, input: given.Secret });
  assert.equal(login.code, 0, login.stderr);
  assert.match(login.stdout, /Login Succeeded/);
  const inspect = await run('docker', ['manifest', 'inspect', '--insecure', `${registry.host}/team/app:v1`], { env });
  assert.equal(inspect.code, 0, inspect.stderr);
  assert.match(inspect.stdout, /"schemaVersion": 2/);
});

test('password mode: the OIDC access token itself is the password at the token server', async () => {
  const login = await signIn(idp, passwordRegistry.host, [...personLoginArgs(idp), '--mode', 'password', '--no-browser'], env);
  assert.equal(login.code, 0, login.stderr);
  const push = await skopeo(['copy', '--authfile', authFile, '--dest-tls-verify=false', image, `docker://${passwordRegistry.host}/team/app:v1`]);
  assert.equal(push.code, 0, push.stderr);
  assert.ok(
    server.logs().some((line) => line.route === '/token' && line.outcome === 'issued' && line.provider === idp.issuer),
    'the token server verified a provider token',
  );
});

test('anonymous pull of a public repository works; anonymous push does not', async () => {
  const publish = await skopeo(['copy', '--authfile', authFile, '--dest-tls-verify=false', image, `docker://${registry.host}/public/hello:v1`]);
  assert.equal(publish.code, 0, publish.stderr);
  const pull = await skopeo([
    'copy',
    '--src-no-creds',
    '--src-tls-verify=false',
    `docker://${registry.host}/public/hello:v1`,
    `oci:${join(home, 'anonymous')}:v1`,
  ]);
  assert.equal(pull.code, 0, pull.stderr);
  const push = await skopeo(['copy', '--dest-no-creds', '--dest-tls-verify=false', image, `docker://${registry.host}/public/pushed:v1`]);
  assert.notEqual(push.code, 0);
  const privatePull = await skopeo([
    'copy',
    '--src-no-creds',
    '--src-tls-verify=false',
    `docker://${registry.host}/team/app:v1`,
    `oci:${join(home, 'anonymous2')}:v1`,
  ]);
  assert.notEqual(privatePull.code, 0);
});

test('the OAuth2 form: a password grant with access_type=offline, then the refresh_token grant; GET offline_token=true', async () => {
  const fresh = JSON.parse((await runHelper(['get'], { env, input: passwordRegistry.host })).stdout) as { Secret: string };
  const form = (fields: Record<string, string>) =>
    call('/token', { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams(fields).toString() });
  const password = await form({
    grant_type: 'password',
    username: 'alice',
    password: fresh.Secret,
    service: SERVICE,
    scope: 'repository:team/app:pull,push',
    access_type: 'offline',
    client_id: 'docker',
  });
  assert.equal(password.status, 200, password.body);
  const first = JSON.parse(password.body) as { access_token: string; refresh_token: string; scope: string; expires_in: number };
  assert.equal(first.scope, 'repository:team/app:pull,push');
  assert.equal(first.expires_in, 300);
  assert.ok(first.refresh_token, 'access_type=offline returns a registry refresh token');
  const refreshed = await form({
    grant_type: 'refresh_token',
    refresh_token: first.refresh_token,
    service: SERVICE,
    scope: 'repository:team/db:pull repository:other-team/app:pull',
    client_id: 'docker',
  });
  assert.equal(refreshed.status, 200, refreshed.body);
  assert.equal((JSON.parse(refreshed.body) as { scope: string }).scope, 'repository:team/db:pull', 'another scope for the same subject, cut by the rules');
  const offline = await call(`/token?service=${SERVICE}&scope=repository:team/app:pull&offline_token=true&client_id=docker`, {
    headers: basic('alice', fresh.Secret),
  });
  assert.equal(offline.status, 200, offline.body);
  const identity = (JSON.parse(offline.body) as { refresh_token?: string }).refresh_token;
  assert.ok(identity, 'what docker keeps as its identity token');
  assert.equal(claimsOf(identity).aud, SERVICE);
  const unknown = await form({ grant_type: 'client_credentials', service: SERVICE });
  assert.equal(unknown.status, 400);
});

test('with 5-second provider tokens, a push 30 s after sign-in succeeds through the exchange, no provider round trip', async () => {
  const wait = signedInAt + 30_000 - Date.now();
  if (wait > 0) await new Promise((r) => setTimeout(r, wait));
  const providerCalls = { ...idp.stats.tokenRequests };
  const push = await skopeo(['copy', '--authfile', authFile, '--dest-tls-verify=false', image, `docker://${registry.host}/team/app:late`]);
  assert.equal(push.code, 0, push.stderr);
  assert.deepEqual(idp.stats.tokenRequests, providerCalls, 'neither skopeo nor get asked the provider');
  const seen = decisions().length;
  const expired = await call(tokenUrl('repository:team/app:pull'), { headers: basic('alice', firstAccessToken) });
  assert.equal(expired.status, 401, 'the provider token itself is long expired');
  assert.match((await decisionAfter(seen)).reason as string, /expired token/);
});

test('attacks are refused, each with its reason in the decision log', async (t) => {
  const session = await sessionItem();
  const refusals: Array<[string, () => Promise<{ status: number; body: string }>, RegExp]> = [];
  const rsa = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const forged = (header: Record<string, unknown>, payload: Record<string, unknown>) => {
    const head = `${Buffer.from(JSON.stringify(header)).toString('base64url')}.${Buffer.from(JSON.stringify(payload)).toString('base64url')}`;
    if (header.alg === 'none') return `${head}.`;
    return `${head}.${cryptoSign('sha256', Buffer.from(head), rsa.privateKey).toString('base64url')}`;
  };
  const now = Math.floor(Date.now() / 1000);
  const goodClaims = { iss: idp.issuer, aud: idp.resource, sub: 'alice', groups: ['developers'], iat: now, exp: now + 300 };
  const otherToken = (await (
    await fetch(`${otherIdp.issuer}/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ grant_type: 'client_credentials', client_id: PIPELINE_CLIENTS.secret, client_secret: otherIdp.pipeline.clientSecret }),
    })
  ).json()) as { access_token: string };
  // A second token server with the same keys but another service: its refresh tokens are genuine.
  const sibling = await startTokenServerProcess(exampleWith(idp.issuer, idp.resource, 'other.example.com'), {
    signing: { key: server.keyPath, cert: server.certificatePath },
  });
  t.after(() => sibling.stop());
  const fresh = await runHelper(['get'], { env, input: passwordRegistry.host });
  const liveAccessToken = (JSON.parse(fresh.stdout) as { Secret: string }).Secret;
  const siblingExchange = await call('/oauth2/exchange', {
    base: sibling.url,
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ grant_type: 'access_token', service: 'other.example.com', access_token: liveAccessToken }).toString(),
  });
  assert.equal(siblingExchange.status, 200, siblingExchange.body);
  const foreignRefresh = (JSON.parse(siblingExchange.body) as { refresh_token: string }).refresh_token;
  const ours = (JSON.parse((await runHelper(['get'], { env, input: registry.host })).stdout) as { Secret: string }).Secret;
  const [h, p, s] = ours.split('.');
  const tampered = `${h}.${Buffer.from(JSON.stringify({ ...claimsOf(ours), claims: { sub: 'alice', groups: ['admins'] } })).toString('base64url')}.${s}`;
  void p;

  refusals.push([
    'an expired provider token',
    () => call(tokenUrl('repository:team/app:pull'), { headers: basic('alice', firstAccessToken) }),
    /expired token/,
  ]);
  refusals.push([
    'an ID token (audience: the client, not the registry)',
    () => call(tokenUrl('repository:team/app:pull'), { headers: basic('alice', session.idToken!.value) }),
    /wrong audience|ID token/,
  ]);
  refusals.push(['another issuer', () => call(tokenUrl('repository:team/app:pull'), { headers: basic('robot', otherToken.access_token) }), /another issuer/]);
  refusals.push([
    'a key not in the JWKS',
    () => call(tokenUrl('repository:team/app:pull'), { headers: basic('alice', forged({ alg: 'RS256', kid: 'rogue-key', typ: 'at+jwt' }, goodClaims)) }),
    /key not in the provider's JWKS/,
  ]);
  refusals.push([
    "the provider's kid with another key",
    () => call(tokenUrl('repository:team/app:pull'), { headers: basic('alice', forged({ alg: 'RS256', kid: 'test-key', typ: 'at+jwt' }, goodClaims)) }),
    /bad signature/,
  ]);
  refusals.push([
    'alg: none',
    () => call(tokenUrl('repository:team/app:pull'), { headers: basic('alice', forged({ alg: 'none', typ: 'at+jwt' }, goodClaims)) }),
    /algorithm not allowed|malformed/,
  ]);
  refusals.push([
    'a registry refresh token for another service',
    () => call(tokenUrl('repository:team/app:pull'), { headers: basic(NULL_USER, foreignRefresh) }),
    /another service/,
  ]);
  refusals.push([
    'a refresh token with tampered claims',
    () => call(tokenUrl('repository:team/app:pull'), { headers: basic(NULL_USER, tampered) }),
    /failed verification/,
  ]);
  refusals.push(['a refresh token as a provider token', () => call(tokenUrl('repository:team/app:pull'), { headers: basic('alice', ours) }), /another issuer/]);
  refusals.push([
    'POST refresh_token grant with a tampered token',
    () =>
      call('/token', {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({
          grant_type: 'refresh_token',
          service: SERVICE,
          scope: 'repository:team/app:pull',
          refresh_token: tampered,
          client_id: 'docker',
        }).toString(),
      }),
    /failed verification/,
  ]);

  for (const [name, attempt, reason] of refusals) {
    const seen = decisions().length;
    const answer = await attempt();
    assert.equal(answer.status, 401, `${name}: HTTP ${answer.status} ${answer.body.slice(0, 300)}`);
    assert.doesNotMatch(answer.body, /eyJ/, `${name}: no token in the answer`);
    const decision = await decisionAfter(seen);
    assert.equal(decision.outcome, 'refused');
    assert.match(String(decision.reason), reason, `${name}: ${JSON.stringify(decision)}`);
  }
  assert.doesNotMatch(server.stdout(), /eyJ[\w-]{20,}\./, 'no token ever in the log');

  // A registry token whose scopes were edited is refused by the registry itself (signature).
  const granted = await call(tokenUrl('repository:team/app:pull'), { headers: basic(NULL_USER, ours) });
  assert.equal(granted.status, 200, granted.body);
  const bearer = (JSON.parse(granted.body) as { token: string }).token;
  const [bh, , bs] = bearer.split('.');
  const widened = `${bh}.${Buffer.from(JSON.stringify({ ...claimsOf(bearer), access: [{ type: 'repository', name: 'other-team/app', actions: ['pull', 'push'] }] })).toString('base64url')}.${bs}`;
  const registryAnswer = await fetch(`${registry.url}/v2/other-team/app/tags/list`, { headers: { authorization: `Bearer ${widened}` } });
  assert.equal(registryAnswer.status, 401);
  const honest = await fetch(`${registry.url}/v2/team/app/tags/list`, { headers: { authorization: `Bearer ${bearer}` } });
  assert.equal(honest.status, 200, 'the untampered token works, so the 401 above was the tampering');
});

test('oversized headers and bodies are refused before any work', async () => {
  const headers = await call(tokenUrl('repository:team/app:pull'), { headers: { 'x-padding': 'a'.repeat(20_000) } });
  assert.equal(headers.status, 431);
  const body = await call('/token', {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: `grant_type=password&password=${'a'.repeat(100_000)}`,
  });
  assert.equal(body.status, 413);
});

test('1,000 bad attempts from one address are rate limited; another address is unaffected', async () => {
  const statuses = new Map<number, number>();
  for (let batch = 0; batch < 20; batch++) {
    const answers = await Promise.all(
      Array.from({ length: 50 }, () => call(tokenUrl('repository:team/app:pull'), { headers: basic('mallory', 'not-a-token'), from: '127.0.0.3' })),
    );
    for (const { status } of answers) statuses.set(status, (statuses.get(status) ?? 0) + 1);
  }
  assert.ok((statuses.get(429) ?? 0) >= 900, `most were rate limited: ${JSON.stringify([...statuses])}`);
  assert.equal((statuses.get(401) ?? 0) + (statuses.get(429) ?? 0), 1000);
  const ours = (JSON.parse((await runHelper(['get'], { env, input: registry.host })).stdout) as { Secret: string }).Secret;
  const other = await call(tokenUrl('repository:team/app:pull'), { headers: basic(NULL_USER, ours), from: '127.0.0.4' });
  assert.equal(other.status, 200, other.body);
  assert.ok(server.logs().some((line) => line.client === '127.0.0.3' && /rate limited/.test(String(line.reason))));
  const metrics = await call('/metrics');
  assert.match(metrics.body, /token_server_denied_total\{reason="rate limited"\} \d+/);
  assert.match(metrics.body, /token_server_issued_total\{kind="refresh_token"\} [1-9]/);
  assert.equal((await call('/healthz')).status, 200);
});

test('SIGTERM: the token server finishes and exits 0', async () => {
  const code = await server.stop();
  assert.equal(code, 0);
  assert.match(server.stdout(), /"msg":"shutting down","signal":"SIGTERM"/);
});
