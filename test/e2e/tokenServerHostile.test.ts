// The token server under hostile traffic (issue 22), against a real Distribution 2.8 and oidc-provider:
// request targets that used to kill the process, a registry refresh token chain that used to renew
// itself forever, a Unicode username folded into another person's namespace, a provider outage that
// turned into 429s for everyone behind one address, and an attack that wrote one log line per request.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { request as httpRequest } from 'node:http';
import { generateKeyPairSync, sign as cryptoSign } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { startKeyring, type TestKeyring } from '../support/keyring.js';
import { assertBuilt, run, runHelper } from '../support/helperBinary.js';
import { startRegistry, type TestRegistry } from '../support/registry.js';
import { makeOciImage } from '../support/ociImage.js';
import { startIdp, type Idp, personLoginArgs } from '../support/idp.js';
import { signIn } from '../support/signIn.js';
import { makeClientHome } from '../support/clientHome.js';
import { startTokenServerProcess, type TokenServerProcess } from '../support/tokenServerProcess.js';
import { sendRaw } from '../support/rawHttp.js';

const SERVICE = 'registry.example.com';
/** Short enough to watch a chain end inside a test. */
const REFRESH_TTL_S = 20;
const KELVIN_KATE = '\u212Aate';

let keyring: TestKeyring;
let idp: Idp;
/** A second provider, so that Kelvin-Kate's sign-in is a session of its own (sessions are per issuer and client). */
let kelvinIdp: Idp;
/** A configured provider that is down from the start (the server never got its keys). */
let downIdp: Idp;
let server: TokenServerProcess;
let registry: TestRegistry;
let kelvinRegistry: TestRegistry;
let home: string;
let env: NodeJS.ProcessEnv;
let authFile: string;
let image: string;

const config = (providers: Idp[]) => (paths: { listen: string; key: string; cert: string }) => `listen: ${paths.listen}
service: ${SERVICE}
issuer: registry-token-server
signing: {key: ${paths.key}, certificate: ${paths.cert}}
tokenTtl: 5m
refreshTokenTtl: ${REFRESH_TTL_S}s
providers:
${providers.map((provider) => `  - issuer: ${provider.issuer}\n    audience: ${provider.resource}\n`).join('')}rules:
  - match: {sub: "*"}
    repositories: ["team/*", "\${username}/*"]
    actions: [pull, push]
rateLimit: {failures: 20, window: 1m}
`;

function call(
  path: string,
  options: { method?: string; headers?: Record<string, string>; body?: string; from?: string } = {},
): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(
      new URL(path, server.url),
      { method: options.method ?? 'GET', headers: options.headers, localAddress: options.from, agent: false },
      (res) => {
        let body = '';
        res.on('data', (chunk: Buffer) => (body += chunk.toString()));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
      },
    );
    req.on('error', reject);
    req.end(options.body);
  });
}

const basic = (user: string, password: string) => ({ authorization: `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}` });
const form = (fields: Record<string, string>) => ({
  method: 'POST',
  headers: { 'content-type': 'application/x-www-form-urlencoded' },
  body: new URLSearchParams(fields).toString(),
});
const claimsOf = (jwt: string) => JSON.parse(Buffer.from(jwt.split('.')[1], 'base64url').toString()) as Record<string, number | string>;
const skopeo = (args: string[]) => run('skopeo', ['--insecure-policy', ...args], { env, timeoutMs: 60_000 });
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function healthy(): Promise<void> {
  assert.equal(server.child.exitCode, null, `the token server is still running: ${server.stdout().slice(-2000)}`);
  assert.equal((await call('/healthz')).status, 200);
}

/** A provider access token for the registry (what the helper hands out in password mode). */
async function providerToken(host: string): Promise<string> {
  const got = await runHelper(['get'], { env, input: host });
  assert.equal(got.code, 0, got.stderr);
  return (JSON.parse(got.stdout) as { Secret: string }).Secret;
}

before(async () => {
  assertBuilt();
  keyring = await startKeyring();
  idp = await startIdp({ accessTokenTtl: 300 });
  kelvinIdp = await startIdp({ accessTokenTtl: 300, users: [KELVIN_KATE] });
  downIdp = await startIdp();
  await downIdp.pause();
  server = await startTokenServerProcess(config([idp, kelvinIdp, downIdp]));
  const tokenAuth = server.registryAuth;
  registry = await startRegistry(tokenAuth);
  kelvinRegistry = await startRegistry(tokenAuth);
  ({ home, authFile, env } = await makeClientHome('token-server-hostile', keyring.env, [registry.host, kelvinRegistry.host]));
  image = await makeOciImage(await mkdtemp(join(home, 'img-')));
  const flags = (provider: Idp) => [...personLoginArgs(provider), '--no-browser'];
  const alice = await signIn(idp, registry.host, flags(idp), env); // the probe finds the exchange: acr mode
  assert.equal(alice.code, 0, alice.stderr);
  const kelvin = await signIn(kelvinIdp, kelvinRegistry.host, [...flags(kelvinIdp), '--mode', 'password'], env, { user: KELVIN_KATE });
  assert.equal(kelvin.code, 0, kelvin.stderr);
});

after(async () => {
  await Promise.all([registry?.stop(), kelvinRegistry?.stop(), idp?.stop(), kelvinIdp?.stop(), downIdp?.stop()]);
  await server?.stop();
  await keyring?.stop();
  if (home) await rm(home, { recursive: true, force: true });
});

test('request targets that URL parsers choke on are answered 400 in the Distribution shape; the server stays up', async () => {
  const expected: Array<[string, number]> = [
    ['//[', 400], // `[` is no path character
    ['//x:99999/token', 404], // a well-formed path that names no endpoint
    ['http://%zz/token', 400],
    ['//a@/token', 404],
    ['http://[/token', 400],
    ['http://a@b/token', 400], // userinfo in an absolute-form target
    ['/token?scope=%zz&service=%', 400],
  ];
  for (const [target, status] of expected) {
    const answer = await sendRaw(server.url, `GET ${target} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n`);
    assert.equal(answer.status, status, `${target}: ${answer.text.slice(0, 300)}`);
    assert.match(answer.text, /\r\n\r\n\{"errors":\[\{"code":"[A-Z_]+","message":"[^"]+"\}\]\}$/, target);
    await healthy();
  }
});

test(`the Kelvin sign is not a k: "${KELVIN_KATE}" is refused kate/*, while its own claim stays usable elsewhere`, async () => {
  const token = await providerToken(kelvinRegistry.host);
  assert.equal(claimsOf(token).preferred_username, KELVIN_KATE);
  const kate = await call(`/token?service=${SERVICE}&scope=repository:kate/app:pull,push`, { headers: basic('kate', token) });
  assert.equal(kate.status, 200, kate.body);
  assert.deepEqual(claimsOf((JSON.parse(kate.body) as { token: string }).token).access, [], 'nothing of kate/* is granted');
  const team = await call(`/token?service=${SERVICE}&scope=repository:team/app:pull`, { headers: basic('kate', token) });
  const teamToken = claimsOf((JSON.parse(team.body) as { token: string }).token);
  assert.deepEqual(teamToken.access, [{ type: 'repository', name: 'team/app', actions: ['pull'] }]);
  assert.equal(Number(teamToken.exp) - Number(teamToken.iat), 300, 'a provider token is no refresh chain: its registry token lives tokenTtl');
  const push = await skopeo(['copy', '--authfile', authFile, '--dest-tls-verify=false', image, `docker://${kelvinRegistry.host}/kate/app:v1`]);
  assert.notEqual(push.code, 0, 'the registry refuses the push to kate/app');
});

test(`a renewed chain of registry refresh tokens ends ${REFRESH_TTL_S} s after the exchange, while the helper's person keeps pushing`, async () => {
  const exchange = await call(
    '/oauth2/exchange',
    form({ grant_type: 'access_token', service: SERVICE, access_token: await providerToken(kelvinRegistry.host) }),
  );
  assert.equal(exchange.status, 200, exchange.body);
  let refreshToken = (JSON.parse(exchange.body) as { refresh_token: string }).refresh_token;
  const chainEnd = Number(claimsOf(refreshToken).exp);
  const renewals: Array<{ at: number; status: number; exp?: number; accessExp?: number }> = [];
  const pushes: Array<{ at: number; code: number | null; stderr: string }> = [];
  const until = Date.now() + (REFRESH_TTL_S + 12) * 1000;

  const renewChain = async () => {
    while (Date.now() < until) {
      await sleep(4000);
      const answer = await call(
        '/token',
        form({
          grant_type: 'refresh_token',
          refresh_token: refreshToken,
          access_type: 'offline',
          service: SERVICE,
          scope: 'repository:team/app:pull',
          client_id: 'attacker',
        }),
      );
      const body = JSON.parse(answer.body) as { refresh_token?: string; access_token?: string };
      renewals.push({
        at: Date.now() / 1000,
        status: answer.status,
        ...(body.refresh_token ? { exp: Number(claimsOf(body.refresh_token).exp) } : {}),
        ...(body.access_token ? { accessExp: Number(claimsOf(body.access_token).exp) } : {}),
      });
      if (body.refresh_token) refreshToken = body.refresh_token;
    }
  };
  const keepPushing = async () => {
    for (let round = 0; Date.now() < until; round++) {
      const push = await skopeo(['copy', '--authfile', authFile, '--dest-tls-verify=false', image, `docker://${registry.host}/team/app:r${round}`]);
      pushes.push({ at: Date.now() / 1000, code: push.code, stderr: push.stderr });
      await sleep(3000);
    }
  };
  await Promise.all([renewChain(), keepPushing()]);

  for (const renewal of renewals) {
    if (renewal.at < chainEnd - 1) {
      assert.equal(renewal.status, 200, JSON.stringify(renewal));
      assert.ok(renewal.exp! <= chainEnd, `a renewed refresh token ends with its chain: ${JSON.stringify({ renewal, chainEnd })}`);
      assert.ok(renewal.accessExp! <= chainEnd, `an access token from the chain ends with it: ${JSON.stringify({ renewal, chainEnd })}`);
    } else if (renewal.at > chainEnd + 1) assert.equal(renewal.status, 401, `the chain is over: ${JSON.stringify({ renewal, chainEnd })}`);
  }
  assert.ok(
    renewals.some((renewal) => renewal.at > chainEnd + 1),
    'renewals were tried after the chain ended',
  );
  assert.ok(pushes.length >= 5 && pushes.at(-1)!.at > chainEnd + 5, `pushes span the chain and beyond: ${pushes.length}`);
  for (const push of pushes) assert.equal(push.code, 0, `push at ${push.at}: ${push.stderr}`);
  const exchanges = server.logs().filter((line) => line.route === '/oauth2/exchange' && line.outcome === 'issued' && line.subject === 'alice');
  assert.ok(exchanges.length >= 2, `the helper re-exchanged (${exchanges.length} exchanges)`);
});

test('providers that go away: tokens of the keys already fetched still pass; tokens the server cannot check are 503 and never feed the limiter', async () => {
  const token = await providerToken(kelvinRegistry.host);
  const scope = `/token?service=${SERVICE}&scope=repository:team/app:pull`;
  assert.equal((await call(scope, { headers: basic('kate', token), from: '127.0.0.6' })).status, 200, 'the keys are fetched');
  await kelvinIdp.pause();
  try {
    const rogue = generateKeyPairSync('rsa', { modulusLength: 2048 });
    const now = Math.floor(Date.now() / 1000);
    const head = `${Buffer.from(JSON.stringify({ alg: 'RS256', kid: 'rotated-key', typ: 'at+jwt' })).toString('base64url')}.${Buffer.from(JSON.stringify({ iss: downIdp.issuer, aud: downIdp.resource, sub: 'alice', iat: now, exp: now + 300 })).toString('base64url')}`;
    const uncheckable = `${head}.${cryptoSign('sha256', Buffer.from(head), rogue.privateKey).toString('base64url')}`;
    const statuses: number[] = [];
    for (let i = 0; i < 30; i++) statuses.push((await call(scope, { headers: basic('alice', uncheckable), from: '127.0.0.6' })).status);
    assert.ok(
      statuses.every((status) => status === 503),
      `the server cannot verify: not the client's failure: ${statuses.join(',')}`,
    );
    const cached = await call(scope, { headers: basic('kate', token), from: '127.0.0.6' });
    assert.equal(cached.status, 200, cached.body);
  } finally {
    await kelvinIdp.resume();
  }
});

test('10,000 bad attempts from one address write a handful of log lines, and are counted in /metrics', async () => {
  const attacker = '127.0.0.7';
  const linesBefore = server.logs().filter((line) => line.client === attacker).length;
  let sent = 0;
  const worker = async () => {
    while (sent < 10_000) {
      sent++;
      await call(`/token?service=${SERVICE}&scope=repository:team/app:pull`, { headers: basic('mallory', 'not-a-token'), from: attacker });
    }
  };
  await Promise.all(Array.from({ length: 32 }, worker));
  await sleep(500);
  const lines = server.logs().filter((line) => line.client === attacker).length - linesBefore;
  assert.ok(lines <= 40, `${lines} log lines for 10,000 attempts`);
  const metrics = await call('/metrics');
  const limited = Number(/token_server_rate_limited_total (\d+)/.exec(metrics.body)?.[1] ?? 0);
  assert.ok(limited >= 9_000, `rate-limited requests counted: ${limited}`);
  await healthy();
});
