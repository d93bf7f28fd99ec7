// Pipelines sign in without a person, end to end with real parts on 127.0.0.1: oidc-provider with
// client credentials (secret, private_key_jwt), token exchange and JWT bearer grants that trust a
// test CI issuer (GitHub Actions' and Azure Pipelines' request protocols, a projected token file),
// an Entra ID double with workload identity federation in front of the ACR double, a token-auth
// Distribution registry, skopeo, and a real Secret Service.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { chmod, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { startKeyring, type TestKeyring } from '../support/keyring.js';
import { assertBuilt, helperBinary, loginBinary, run, runHelper, type RunResult } from '../support/helperBinary.js';
import { startRegistry, type TestRegistry } from '../support/registry.js';
import { makeOciImage } from '../support/ociImage.js';
import { PIPELINE_CLIENTS, startIdp, type Idp, robotLoginArgs } from '../support/idp.js';
import { startTokenServer, type TokenServer } from '../support/tokenServer.js';
import { startCiIssuer, CI_SUBJECT, type CiIssuer } from '../support/ciIssuer.js';
import { startEntraDouble, ENTRA_FEDERATION_AUDIENCE, type EntraDouble } from '../support/entraDouble.js';
import { startAcrDouble, type AcrDouble } from '../support/acrDouble.js';
import { filesContaining, processCommandLinesContaining } from '../support/secretScan.js';

/** The audience the test provider requires of CI tokens (what an admin configures at Keycloak/Okta). */
const CI_AUDIENCE = 'registry-ci';
const ACCESS_TOKEN_TTL = 6;

let keyring: TestKeyring;
let ci: CiIssuer;
let idp: Idp;
let tokenServer: TokenServer;
let entra: EntraDouble;
let acr: AcrDouble;
const registries: Record<'secret' | 'key' | 'exchange' | 'bearer', TestRegistry> = {} as never;
let home: string;
let env: NodeJS.ProcessEnv;
let authFile: string;
let image: string;
let secretFile: string;
let keyFile: string;
let projectedFile: string;
const outputs: RunResult[] = [];
const handedOut = new Set<string>();

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const grants = (name: string) => idp.stats.tokenRequests[name] ?? 0;

async function login(registry: string, args: string[], extraEnv: NodeJS.ProcessEnv = {}): Promise<RunResult> {
  const result = await run(loginBinary, [registry, ...args], { env: { ...env, ...extraEnv } });
  outputs.push(result);
  return result;
}

async function get(server: string, extraEnv: NodeJS.ProcessEnv = {}): Promise<{ Username: string; Secret: string }> {
  const result = await runHelper(['get'], { env: { ...env, ...extraEnv }, input: server });
  assert.equal(result.code, 0, `get ${server}: ${result.stdout}${result.stderr}`);
  const answer = JSON.parse(result.stdout) as { Username: string; Secret: string };
  handedOut.add(answer.Secret);
  return answer;
}

async function pushAndPull(host: string, extraEnv: NodeJS.ProcessEnv = {}): Promise<void> {
  const push = await run('skopeo', ['copy', '--authfile', authFile, '--dest-tls-verify=false', image, `docker://${host}/ci/app:v1`], {
    env: { ...env, ...extraEnv },
  });
  assert.equal(push.code, 0, push.stderr);
  const pull = await run(
    'skopeo',
    ['copy', '--authfile', authFile, '--src-tls-verify=false', `docker://${host}/ci/app:v1`, `oci:${join(home, `pulled-${host.replace(/\W/g, '-')}`)}:v1`],
    { env: { ...env, ...extraEnv } },
  );
  assert.equal(pull.code, 0, pull.stderr);
}

before(async () => {
  assertBuilt();
  keyring = await startKeyring();
  ci = await startCiIssuer({ ttl: 5 });
  idp = await startIdp({ accessTokenTtl: ACCESS_TOKEN_TTL, ciTrust: { verify: (token) => ci.verify(token, CI_AUDIENCE) } });
  tokenServer = await startTokenServer({ idp });
  const tokenAuth = tokenServer.registryAuth;
  for (const name of ['secret', 'key', 'exchange', 'bearer'] as const) registries[name] = await startRegistry(tokenAuth);
  entra = await startEntraDouble({
    federated: [
      { issuer: ci.issuer, subject: CI_SUBJECT, audience: ENTRA_FEDERATION_AUDIENCE },
      { issuer: ci.issuer, subject: `sc://example/app/${ci.azure.serviceConnectionId}`, audience: ENTRA_FEDERATION_AUDIENCE },
    ],
    verifySignature: (token) => ci.verify(token, ENTRA_FEDERATION_AUDIENCE) !== null,
  });
  acr = await startAcrDouble(async (token) => entra.verify(token));
  home = await mkdtemp(join(tmpdir(), 'dco-pipelines-'));
  authFile = join(home, 'containers-auth.json');
  await writeFile(authFile, JSON.stringify({ credHelpers: Object.fromEntries(Object.values(registries).map((r) => [r.host, 'oidc'])) }));
  secretFile = join(home, 'robot-secret');
  await writeFile(secretFile, `${idp.pipeline.clientSecret}\n`, { mode: 0o600 });
  keyFile = join(home, 'robot-key.json');
  await writeFile(keyFile, JSON.stringify(idp.pipeline.privateJwk), { mode: 0o600 });
  projectedFile = join(home, 'projected', 'token');
  await mkdir(dirname(projectedFile));
  ci.project(projectedFile, { aud: CI_AUDIENCE, everyMs: 2000 });
  env = {
    ...keyring.env,
    HOME: home,
    XDG_CONFIG_HOME: join(home, '.config'),
    XDG_CACHE_HOME: join(home, '.cache'),
    PATH: `${dirname(helperBinary)}:${process.env.PATH}`,
  };
  image = await makeOciImage(await mkdtemp(join(home, 'img-')));
});

after(async () => {
  await Promise.all([...Object.values(registries).map((r) => r?.stop()), tokenServer?.stop(), acr?.stop(), entra?.stop(), idp?.stop(), ci?.stop()]);
  await keyring?.stop();
  await rm(home, { recursive: true, force: true });
});

test('client credentials with a secret file: registry-login checks it with one grant, skopeo pushes and pulls', async () => {
  const result = await login(registries.secret.host, [...robotLoginArgs(idp, secretFile)]);
  assert.equal(result.code, 0, result.stderr);
  assert.match(result.stderr, new RegExp(`Signed in to ${registries.secret.host} as ${PIPELINE_CLIENTS.secret} without a person`));
  assert.equal(grants('client_credentials'), 1);
  await pushAndPull(registries.secret.host);
  const settings = await readFile(join(home, '.config', 'docker-credential-oidc', 'config.json'), 'utf8');
  assert.equal(JSON.parse(settings).registries[registries.secret.host].clientSecretFile, secretFile, 'the path is saved, not the secret');
});

test('private_key_jwt: a fresh signed assertion per request, no secret anywhere but the key file', async () => {
  const result = await login(registries.key.host, [
    '--issuer',
    idp.issuer,
    '--client-id',
    PIPELINE_CLIENTS.privateKey,
    '--resource',
    idp.resource,
    '--grant',
    'client-credentials',
    '--private-key-file',
    keyFile,
  ]);
  assert.equal(result.code, 0, result.stderr);
  await pushAndPull(registries.key.host);
  const first = await get(registries.key.host);
  await sleep((ACCESS_TOKEN_TTL / 2 + 1) * 1000);
  const second = await get(registries.key.host);
  assert.notEqual(first.Secret, second.Secret, 'an expiring token is replaced by a new grant');
});

test('token exchange of the GitHub Actions token (request URL protocol): a new CI token for every grant', async () => {
  const github = ci.github;
  const requestsBefore = ci.requests.github;
  const result = await login(
    registries.exchange.host,
    [
      '--issuer',
      idp.issuer,
      '--client-id',
      PIPELINE_CLIENTS.exchange,
      '--resource',
      idp.resource,
      '--grant',
      'token-exchange',
      '--ci-token',
      'github-actions',
      '--ci-token-audience',
      CI_AUDIENCE,
    ],
    github,
  );
  assert.equal(result.code, 0, result.stderr);
  assert.equal(grants('token-exchange'), 1);
  await pushAndPull(registries.exchange.host, github);
  await sleep((ACCESS_TOKEN_TTL / 2 + 1) * 1000);
  await get(registries.exchange.host, github);
  assert.equal(grants('token-exchange'), 2);
  assert.equal(ci.requests.github - requestsBefore, 2, 'one CI token per grant');
});

test('JWT bearer with a projected service-account token file that is rewritten during the test', async () => {
  const result = await login(registries.bearer.host, [
    '--issuer',
    idp.issuer,
    '--client-id',
    PIPELINE_CLIENTS.exchange,
    '--resource',
    idp.resource,
    '--grant',
    'jwt-bearer',
    '--ci-token',
    `file:${projectedFile}`,
  ]);
  assert.equal(result.code, 0, result.stderr);
  // The file's token lives 5 s and is rewritten every 2 s: the grants after it expired still work.
  await sleep(6000);
  await pushAndPull(registries.bearer.host);
  assert.ok(grants('jwt-bearer') >= 2);
  assert.equal(grants('jwt-bearer_error'), 0);
});

test('16 concurrent gets on an expiring token make exactly one grant request', async () => {
  await get(registries.secret.host);
  await sleep((ACCESS_TOKEN_TTL / 2 + 1) * 1000);
  const before = grants('client_credentials');
  const results = await Promise.all(Array.from({ length: 16 }, () => runHelper(['get'], { env, input: registries.secret.host })));
  for (const r of results) assert.equal(r.code, 0, r.stdout + r.stderr);
  assert.equal(new Set(results.map((r) => JSON.parse(r.stdout).Secret)).size, 1);
  assert.equal(grants('client_credentials') - before, 1);
  // And no client secret or token on any command line while they ran.
  assert.deepEqual(await processCommandLinesContaining([idp.pipeline.clientSecret, ...handedOut]), []);
});

test('ACR with Entra ID workload identity federation: the GitHub Actions token as client assertion, then /oauth2/exchange', async () => {
  const result = await login(
    acr.host,
    [
      '--mode',
      'acr',
      '--issuer',
      entra.issuer,
      '--tenant',
      entra.tenant,
      '--client-id',
      entra.clientId,
      '--grant',
      'client-credentials',
      '--ci-token',
      'github-actions',
      '--ci-token-audience',
      ENTRA_FEDERATION_AUDIENCE,
    ],
    ci.github,
  );
  assert.equal(result.code, 0, result.stderr);
  assert.equal(entra.grants, 1);
  const answer = await get(acr.host, ci.github);
  assert.deepEqual([answer.Username, answer.Secret], ['00000000-0000-0000-0000-000000000000', acr.issued.at(-1)]);
  assert.equal(acr.lastForm?.tenant, entra.tenant);
  // Azure Pipelines' OIDC token API, for one service connection, signs the same registry in.
  const azure = { SYSTEM_OIDCREQUESTURI: ci.azure.SYSTEM_OIDCREQUESTURI, SYSTEM_ACCESSTOKEN: ci.azure.SYSTEM_ACCESSTOKEN };
  const again = await login(acr.host, ['--ci-token', `azure-pipelines:${ci.azure.serviceConnectionId}`], azure);
  assert.equal(again.code, 0, again.stderr);
  assert.equal(entra.grants, 2);
  assert.equal((await get(acr.host, azure)).Secret, acr.issued.at(-1));
});

test('what a pipeline gets wrong is one line with the fix, exit 1', async () => {
  const wrongSecret = join(home, 'wrong-secret');
  await writeFile(wrongSecret, 'not-the-secret\n');
  await chmod(wrongSecret, 0o600);
  const cases: Array<{ args: string[]; env?: NodeJS.ProcessEnv; message: RegExp }> = [
    {
      args: ['--issuer', idp.issuer, '--client-id', PIPELINE_CLIENTS.secret, '--grant', 'client-credentials', '--client-secret-file', wrongSecret],
      message:
        /refused --grant client-credentials for \S+ \(invalid_client\): it did not accept the client's credentials: check --client-id and the secret or key/,
    },
    {
      args: [
        '--issuer',
        idp.issuer,
        '--client-id',
        PIPELINE_CLIENTS.exchange,
        '--grant',
        'token-exchange',
        '--ci-token',
        'github-actions',
        '--ci-token-audience',
        'wrong-audience',
      ],
      env: ci.github,
      message:
        /\(invalid_grant\): it did not accept the CI token from GitHub Actions: check that the provider trusts its issuer, and its subject and audience \(--ci-token-audience\)/,
    },
    {
      args: ['--issuer', idp.issuer, '--client-id', PIPELINE_CLIENTS.exchange, '--grant', 'token-exchange', '--ci-token', 'github-actions'],
      message: /ACTIONS_ID_TOKEN_REQUEST_URL and ACTIONS_ID_TOKEN_REQUEST_TOKEN are not set: give the job "permissions: id-token: write"/,
    },
    {
      args: [
        '--mode',
        'acr',
        '--issuer',
        entra.issuer,
        '--client-id',
        entra.clientId,
        '--grant',
        'client-credentials',
        '--ci-token',
        'github-actions',
        '--ci-token-audience',
        'api://wrong',
      ],
      env: ci.github,
      message: /no federated credential of the application matches the CI token from GitHub Actions/,
    },
    {
      args: [
        '--mode',
        'acr',
        '--issuer',
        entra.issuer,
        '--client-id',
        'not-an-app',
        '--grant',
        'client-credentials',
        '--ci-token',
        'github-actions',
        '--ci-token-audience',
        ENTRA_FEDERATION_AUDIENCE,
      ],
      env: ci.github,
      message: /the application \(--client-id\) is not found in the tenant: check --client-id and --tenant/,
    },
  ];
  for (const [index, c] of cases.entries()) {
    const result = await login(`127.0.0.1:${60000 + index}`, c.args, c.env ?? {});
    assert.equal(result.code, 1, result.stderr);
    assert.match(result.stderr, c.message);
    assert.equal(result.stderr.trim().split('\n').length, 1, `one line: ${result.stderr}`);
  }
  const settings = JSON.parse(await readFile(join(home, '.config', 'docker-credential-oidc', 'config.json'), 'utf8'));
  assert.deepEqual(
    Object.keys(settings.registries).filter((k) => k.includes(':600')),
    [],
    'a failed login saves no registry',
  );
});

test('status --check is the preflight: 0 when every registry can answer now, 1 naming the one that cannot', async () => {
  const ready = await runHelper(['status', '--check'], { env: { ...env, ...ci.github } });
  outputs.push(ready);
  assert.equal(ready.code, 0, ready.stdout + ready.stderr);
  assert.match(ready.stdout, new RegExp(`${registries.exchange.host}: ready`));
  const status = await runHelper(['status'], { env });
  outputs.push(status);
  assert.match(status.stdout, /signed in: {6}yes, without a person \(get runs --grant client-credentials\)/);
  // Without the job's CI variables, a registry that needs them cannot answer once its token expires.
  await sleep((ACCESS_TOKEN_TTL / 2 + 1) * 1000);
  const notReady = await runHelper(['status', '--check', registries.exchange.host], { env });
  outputs.push(notReady);
  assert.equal(notReady.code, 1);
  assert.match(notReady.stdout, new RegExp(`${registries.exchange.host}: not ready: ACTIONS_ID_TOKEN_REQUEST_URL`));
});

test('the client secret, the private key and every token appear nowhere but the keychain', async () => {
  const secrets = [idp.pipeline.clientSecret, String(idp.pipeline.privateJwk.d), ...ci.minted, ...handedOut, ci.github.ACTIONS_ID_TOKEN_REQUEST_TOKEN];
  const scanned = await filesContaining(join(home, '.config'), secrets);
  assert.deepEqual(scanned, [], 'settings file');
  assert.deepEqual(await filesContaining(join(home, '.cache'), secrets), [], 'cache and locks');
  for (const output of outputs) {
    for (const secret of secrets) assert.ok(!output.stdout.includes(secret) && !output.stderr.includes(secret), 'no secret in any output of login or status');
  }
});
