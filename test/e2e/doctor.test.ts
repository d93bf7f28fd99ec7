// `doctor [REGISTRY]` against the real parts: a private gnome-keyring session, a bus with no Secret
// Service, no D-Bus at all, a locked collection, a real Distribution registry and oidc-provider, a
// provider behind a private CA and a self-signed one, docker config.json in its usual shapes, and
// doubles only where the real thing cannot run here (a Keycloak docker-v2 challenge, a skewed clock).
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { createServer, type Server } from 'node:http';
import { createServer as createTlsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { startIdp, type Idp } from '../support/idp.js';
import { startRegistry, type TestRegistry } from '../support/registry.js';
import { startBareBus, type BareBus } from '../support/bareBus.js';
import { makeTestCa, type TestCa } from '../support/testCa.js';
import { signIn } from '../support/signIn.js';
import { startKeyringWorld, type KeyringWorld } from '../support/world.js';
import { helperBinary, run, runHelper } from '../support/helperBinary.js';

let world: KeyringWorld;
let idp: Idp;
let registry: TestRegistry;
let bareBus: BareBus;
let ca: TestCa;
let env: NodeJS.ProcessEnv;
const doubles: Server[] = [];
/** Every token the sign-in holds or get handed out: doctor must print none of them. */
const secrets = new Set<string>();

before(async () => {
  world = await startKeyringWorld('doctor');
  idp = await startIdp();
  registry = await startRegistry({ kind: 'htpasswd', users: { alice: 'unused' } });
  bareBus = await startBareBus();
  ca = await makeTestCa();
  env = { ...world.env, DOCKER_CONFIG: join(world.home, '.docker'), PATH: `${dirname(helperBinary)}:${process.env.PATH}` };
  // This machine may trust extra CAs already; the tests say which ones are trusted.
  delete env.NODE_EXTRA_CA_CERTS;
  const login = await signIn(
    idp,
    registry.host,
    ['--issuer', idp.issuer, '--client-id', idp.clientId, '--resource', idp.resource, '--scope', 'openid offline_access', '--no-browser'],
    env,
  );
  assert.equal(login.code, 0, login.stderr);
  const configured = await runHelper(['configure-docker', registry.host], { env });
  assert.equal(configured.code, 0, configured.stderr);
  const got = await runHelper(['get'], { env, input: registry.host });
  assert.equal(got.code, 0, got.stdout);
  secrets.add((JSON.parse(got.stdout) as { Secret: string }).Secret);
});
after(async () => {
  for (const server of doubles) {
    server.closeAllConnections();
    server.close();
  }
  await Promise.all([registry?.stop(), idp?.stop(), bareBus?.stop(), ca?.remove()]);
  await world?.stop();
});

async function sessionSecrets(): Promise<string[]> {
  const { stdout } = await run('secret-tool', ['lookup', 'service', 'docker-credential-oidc', 'username', `session:${idp.issuer}#${idp.clientId}`], {
    env: world.keyring.env,
  });
  const session = JSON.parse(stdout) as { refreshToken: string; accessToken: { value: string } };
  return [session.refreshToken, session.accessToken.value];
}

const doctor = (args: string[], environment: NodeJS.ProcessEnv = env) => runHelper(['doctor', ...args], { env: environment });

/** The line of one check: "failed  Secret Service: ...". */
function line(output: string, check: string): string {
  const found = output.split('\n').find((text) => new RegExp(`^(ok|warning|failed)\\s+${check.replace(/[()[\].]/g, '\\$&')}`).test(text));
  assert.ok(found, `no "${check}" line in:\n${output}`);
  return found;
}

/** A settings file of its own (DOCKER_CREDENTIAL_OIDC_CONFIG) naming one registry, never signed in. */
async function settingsWith(name: string, registryHost: string, entry: Record<string, unknown>): Promise<NodeJS.ProcessEnv> {
  const path = join(world.home, `${name}.settings.json`);
  const registries = {
    [registryHost]: {
      serverURL: registryHost,
      clientId: idp.clientId,
      scope: 'openid offline_access',
      mode: 'password',
      usernameClaim: 'sub',
      secretToken: 'access-token',
      ...entry,
    },
  };
  await writeFile(path, JSON.stringify({ version: 1, registries, providers: {} }));
  return { ...env, DOCKER_CREDENTIAL_OIDC_CONFIG: path };
}

async function listen(server: Server): Promise<string> {
  doubles.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return `127.0.0.1:${(server.address() as AddressInfo).port}`;
}

test('a healthy keyring session: every check ok in order, a real refresh, exit 0, no secret printed', async () => {
  const refreshesBefore = idp.stats.tokenRequests.refresh_token ?? 0;
  const result = await doctor([registry.host]);
  assert.equal(result.code, 0, result.stdout + result.stderr);
  const checks = result.stdout.split('\n').filter((text) => /^(ok|warning|failed) /.test(text));
  assert.deepEqual(
    checks.map((text) => /^\S+\s+([^:(]+?)\s*(\(|:)/.exec(text)?.[1]),
    ['session bus', 'Secret Service', 'kernel keyring', 'settings', 'helper on PATH', 'config.json', 'provider', 'registry', 'clock', 'sign-in', 'refresh'],
  );
  assert.ok(
    checks.every((text) => text.startsWith('ok ')),
    result.stdout,
  );
  assert.match(line(result.stdout, 'Secret Service'), /present and unlocked: a throw-away item was written, read back and removed/);
  assert.match(line(result.stdout, 'config.json'), new RegExp(`credHelpers sends ${registry.host} here`));
  assert.match(line(result.stdout, 'registry'), /asks for Basic credentials: get hands it the token as the password/);
  assert.match(
    line(result.stdout, 'sign-in'),
    /the token is valid until .* left\); get (hands it out until .*, then renews it|renews it now) \(--min-validity 10 min\)/,
  );
  assert.match(line(result.stdout, 'refresh'), /renewed the sign-in just now/);
  assert.equal((idp.stats.tokenRequests.refresh_token ?? 0) - refreshesBefore, 1, 'the refresh used the token endpoint, once');
  assert.match(result.stdout, /get can work here\.\n$/);
  assert.doesNotMatch(result.stdout, /debug trace/, 'no trace notice while the trace is off');
  // The renewed sign-in still answers get (its rotated refresh token was stored).
  const got = await runHelper(['get'], { env, input: registry.host });
  assert.equal(got.code, 0, got.stdout);
  secrets.add((JSON.parse(got.stdout) as { Secret: string }).Secret);
  for (const secret of await sessionSecrets()) secrets.add(secret);
  for (const secret of secrets) assert.ok(!(result.stdout + result.stderr).includes(secret), 'doctor printed a token');
  // No throw-away item is left behind.
  const { stdout: items } = await run('secret-tool', ['search', '--all', 'username', 'probe:doctor'], { env: world.keyring.env });
  assert.equal(items.trim(), '');
});

test('--json: the same checks for tools, the trace destination when it is on', async () => {
  const tracePath = join(world.home, 'doctor-trace.log');
  const result = await doctor(['--json', registry.host], { ...env, DOCKER_CREDENTIAL_OIDC_DEBUG: tracePath });
  assert.equal(result.code, 0, result.stdout + result.stderr);
  const report = JSON.parse(result.stdout) as {
    healthy: boolean;
    debugTrace?: string;
    checks: Array<{ check: string; status: string; registry?: string; detail: string; fix?: string }>;
  };
  assert.equal(report.healthy, true);
  assert.equal(report.debugTrace, tracePath);
  assert.deepEqual(report.checks.find((c) => c.check === 'provider')?.registry, registry.host);
  assert.ok(report.checks.every((c) => c.status === 'ok' && !c.fix));
  for (const secret of [...secrets, ...(await sessionSecrets())]) assert.ok(!result.stdout.includes(secret));
  // The trace of doctor itself holds no secret either, though doctor refreshed the sign-in.
  const traced = await readFile(tracePath, 'utf8');
  assert.match(traced, / command command=doctor /);
  for (const secret of await sessionSecrets()) assert.ok(!traced.includes(secret), 'the trace holds a token');
});

test('config.json with only credsStore: a warning that skopeo, podman and buildah will not ask', async () => {
  const dockerConfig = join(world.home, 'creds-store-only');
  await mkdir(dockerConfig, { recursive: true });
  await writeFile(join(dockerConfig, 'config.json'), JSON.stringify({ credsStore: 'oidc' }));
  const result = await doctor([registry.host], { ...env, DOCKER_CONFIG: dockerConfig });
  assert.equal(result.code, 0, 'a warning is not a failure: docker itself works');
  const wiring = line(result.stdout, 'config.json');
  assert.match(
    wiring,
    /^warning .*only credsStore points here: docker asks this helper, but skopeo, podman and buildah read only credHelpers\. Fix: run "docker-credential-oidc configure-docker/,
  );

  await writeFile(join(dockerConfig, 'config.json'), JSON.stringify({ credsStore: 'oidc', credHelpers: { [registry.host]: 'secretservice' } }));
  const shadowed = await doctor([registry.host], { ...env, DOCKER_CONFIG: dockerConfig });
  assert.equal(shadowed.code, 1);
  assert.match(line(shadowed.stdout, 'config.json'), /^failed .*sends .* to docker-credential-secretservice, which shadows this helper/);
});

test('a bus with no Secret Service: named, with the fix, exit 1', async () => {
  const result = await doctor([registry.host], { ...env, DBUS_SESSION_BUS_ADDRESS: bareBus.address });
  assert.equal(result.code, 1, result.stdout);
  assert.match(line(result.stdout, 'session bus'), /^ok /);
  const secretService = line(result.stdout, 'Secret Service');
  assert.match(secretService, /^failed {2}Secret Service: no Secret Service on the D-Bus session bus\. Fix: install and start a keychain/);
  assert.match(result.stdout, /get cannot work here until the failed checks are fixed/);
});

test('no D-Bus at all: the session bus is named as missing, the Secret Service not tried', async () => {
  const noBus = { ...env };
  delete noBus.DBUS_SESSION_BUS_ADDRESS;
  delete noBus.XDG_RUNTIME_DIR;
  const result = await doctor([registry.host], noBus);
  assert.equal(result.code, 1, result.stdout);
  assert.match(
    line(result.stdout, 'session bus'),
    /^failed .*no D-Bus session bus: DBUS_SESSION_BUS_ADDRESS is not set.*Fix: start a session with "dbus-run-session/,
  );
  assert.match(line(result.stdout, 'Secret Service'), /^failed .*cannot be reached without a session bus/);
});

test('an unreachable provider: named as unreachable, and the sign-in left alone', async () => {
  await idp.pause();
  try {
    const result = await doctor([registry.host]);
    assert.equal(result.code, 1, result.stdout);
    assert.match(
      line(result.stdout, 'provider'),
      new RegExp(`^failed .*cannot reach ${idp.issuer.replace(/\./g, '\\.')} \\(.*ECONNREFUSED.*direct\\)\\. Fix: check the URL and the network`),
    );
    assert.doesNotMatch(result.stdout, /^\S+\s+refresh/m, 'no refresh is tried against a provider that does not answer');
  } finally {
    await idp.resume();
  }
});

test('a provider behind a private CA without --ca-file, and a self-signed one: named TLS errors', async () => {
  const tlsIdp = await startIdp({ tls: ca });
  try {
    const privateCa = await settingsWith('private-ca', 'private-ca.example', { issuer: tlsIdp.issuer });
    const result = await doctor(['private-ca.example'], privateCa);
    assert.equal(result.code, 1);
    assert.match(
      line(result.stdout, 'provider'),
      /^failed .*TLS error: .* presented a certificate that does not verify: .*\(UNABLE_TO_VERIFY_LEAF_SIGNATURE\)\. Fix: .*sign in again with --ca-file PATH-TO-CA\.pem, or set NODE_EXTRA_CA_CERTS/,
    );
    // Trusted the way get trusts it: the saved --ca-file.
    const trusted = await doctor(
      ['private-ca.example'],
      await settingsWith('private-ca-trusted', 'private-ca.example', { issuer: tlsIdp.issuer, caFile: ca.caPath }),
    );
    assert.match(line(trusted.stdout, 'provider'), new RegExp(`^ok .*answers discovery .*trusting --ca-file ${ca.caPath}`));
  } finally {
    await tlsIdp.stop();
  }
  // A server with a self-signed certificate for 127.0.0.1.
  const dir = join(world.home, 'self-signed');
  await mkdir(dir);
  execFileSync(
    'openssl',
    [
      'req',
      '-x509',
      '-newkey',
      'ec',
      '-pkeyopt',
      'ec_paramgen_curve:P-256',
      '-nodes',
      '-keyout',
      'key.pem',
      '-out',
      'cert.pem',
      '-days',
      '1',
      '-subj',
      '/CN=127.0.0.1',
      '-addext',
      'subjectAltName=IP:127.0.0.1',
    ],
    { cwd: dir, stdio: 'ignore' },
  );
  const tls = { key: await readFile(join(dir, 'key.pem')), cert: await readFile(join(dir, 'cert.pem')) };
  const selfSigned = await listen(createTlsServer(tls, (_request, response) => response.end('{}')));
  const result = await doctor(['self-signed.example'], await settingsWith('self-signed', 'self-signed.example', { issuer: `https://${selfSigned}` }));
  assert.match(line(result.stdout, 'provider'), /^failed .*TLS error: .*\(DEPTH_ZERO_SELF_SIGNED_CERT\)\. Fix: .*--ca-file/);
});

test("a registry whose realm is Keycloak's docker-v2 endpoint: it takes only Keycloak passwords", async () => {
  let origin = '';
  const keycloakLike = await listen(
    createServer((request, response) => {
      // What Keycloak's docker-v2 protocol puts in front of a registry: Distribution's token auth, realm at Keycloak.
      if (request.url === '/v2/')
        response.writeHead(401, { 'www-authenticate': `Bearer realm="${origin}/realms/demo/protocol/docker-v2/auth",service="docker-registry"` });
      else response.writeHead(404);
      response.end();
    }),
  );
  origin = `http://${keycloakLike}`;
  const result = await doctor([keycloakLike], await settingsWith('keycloak', keycloakLike, { issuer: idp.issuer }));
  assert.equal(result.code, 1, result.stdout);
  assert.match(line(result.stdout, 'registry'), /^failed .*Keycloak.*docker-v2.*Fix: /i);
});

test('a clock 10 minutes off the provider: said, with the fix', async () => {
  let origin = '';
  const skewed = await listen(
    createServer((request, response) => {
      // A provider double whose Date header runs 10 minutes ahead of this machine.
      const headers = { 'content-type': 'application/json', date: new Date(Date.now() + 10 * 60_000).toUTCString() };
      if (request.url === '/.well-known/openid-configuration')
        response.writeHead(200, headers).end(JSON.stringify({ issuer: origin, token_endpoint: `${origin}/token` }));
      else response.writeHead(404, headers).end();
    }),
  );
  origin = `http://${skewed}`;
  const result = await doctor(['skewed.example'], await settingsWith('skewed', 'skewed.example', { issuer: origin }));
  assert.equal(result.code, 1);
  assert.match(line(result.stdout, 'clock'), /^failed .*this machine's clock is 10 min behind .*Fix: set the clock right/);
});

test("a pipeline grant: whether the CI platform's token source is here, never a token asked for", async () => {
  const pipeline = await settingsWith('pipeline', 'ci.example', { issuer: idp.issuer, grant: 'token-exchange', ciToken: 'github-actions', store: 'none' });
  const missing = await doctor(['ci.example'], pipeline);
  assert.equal(missing.code, 1, missing.stdout);
  assert.match(
    line(missing.stdout, 'pipeline credential'),
    /^failed .*ACTIONS_ID_TOKEN_REQUEST_URL and ACTIONS_ID_TOKEN_REQUEST_TOKEN are not set\. Fix: give the job "permissions: id-token: write"/,
  );
  // The job has the permission: the variables are there (the request URL is never called).
  const present = await doctor(['ci.example'], {
    ...pipeline,
    ACTIONS_ID_TOKEN_REQUEST_URL: 'https://127.0.0.1:9/never-called',
    ACTIONS_ID_TOKEN_REQUEST_TOKEN: 'request-bearer',
  });
  assert.match(line(present.stdout, 'pipeline credential'), /^ok .*--grant token-exchange: the CI token comes from GitHub Actions/);
  assert.ok(!present.stdout.includes('request-bearer'));
});

test('a locked collection: said "locked", exit 1', async () => {
  await world.keyring.lock();
  const result = await doctor([registry.host]);
  assert.equal(result.code, 1, result.stdout);
  assert.match(line(result.stdout, 'Secret Service'), /^failed {2}Secret Service: present, but its collection is locked.*Fix: unlock it/);
});
