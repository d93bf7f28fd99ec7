// The headline journey on a real Docker engine (dockerd 20.10 from Debian, started privately by
// test/support/dockerEngine.ts): docker login validated by the daemon, then after registry-login
// docker pull, tag + push, BuildKit builds FROM a private image with a registry cache, the legacy
// builder, a push after the provider's access token expired, and docker logout. Every credential
// comes from our helper, through credsStore and through credHelpers.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { startDockerEngine, type DockerEngine } from '../support/dockerEngine.js';
import { assertBuilt, helperBinary, run, type RunResult } from '../support/helperBinary.js';
import { startIdp, type Idp, personLoginArgs } from '../support/idp.js';
import { makeOciImage } from '../support/ociImage.js';
import { startRegistry, type TestRegistry } from '../support/registry.js';
import { signIn } from '../support/signIn.js';
import { startTokenServer, type TokenServer } from '../support/tokenServer.js';
import { startKeyringWorld, type KeyringWorld } from '../support/world.js';

const ACCESS_TOKEN_TTL = 8;
/** Debian's 20.10 CLI drives the engine's BuildKit without the buildx plugin the 28 CLI would need. */
const DOCKER_20_CLI = '/usr/bin/docker';

let world: KeyringWorld;
let engine: DockerEngine;
let idp: Idp;
let tokenServer: TokenServer;
let ssoRegistry: TestRegistry;
let passwordRegistry: TestRegistry;
let work: string;
/** One environment per way of pointing docker at the helper. */
const clients: Record<'credsStore' | 'credHelpers', NodeJS.ProcessEnv> = { credsStore: {}, credHelpers: {} };

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function docker(args: string[], env: NodeJS.ProcessEnv, options: { input?: string; cli?: string; extraEnv?: NodeJS.ProcessEnv } = {}): Promise<RunResult> {
  return run(options.cli ?? 'docker', args, {
    env: { ...env, ...options.extraEnv },
    timeoutMs: 180_000,
    ...(options.input !== undefined ? { input: options.input } : {}),
  });
}

function ok(result: RunResult, what: string): RunResult {
  assert.equal(result.code, 0, `${what}: ${result.stdout}\n${result.stderr}`);
  return result;
}

before(async () => {
  assertBuilt();
  engine = await startDockerEngine();
  world = await startKeyringWorld('docker-engine');
  idp = await startIdp({ accessTokenTtl: ACCESS_TOKEN_TTL });
  tokenServer = await startTokenServer({ idp });
  ssoRegistry = await startRegistry(tokenServer.registryAuth);
  passwordRegistry = await startRegistry({ kind: 'htpasswd', users: { robot: 'robot-password' } });
  work = await mkdtemp(join(tmpdir(), 'dco-engine-'));
  for (const [name, config] of [
    ['credsStore', { credsStore: 'oidc' }],
    ['credHelpers', { credHelpers: { [ssoRegistry.host]: 'oidc', [passwordRegistry.host]: 'oidc' } }],
  ] as const) {
    const dir = join(work, name);
    await mkdir(dir);
    await writeFile(join(dir, 'config.json'), JSON.stringify(config));
    clients[name] = { ...world.env, DOCKER_CONFIG: dir, DOCKER_HOST: engine.host, PATH: `${dirname(helperBinary)}:${process.env.PATH}` };
  }
});

after(async () => {
  await Promise.all([ssoRegistry?.stop(), passwordRegistry?.stop(), tokenServer?.stop(), idp?.stop()]);
  await engine?.stop();
  await world?.stop();
  await rm(work, { recursive: true, force: true });
});

test('docker login -u robot --password-stdin is validated by the daemon and kept only in the keychain', async () => {
  const env = clients.credsStore;
  const login = ok(await docker(['login', passwordRegistry.host, '-u', 'robot', '--password-stdin'], env, { input: 'robot-password' }), 'docker login');
  assert.match(login.stdout, /Login Succeeded/);
  const config = await readFile(join(env.DOCKER_CONFIG!, 'config.json'), 'utf8');
  assert.ok(!config.includes('robot-password') && !config.includes(Buffer.from('robot:robot-password').toString('base64')));
  const wrong = await docker(['login', passwordRegistry.host, '-u', 'robot', '--password-stdin'], env, { input: 'not-the-password' });
  assert.notEqual(wrong.code, 0, 'the daemon checked the password against the registry');
});

test('after registry-login: docker pull, tag and push through the helper (credsStore and credHelpers)', async () => {
  const login = await signIn(idp, ssoRegistry.host, [...personLoginArgs(idp), '--no-browser'], clients.credsStore);
  assert.equal(login.code, 0, login.stderr);
  // The base image reaches the registry with skopeo (no image can come from the internet here).
  const authFile = join(clients.credHelpers.DOCKER_CONFIG!, 'config.json');
  const image = await makeOciImage(await mkdtemp(join(work, 'img-')));
  ok(
    await run('skopeo', ['copy', '--authfile', authFile, '--dest-tls-verify=false', image, `docker://${ssoRegistry.host}/team/base:1`], {
      env: clients.credHelpers,
    }),
    'seed with skopeo',
  );

  for (const [name, env] of Object.entries(clients)) {
    ok(await docker(['pull', `${ssoRegistry.host}/team/base:1`], env), `docker pull (${name})`);
    ok(await docker(['tag', `${ssoRegistry.host}/team/base:1`, `${ssoRegistry.host}/team/app-${name.toLowerCase()}:2`], env), 'docker tag');
    ok(await docker(['push', `${ssoRegistry.host}/team/app-${name.toLowerCase()}:2`], env), `docker push (${name})`);
    ok(await docker(['rmi', `${ssoRegistry.host}/team/app-${name.toLowerCase()}:2`], env), 'docker rmi');
    ok(await docker(['pull', `${ssoRegistry.host}/team/app-${name.toLowerCase()}:2`], env), `docker pull of the pushed image (${name})`);
  }
  assert.ok(tokenServer.stats.basic > 0);
});

test('BuildKit builds FROM a private image, pushes with an inline cache, and rebuilds --cache-from the registry', async () => {
  const env = clients.credsStore;
  const context = await mkdtemp(join(work, 'ctx-'));
  await writeFile(join(context, 'Dockerfile'), `FROM ${ssoRegistry.host}/team/base:1\nCOPY note.txt /note.txt\n`);
  await writeFile(join(context, 'note.txt'), 'built through docker-credential-oidc\n');
  const tag = `${ssoRegistry.host}/team/built:1`;
  const buildkit = { DOCKER_BUILDKIT: '1' };
  ok(await docker(['rmi', '-f', `${ssoRegistry.host}/team/base:1`], env), 'forget the base image');
  ok(
    await docker(['build', '--progress=plain', '--build-arg', 'BUILDKIT_INLINE_CACHE=1', '-t', tag, context], env, { cli: DOCKER_20_CLI, extraEnv: buildkit }),
    'BuildKit build',
  );
  ok(await docker(['push', tag], env), 'push the build');
  ok(await docker(['rmi', '-f', tag], env), 'forget the build');
  ok(await docker(['builder', 'prune', '-af'], env, { cli: DOCKER_20_CLI }), 'forget the build cache');
  const rebuild = ok(
    await docker(['build', '--progress=plain', '--cache-from', tag, '-t', tag, context], env, { cli: DOCKER_20_CLI, extraEnv: buildkit }),
    'rebuild --cache-from',
  );
  assert.match(rebuild.stdout + rebuild.stderr, new RegExp(`importing cache manifest from ${tag.replace(/[.]/g, '\\.')}`));
  assert.match(rebuild.stdout + rebuild.stderr, /CACHED/);
});

test('the legacy builder (list, then get per registry) builds FROM a private image', async () => {
  const env = clients.credsStore;
  const context = await mkdtemp(join(work, 'legacy-'));
  await writeFile(join(context, 'Dockerfile'), `FROM ${ssoRegistry.host}/team/app-credsstore:2\nCOPY note.txt /legacy.txt\n`);
  await writeFile(join(context, 'note.txt'), 'legacy\n');
  ok(await docker(['rmi', '-f', `${ssoRegistry.host}/team/app-credsstore:2`], env), 'forget the base image');
  ok(await docker(['build', '--pull', '-t', 'legacy:1', context], env, { cli: DOCKER_20_CLI, extraEnv: { DOCKER_BUILDKIT: '0' } }), 'legacy build');
});

test("a push after the provider's access token expired renews it on the way (the renewal under a real client)", async () => {
  const env = clients.credHelpers;
  const before = idp.stats.tokenRequests.refresh_token ?? 0;
  await sleep((ACCESS_TOKEN_TTL + 1) * 1000);
  ok(await docker(['tag', 'legacy:1', `${ssoRegistry.host}/team/late:1`], env), 'docker tag of the legacy build');
  ok(await docker(['push', `${ssoRegistry.host}/team/late:1`], env), 'push after expiry');
  assert.ok((idp.stats.tokenRequests.refresh_token ?? 0) > before, 'the token was refreshed');
  assert.equal(idp.stats.tokenRequests.refresh_token_error ?? 0, 0);
});

test('docker logout revokes the sign-in; a later pull shows our one-line advice', async () => {
  const env = clients.credsStore;
  const revocations = idp.stats.revocations;
  ok(await docker(['logout', ssoRegistry.host], env), 'docker logout');
  assert.equal(idp.stats.revocations, revocations + 1, 'the refresh token was revoked at the provider');
  ok(await docker(['rmi', '-f', `${ssoRegistry.host}/team/base:1`], env), 'forget the image');
  const pull = await docker(['pull', `${ssoRegistry.host}/team/base:1`], env);
  assert.notEqual(pull.code, 0);
  assert.match(
    pull.stderr,
    new RegExp(`not signed in to ${ssoRegistry.host.replace(/[.]/g, '\\.')}: run "registry-login ${ssoRegistry.host.replace(/[.]/g, '\\.')}"`),
  );
});

test('the same journey after a browser sign-in: docker pull and push', async () => {
  const env = clients.credHelpers;
  // Signed out above; now the browser flow, with the test playing the person at the provider.
  const log = join(work, 'browser-url');
  const launcher = join(work, 'browser.sh');
  await writeFile(launcher, `#!/bin/sh\nprintf "%s" "$1" > '${log}'\n`, { mode: 0o755 });
  const login = run(join(dirname(helperBinary), 'registry-login'), [ssoRegistry.host, '--flow', 'browser'], {
    env: { ...env, BROWSER: launcher, DOCKER_CREDENTIAL_OIDC_NO_BROWSER: 'false' },
    timeoutMs: 60_000,
  });
  let url = '';
  for (let i = 0; i < 200 && !url; i++) {
    url = await readFile(log, 'utf8').catch(() => '');
    if (!url) await sleep(50);
  }
  if (!url) assert.fail(`the helper opened no browser: ${JSON.stringify(await login)}`);
  await idp.signInAtBrowser(url);
  ok(await login, 'registry-login --flow browser');
  ok(await docker(['pull', `${ssoRegistry.host}/team/late:1`], env), 'docker pull after a browser sign-in');
  ok(await docker(['tag', `${ssoRegistry.host}/team/late:1`, `${ssoRegistry.host}/team/browser:1`], env), 'docker tag');
  ok(await docker(['push', `${ssoRegistry.host}/team/browser:1`], env), 'docker push after a browser sign-in');
});
