// Kubernetes pulls, end to end through the built binary: the kubelet's exec credential provider
// (every API version, with and without a pod's service-account token), and pull secrets and
// config.json exports for tools that cannot run a helper. Every credential is proved by a real
// pull: skopeo with it, from a token-auth Distribution registry behind oidc-provider.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { assertBuilt, helperBinary, loginBinary, run, runHelper } from '../support/helperBinary.js';
import { startRegistry, type TestRegistry } from '../support/registry.js';
import { makeOciImage } from '../support/ociImage.js';
import { PIPELINE_CLIENTS, startIdp, type Idp, robotLoginArgs } from '../support/idp.js';
import { startTokenServer, type TokenServer } from '../support/tokenServer.js';
import { startCiIssuer, type CiIssuer } from '../support/ciIssuer.js';

/** The audience the kubelet asks the pod's token for (tokenAttributes.serviceAccountTokenAudience). */
const KUBE_AUDIENCE = 'registry-kubelet';
const ACCESS_TOKEN_TTL = 120;
const API = 'credentialprovider.kubelet.k8s.io';

let kube: CiIssuer;
let idp: Idp;
let tokenServer: TokenServer;
let nodeRegistry: TestRegistry;
let podRegistry: TestRegistry;
let home: string;
let env: NodeJS.ProcessEnv;
let image: string;

const request = (apiVersion: string, imageRef: string, extra: Record<string, unknown> = {}) =>
  JSON.stringify({ kind: 'CredentialProviderRequest', apiVersion, image: imageRef, ...extra });

async function provide(input: string) {
  return runHelper(['kubelet-credential-provider'], { env, input });
}

/** Go's time.ParseDuration for what we emit: h, m, s. */
function parseGoDuration(text: string): number {
  const match = /^(?:(\d+)h)?(?:(\d+)m)?(?:(\d+)s)$/.exec(text);
  assert.ok(match, `${text} is a Go duration`);
  return Number(match[1] ?? 0) * 3600 + Number(match[2] ?? 0) * 60 + Number(match[3] ?? 0);
}

async function pullWith(args: string[], host: string) {
  const pulled = await run(
    'skopeo',
    ['copy', ...args, '--src-tls-verify=false', `docker://${host}/team/app:v1`, `oci:${await mkdtemp(join(home, 'pulled-'))}:v1`],
    { env },
  );
  assert.equal(pulled.code, 0, pulled.stderr);
}

before(async () => {
  assertBuilt();
  kube = await startCiIssuer({ ttl: 600 });
  idp = await startIdp({ accessTokenTtl: ACCESS_TOKEN_TTL, ciTrust: { verify: (token) => kube.verify(token, KUBE_AUDIENCE) } });
  tokenServer = await startTokenServer({ idp });
  const tokenAuth = tokenServer.registryAuth;
  nodeRegistry = await startRegistry(tokenAuth);
  podRegistry = await startRegistry(tokenAuth);
  home = await mkdtemp(join(tmpdir(), 'dco-kube-'));
  const secretFile = join(home, 'node-secret');
  await writeFile(secretFile, idp.pipeline.clientSecret, { mode: 0o600 });
  // A node: no D-Bus, no keychain; the kubelet's env names the settings file.
  env = { PATH: `${dirname(helperBinary)}:${process.env.PATH}`, HOME: home, DOCKER_CREDENTIAL_OIDC_CONFIG: join(home, 'kubelet', 'config.json') };
  const node = await run(loginBinary, [nodeRegistry.host, ...robotLoginArgs(idp, secretFile), '--store', 'none'], { env });
  assert.equal(node.code, 0, node.stderr);
  const pod = await run(
    loginBinary,
    [
      podRegistry.host,
      '--issuer',
      idp.issuer,
      '--client-id',
      PIPELINE_CLIENTS.exchange,
      '--resource',
      idp.resource,
      '--grant',
      'token-exchange',
      '--ci-token',
      'kubelet',
    ],
    { env },
  );
  assert.equal(pod.code, 0, pod.stderr);
  assert.match(pod.stderr, /Configured .* for the kubelet credential provider/);
  image = await makeOciImage(await mkdtemp(join(home, 'img-')));
  // Put an image in both registries, with credentials the provider hands out.
  for (const [host, extra] of [
    [nodeRegistry.host, {}],
    [podRegistry.host, { serviceAccountToken: kube.mint({ aud: KUBE_AUDIENCE }) }],
  ] as const) {
    const answer = await provide(request(`${API}/v1`, `${host}/team/app:v1`, extra));
    assert.equal(answer.code, 0, answer.stderr);
    const { username, password } = JSON.parse(answer.stdout).auth[host];
    const push = await run('skopeo', ['copy', '--dest-creds', `${username}:${password}`, '--dest-tls-verify=false', image, `docker://${host}/team/app:v1`], {
      env,
    });
    assert.equal(push.code, 0, push.stderr);
  }
});

after(async () => {
  await Promise.all([nodeRegistry?.stop(), podRegistry?.stop(), tokenServer?.stop(), idp?.stop(), kube?.stop()]);
  await rm(home, { recursive: true, force: true });
});

for (const version of ['v1', 'v1beta1', 'v1alpha1']) {
  test(`kubelet ${version}: the response echoes the API version, its cacheDuration ends before the token, and the credential pulls`, async () => {
    const started = Math.floor(Date.now() / 1000);
    const result = await provide(request(`${API}/${version}`, `${nodeRegistry.host}/team/app:v1`));
    assert.equal(result.code, 0, result.stderr);
    assert.equal(result.stderr, '');
    const answer = JSON.parse(result.stdout);
    assert.deepEqual(
      [answer.kind, answer.apiVersion, answer.cacheKeyType, Object.keys(answer.auth)],
      ['CredentialProviderResponse', `${API}/${version}`, 'Registry', [nodeRegistry.host]],
    );
    const cache = parseGoDuration(answer.cacheDuration);
    // 120 s tokens, a 12 s margin: the kubelet stops using it before it expires.
    assert.ok(cache >= ACCESS_TOKEN_TTL - 12 - 3 && cache <= ACCESS_TOKEN_TTL - 12, `cacheDuration ${answer.cacheDuration}`);
    const { username, password } = answer.auth[nodeRegistry.host];
    assert.ok(Math.floor(Date.now() / 1000) - started < 10);
    await pullWith(['--src-creds', `${username}:${password}`], nodeRegistry.host);
  });
}

test("a pod's service-account token is exchanged at the provider (RFC 8693), and the result pulls", async () => {
  const before = idp.stats.tokenRequests['token-exchange'] ?? 0;
  const result = await provide(
    request(`${API}/v1`, `${podRegistry.host}/team/app:v1`, { serviceAccountToken: kube.mint({ aud: KUBE_AUDIENCE, sub: 'system:serviceaccount:shop:web' }) }),
  );
  assert.equal(result.code, 0, result.stderr);
  assert.equal((idp.stats.tokenRequests['token-exchange'] ?? 0) - before, 1);
  const { username, password } = JSON.parse(result.stdout).auth[podRegistry.host];
  await pullWith(['--src-creds', `${username}:${password}`], podRegistry.host);
});

test('a service-account token for another audience, or expired, is refused: exit 1 and the reason', async () => {
  for (const token of [kube.mint({ aud: 'https://kubernetes.default.svc' }), kube.mint({ aud: KUBE_AUDIENCE, ttl: -30 })]) {
    const result = await provide(request(`${API}/v1`, `${podRegistry.host}/team/app:v1`, { serviceAccountToken: token }));
    assert.equal(result.code, 1);
    assert.equal(result.stdout, '');
    assert.match(result.stderr, /\(invalid_grant\): it did not accept the CI token from the pod's service account/);
  }
  const none = await provide(request(`${API}/v1`, `${podRegistry.host}/team/app:v1`));
  assert.equal(none.code, 1);
  assert.match(none.stderr, /the kubelet sent no service-account token/);
});

test('bad input: one line on stderr, exit 1, nothing on stdout', async () => {
  const cases: Array<[string | Buffer, RegExp]> = [
    ['{"apiVersion": ', /stdin is not JSON/],
    [JSON.stringify({ kind: 'CredentialProviderRequest', apiVersion: `${API}/v1` }), /no "image"/],
    [request(`${API}/v9`, `${nodeRegistry.host}/a`), /apiVersion "credentialprovider.kubelet.k8s.io\/v9" is not one of/],
    [Buffer.alloc(10 * 1024 * 1024, 0x20), /larger than 1048576 bytes/],
    [request(`${API}/v1`, 'nginx:1.27'), /Docker Hub/],
    [request(`${API}/v1`, 'unknown.example/app'), /unknown.example is not configured in/],
  ];
  for (const [input, message] of cases) {
    const result = await provide(typeof input === 'string' ? input : input.toString());
    assert.equal(result.code, 1, result.stdout);
    assert.equal(result.stdout, '');
    assert.match(result.stderr, message);
    assert.equal(result.stderr.trim().split('\n').length, 1);
  }
});

test('pull-secret: refused for short-lived credentials with the reason; otherwise a Secret whose .dockerconfigjson pulls', async () => {
  const refused = await runHelper(['pull-secret', nodeRegistry.host], { env });
  assert.equal(refused.code, 1);
  assert.match(refused.stderr, /expire soon \(127\.0\.0\.1:\d+ in \d+ min\).*kubelet-credential-provider.*--allow-short-lived/);
  assert.equal(refused.stdout, '');

  for (const format of ['yaml', 'json']) {
    const made = await runHelper(['pull-secret', nodeRegistry.host, '--allow-short-lived', '--name', 'app-pull', '--namespace', 'shop', '-o', format], { env });
    assert.equal(made.code, 0, made.stderr);
    const secret = format === 'json' ? JSON.parse(made.stdout) : parseYaml(made.stdout);
    assert.deepEqual(
      [secret.apiVersion, secret.kind, secret.type, secret.metadata.name, secret.metadata.namespace],
      ['v1', 'Secret', 'kubernetes.io/dockerconfigjson', 'app-pull', 'shop'],
    );
    assert.ok(Date.parse(secret.metadata.annotations['docker-credential-oidc/expires-at']) > Date.now());
    const authFile = join(home, `pull-secret-${format}.json`);
    await writeFile(authFile, Buffer.from(secret.data['.dockerconfigjson'], 'base64'));
    await pullWith(['--authfile', authFile], nodeRegistry.host);
  }
});

test('export-config prints a config.json with inline auths that skopeo (like kaniko) pulls with', async () => {
  const exported = await runHelper(['export-config', nodeRegistry.host], { env });
  assert.equal(exported.code, 0, exported.stderr);
  const config = JSON.parse(exported.stdout);
  const entry = config.auths[nodeRegistry.host];
  assert.equal(Buffer.from(entry.auth, 'base64').toString(), `${entry.username}:${entry.password}`);
  const authFile = join(home, 'exported.json');
  await writeFile(authFile, exported.stdout);
  await pullWith(['--authfile', authFile], nodeRegistry.host);
});
