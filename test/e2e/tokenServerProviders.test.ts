// The token server with several providers at once: people's JWT access tokens and ID tokens,
// opaque tokens checked by introspection, and a pipeline's client-credentials token from a second
// issuer, pushed through the helper; served over TLS. Also: what registry-login says about a
// registry whose realm is Keycloak's docker-v2 endpoint, and --exchange-url.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { request as httpsRequest } from 'node:https';
import { readdirSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { startKeyring, type TestKeyring } from '../support/keyring.js';
import { assertBuilt, helperBinary, loginBinary, run } from '../support/helperBinary.js';
import { startRegistry, type TestRegistry } from '../support/registry.js';
import { makeOciImage } from '../support/ociImage.js';
import { OPAQUE_RESOURCE, PIPELINE_CLIENTS, startIdp, type Idp, personLoginArgs } from '../support/idp.js';
import { signIn } from '../support/signIn.js';
import { makeTestCa, type TestCa } from '../support/testCa.js';
import { makeSigningPair, startTokenServerProcess, type TokenServerProcess } from '../support/tokenServerProcess.js';

const SERVICE = 'registry.example.com';
let keyring: TestKeyring;
let people: Idp;
let robots: Idp;
let ca: TestCa;
let server: TokenServerProcess;
let pipelineRegistry: TestRegistry;
let keycloakRegistry: TestRegistry;
let home: string;
let env: NodeJS.ProcessEnv;

function call(path: string, headers: Record<string, string>): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = httpsRequest(new URL(path, server.url), { headers, ca: ca.ca }, (res) => {
      let body = '';
      res.on('data', (chunk: Buffer) => (body += chunk.toString()));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on('error', reject);
    req.end();
  });
}
const basic = (user: string, password: string) => ({ authorization: `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}` });
const granted = (body: string) =>
  JSON.parse(Buffer.from((JSON.parse(body) as { token: string }).token.split('.')[1], 'base64url').toString()).access as unknown[];

async function clientCredentials(idp: Idp, resource: string): Promise<string> {
  const response = await fetch(`${idp.issuer}/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ grant_type: 'client_credentials', client_id: PIPELINE_CLIENTS.secret, client_secret: idp.pipeline.clientSecret, resource }),
  });
  const answer = (await response.json()) as { access_token: string };
  assert.ok(answer.access_token, JSON.stringify(answer));
  return answer.access_token;
}

before(async () => {
  assertBuilt();
  keyring = await startKeyring();
  [people, robots, ca] = await Promise.all([startIdp({ users: ['alice'] }), startIdp(), makeTestCa()]);
  const dir = await mkdtemp(join(tmpdir(), 'dco-ts-providers-'));
  await writeFile(join(dir, 'tls.key'), ca.key);
  await writeFile(join(dir, 'tls.crt'), ca.cert);
  // A rotation in progress: the registry's bundle holds the old and the new certificate, the new key signs.
  const oldPair = makeSigningPair(dir, 'old', 'rsa');
  const newPair = makeSigningPair(dir, 'new');
  const bundle = join(dir, 'bundle.pem');
  await writeFile(bundle, (await readFile(oldPair.cert, 'utf8')) + (await readFile(newPair.cert, 'utf8')));
  server = await startTokenServerProcess(
    (paths) => `
listen: ${paths.listen}
tls: {cert: ${join(dir, 'tls.crt')}, key: ${join(dir, 'tls.key')}}
service: ${SERVICE}
issuer: registry-token-server
signing: {key: ${paths.key}, certificate: ${paths.cert}}
providers:
  - issuer: ${people.issuer}
    audience: [${people.resource}, ${OPAQUE_RESOURCE}, ${people.clientId}]
    acceptIdTokens: true
    introspection: {clientId: ${people.introspection.clientId}, clientSecretEnv: INTROSPECTION_SECRET}
  - issuer: ${robots.issuer}
    audience: ${robots.resource}
rules:
  - match: {preferred_username: alice}
    repositories: ["team/*"]
    actions: [pull]
  - match: {sub: ${PIPELINE_CLIENTS.secret}}
    repositories: ["ci/*"]
    actions: [pull, push]
`,
    { env: { ...process.env, INTROSPECTION_SECRET: people.introspection.clientSecret }, dir, signing: { key: newPair.key, cert: bundle } },
  );
  pipelineRegistry = await startRegistry({
    kind: 'token',
    realm: `${server.url}/token`,
    service: SERVICE,
    issuer: server.issuer,
    rootCertPath: server.certificatePath,
  });
  keycloakRegistry = await startRegistry({
    kind: 'token',
    realm: 'https://sso.example.com/realms/dev/protocol/docker-v2/auth',
    service: 'docker-registry',
    issuer: 'keycloak',
    rootCertPath: server.certificatePath,
  });
  home = await mkdtemp(join(tmpdir(), 'dco-ts-providers-home-'));
  await mkdir(join(home, '.docker'));
  await writeFile(join(home, '.docker', 'config.json'), JSON.stringify({ credHelpers: { [pipelineRegistry.host]: 'oidc' } }));
  env = {
    ...keyring.env,
    HOME: home,
    DOCKER_CONFIG: join(home, '.docker'),
    XDG_CONFIG_HOME: join(home, '.config'),
    XDG_CACHE_HOME: join(home, '.cache'),
    PATH: `${dirname(helperBinary)}:${process.env.PATH}`,
  };
});

after(async () => {
  await Promise.all([pipelineRegistry?.stop(), keycloakRegistry?.stop(), people?.stop(), robots?.stop()]);
  await server?.stop();
  await rm(server?.dir ?? '', { recursive: true, force: true });
  await ca?.remove();
  await keyring?.stop();
  await rm(home, { recursive: true, force: true });
});

test('an opaque access token is accepted through introspection with the configured client', async () => {
  const opaque = await clientCredentials(people, OPAQUE_RESOURCE);
  assert.notEqual(opaque.split('.').length, 3, 'the provider issued an opaque token');
  const answer = await call(`/token?service=${SERVICE}&scope=repository:ci/app:pull,push`, basic('robot', opaque));
  assert.equal(answer.status, 200, answer.body);
  assert.deepEqual(granted(answer.body), [{ type: 'repository', name: 'ci/app', actions: ['pull', 'push'] }]);
  const inactive = await call(`/token?service=${SERVICE}&scope=repository:ci/app:pull`, basic('robot', `${opaque}x`));
  assert.equal(inactive.status, 401);
});

test('an ID token is accepted where the provider is configured for it', async () => {
  const login = await signIn(people, 'people.example', [...personLoginArgs(people), '--mode', 'password', '--no-browser'], env);
  assert.equal(login.code, 0, login.stderr);
  const { stdout } = await run('secret-tool', ['lookup', 'service', 'docker-credential-oidc', 'username', `session:${people.issuer}#${people.clientId}`], {
    env: keyring.env,
  });
  const idToken = (JSON.parse(stdout) as { idToken: { value: string } }).idToken.value;
  const answer = await call(`/token?service=${SERVICE}&scope=repository:team/app:pull,push`, basic('alice', idToken));
  assert.equal(answer.status, 200, answer.body);
  assert.deepEqual(granted(answer.body), [{ type: 'repository', name: 'team/app', actions: ['pull'] }]);
});

test('a pipeline of a second issuer signs in with client credentials and pushes with skopeo over the TLS realm, mid-rotation', async () => {
  const pipelineEnv = { ...env, CI_ROBOT_SECRET: robots.pipeline.clientSecret };
  const login = await run(
    loginBinary,
    [
      pipelineRegistry.host,
      '--grant',
      'client-credentials',
      '--issuer',
      robots.issuer,
      '--client-id',
      PIPELINE_CLIENTS.secret,
      '--client-secret-env',
      'CI_ROBOT_SECRET',
      '--resource',
      robots.resource,
      '--mode',
      'password',
    ],
    { env: pipelineEnv },
  );
  assert.equal(login.code, 0, login.stderr);
  const image = await makeOciImage(await mkdtemp(join(home, 'img-')));
  const push = await run('skopeo', ['--insecure-policy', 'copy', '--dest-tls-verify=false', image, `docker://${pipelineRegistry.host}/ci/app:v1`], {
    env: pipelineEnv,
    timeoutMs: 60_000,
  });
  assert.equal(push.code, 0, push.stderr);
  const refused = await run('skopeo', ['--insecure-policy', 'copy', '--dest-tls-verify=false', image, `docker://${pipelineRegistry.host}/team/app:v1`], {
    env: pipelineEnv,
    timeoutMs: 60_000,
  });
  assert.notEqual(refused.code, 0, 'the robot has no rule for team/*');
});

test('registry-login says what to do when the realm is a Keycloak docker-v2 endpoint', async () => {
  const login = await run(loginBinary, [keycloakRegistry.host, '--issuer', people.issuer, '--client-id', people.clientId, '--no-browser'], { env });
  assert.equal(login.code, 1, login.stderr);
  assert.match(login.stderr, /Keycloak's docker-v2 endpoint .* accepts only a Keycloak password/);
  assert.match(login.stderr, new RegExp(`docker login ${keycloakRegistry.host}`));
  assert.match(login.stderr, /token-server/);
  assert.equal(login.stderr.trim().split('\n').length, 1);
});

test('--exchange-url sets the exchange mode by hand; an http URL off loopback is refused', async () => {
  const bad = await run(
    loginBinary,
    ['hand.example', '--issuer', people.issuer, '--client-id', people.clientId, '--exchange-url', 'http://auth.example/oauth2/exchange', '--no-browser'],
    { env },
  );
  assert.notEqual(bad.code, 0);
  assert.match(bad.stderr, /--exchange-url http:\/\/auth\.example\/oauth2\/exchange must use https/);
  const settings = JSON.parse(await readFile(join(home, '.config', 'docker-credential-oidc', 'config.json'), 'utf8').catch(() => '{"registries":{}}'));
  assert.equal(settings.registries['hand.example'], undefined, 'nothing saved');
});

test('token-server --config with a mistake: one line naming the file and line, exit 1; --check on a good file', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'dco-ts-config-'));
  const file = join(dir, 'token-server.yaml');
  await writeFile(
    file,
    'listen: 127.0.0.1:5001\nservice: registry.example.com\nissuer: registry-token-server\nsigning: {key: /nonexistent.pem, certificate: /nonexistent.crt}\ntokenTtl: soon\nproviders: []\nrules: []\n',
  );
  const bad = await run(helperBinary, ['token-server', '--config', file]);
  assert.equal(bad.code, 1);
  assert.equal(bad.stderr, `docker-credential-oidc: ${file}:5: tokenTtl: "soon" is not a duration such as 90s, 5m or 3h\n`);
  const good = await run(helperBinary, [
    'token-server',
    '--config',
    join(
      server.dir,
      readdirSync(server.dir).find((name) => name.startsWith('config-'))!,
    ),
    '--check',
  ]);
  assert.equal(good.code, 0, good.stderr);
  assert.match(good.stdout, /valid; signs ES256 with key id ([A-Z2-7]{4}:){11}[A-Z2-7]{4}/);
  await rm(dir, { recursive: true, force: true });
});
