// DOCKER_CREDENTIAL_OIDC_DEBUG: a trace of every command, get included, over a whole journey (sign-in,
// get, a refresh by the renewer, a provider that is down, a sign-in the provider ended) against a real
// keyring and oidc-provider, with the secret scan the journeys use finding nothing in it.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile, stat } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { startIdp, type Idp } from '../support/idp.js';
import { signIn } from '../support/signIn.js';
import { startKeyringWorld, type KeyringWorld } from '../support/world.js';
import { filesContaining } from '../support/secretScan.js';
import { run, runHelper } from '../support/helperBinary.js';

const TTL = 3;
const REGISTRY = 'traced.example';
let world: KeyringWorld;
let idp: Idp;
let env: NodeJS.ProcessEnv;
let traceFile: string;
/** Every token the helper handed out or held during the journey. */
const secrets = new Set<string>();

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function sessionItem(): Promise<{ refreshToken: string; accessToken: { value: string } }> {
  const { stdout } = await run('secret-tool', ['lookup', 'service', 'docker-credential-oidc', 'username', `session:${idp.issuer}#${idp.clientId}`], {
    env: world.keyring.env,
  });
  return JSON.parse(stdout) as { refreshToken: string; accessToken: { value: string } };
}

async function rememberSession(): Promise<void> {
  const session = await sessionItem();
  secrets.add(session.refreshToken);
  secrets.add(session.accessToken.value);
}

async function get(): Promise<{ code: number | null; stdout: string }> {
  const result = await runHelper(['get'], { env, input: REGISTRY });
  if (result.code === 0) secrets.add((JSON.parse(result.stdout) as { Secret: string }).Secret);
  return result;
}

before(async () => {
  world = await startKeyringWorld('trace');
  idp = await startIdp({ accessTokenTtl: TTL });
  env = { ...world.env, XDG_STATE_HOME: join(world.home, '.local', 'state'), DOCKER_CREDENTIAL_OIDC_DEBUG: '1' };
  traceFile = join(world.home, '.local', 'state', 'docker-credential-oidc', 'debug.log');
});
after(async () => {
  await idp?.stop();
  await world?.stop();
});

test('=1: sign-in, get and a refresh are traced to debug.log under XDG_STATE_HOME, 0600, one line per step', async () => {
  const login = await signIn(
    idp,
    REGISTRY,
    ['--issuer', idp.issuer, '--client-id', idp.clientId, '--resource', idp.resource, '--scope', 'openid offline_access', '--no-browser'],
    env,
  );
  assert.equal(login.code, 0, login.stderr);
  await rememberSession();
  assert.equal((await get()).code, 0);
  await sleep(TTL * 1000 + 200);
  const refreshes = idp.stats.tokenRequests.refresh_token ?? 0;
  assert.equal((await get()).code, 0);
  assert.equal((idp.stats.tokenRequests.refresh_token ?? 0) - refreshes, 1, 'this get refreshed');
  await rememberSession();

  assert.equal((await stat(traceFile)).mode & 0o777, 0o600);
  assert.equal((await stat(dirname(traceFile))).mode & 0o777, 0o700);
  const trace = await readFile(traceFile, 'utf8');
  const lines = trace.trimEnd().split('\n');
  assert.ok(
    lines.every((text) => /^\d{4}-\d\d-\d\dT[\d:.]+Z \d+ [a-z-]+( |$)/.test(text)),
    trace,
  );
  // The command and its registry, the store and why, the cache, the renewer, HTTP without queries, the exit.
  assert.match(trace, / command command=login /);
  assert.match(trace, new RegExp(` command command=get registry=${REGISTRY}\\n`));
  assert.match(trace, new RegExp(` store-choice registry=${REGISTRY} store=secret-service reason=`));
  assert.match(trace, / kernel-cache item=\S+ hit=(true|false)/);
  assert.match(trace, new RegExp(` renewer-start registry=${REGISTRY} pid=\\d+`));
  assert.match(trace, / command command=renewer registry=/);
  assert.match(trace, new RegExp(` http method=POST url=${idp.issuer}/token ms=\\d+ status=200`));
  assert.match(trace, new RegExp(` renewer-answer registry=${REGISTRY} ok=true`));
  assert.match(trace, / exit code=0/);
  assert.doesNotMatch(trace, /\?/, 'no URL query (a code, a state) is traced');
});

test('a failing get (provider down) is traced with its cause, and its error points at doctor', async () => {
  await sleep(TTL * 1000 + 200);
  await idp.pause();
  try {
    const failed = await get();
    assert.equal(failed.code, 1);
    assert.match(failed.stdout, new RegExp(`; for more, run "docker-credential-oidc doctor ${REGISTRY}", and read the debug trace\n$`));
  } finally {
    await idp.resume();
  }
  const trace = await readFile(traceFile, 'utf8');
  assert.match(trace, new RegExp(` http method=POST url=${idp.issuer}/token ms=\\d+ error=".*ECONNREFUSED`));
  assert.match(trace, / exit code=1/);
});

test("a sign-in the provider ended: the provider's error code and description are traced", async () => {
  const { refreshToken } = await sessionItem();
  await idp.revoke(refreshToken);
  await sleep(TTL * 1000 + 200);
  assert.equal((await get()).code, 1);
  assert.match(await readFile(traceFile, 'utf8'), / provider-error issuer=\S+ step=refresh status=400 error=invalid_grant description=/);
});

test('status says where the trace goes; =PATH writes there instead', async () => {
  const status = await runHelper(['status'], { env });
  assert.equal(status.code, 0, status.stderr);
  assert.match(status.stderr, new RegExp(`debug trace: on \\(DOCKER_CREDENTIAL_OIDC_DEBUG\\), written to ${traceFile}`));
  const elsewhere = join(world.home, 'elsewhere.log');
  const result = await runHelper(['get'], { env: { ...env, DOCKER_CREDENTIAL_OIDC_DEBUG: elsewhere }, input: 'never-configured.example' });
  assert.equal(result.code, 1);
  assert.match(await readFile(elsewhere, 'utf8'), / command command=get registry=never-configured\.example\n.* exit code=1\n$/s);
  assert.equal((await stat(elsewhere)).mode & 0o777, 0o600);
});

test('the secret scan finds no access token or refresh token in any trace', async () => {
  // Two sign-in states (the login's, the refresh's): each an access token and a refresh token.
  assert.ok(secrets.size >= 4, `${secrets.size} secrets collected`);
  assert.deepEqual(await filesContaining(world.home, [...secrets]), []);
  // The scan reads the traces: what they do hold, it finds.
  assert.deepEqual((await filesContaining(world.home, [`command=get registry=${REGISTRY}`])).length, 1);
});
