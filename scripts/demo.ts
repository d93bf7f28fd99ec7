// The newcomer's tour, all on 127.0.0.1 and in a throw-away HOME and keychain: a real OpenID
// provider and a token-auth registry start, install.sh installs the release just built, the person
// signs in with the device code (or --auto-approve does it for them), skopeo pushes and pulls with
// credentials only from the helper, status shows the session, and config.json shows no secret.
import { readFileSync } from 'node:fs';
import { spawn } from 'node:child_process';
import { mkdir, mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { repoRoot, run } from '../test/support/helperBinary.js';
import { startKeyring } from '../test/support/keyring.js';
import { startIdp, personLoginArgs } from '../test/support/idp.js';
import { startTokenServer } from '../test/support/tokenServer.js';
import { startRegistry } from '../test/support/registry.js';
import { serveDirectory } from '../test/support/staticServer.js';
import { makeOciImage } from '../test/support/ociImage.js';
import { startDockerEngine, type DockerEngine } from '../test/support/dockerEngine.js';
import { filesContaining } from '../test/support/secretScan.js';

const autoApprove = process.argv.includes('--auto-approve');
const step = (text: string) => console.log(`\n==> ${text}`);
const show = (text: string) => console.log(text.replace(/^/gm, '    ').trimEnd());

async function must(command: string, args: string[], env: NodeJS.ProcessEnv, input?: string) {
  const result = await run(command, args, { env, ...(input ? { input } : {}) });
  if (result.code !== 0) throw new Error(`${command} ${args.join(' ')} failed (${result.code}): ${result.stderr}${result.stdout}`);
  return result;
}

const cleanups: Array<() => Promise<unknown>> = [];
try {
  step('Starting a throw-away keychain, an OpenID provider and a token-auth registry on 127.0.0.1');
  const keyring = await startKeyring();
  cleanups.push(() => keyring.stop());
  const idp = await startIdp({ accessTokenTtl: 300 });
  cleanups.push(() => idp.stop());
  const tokenServer = await startTokenServer({ idp });
  cleanups.push(() => tokenServer.stop());
  const registry = await startRegistry(tokenServer.registryAuth);
  cleanups.push(() => registry.stop());
  const mirror = await serveDirectory(join(repoRoot, 'dist', 'release'));
  cleanups.push(() => mirror.stop());
  show(`provider ${idp.issuer}\nregistry ${registry.host} (token auth, realm ${tokenServer.realm})\nrelease mirror ${mirror.url}`);

  const home = await mkdtemp(join(tmpdir(), 'dco-demo-'));
  cleanups.push(() => rm(home, { recursive: true, force: true }));
  const prefix = join(home, '.local', 'bin');
  const env: NodeJS.ProcessEnv = {
    ...keyring.env,
    HOME: home,
    DOCKER_CONFIG: join(home, '.docker'),
    XDG_CONFIG_HOME: join(home, '.config'),
    XDG_CACHE_HOME: join(home, '.cache'),
    PATH: `${prefix}:/usr/local/bin:/usr/bin:/bin`,
    DOCKER_CREDENTIAL_OIDC_BASE_URL: mirror.url,
    // demo.sh signed this release with a throw-away key: install.sh checks the signature against it.
    DOCKER_CREDENTIAL_OIDC_RELEASE_KEY: readFileSync(join(repoRoot, 'dist', 'demo-release-key.pub'), 'utf8').trim(),
  };

  step(`curl -fsSL ${mirror.url}/install.sh | sh -s -- --registry ${registry.host}`);
  const installer = await must('sh', ['-c', `curl -fsSL ${mirror.url}/install.sh | sh -s -- --registry ${registry.host}`], env);
  show(installer.stderr);

  step(`registry-login ${registry.host} --issuer ${idp.issuer} --client-id ${idp.clientId} --resource ${idp.resource}`);
  const login = spawn(join(prefix, 'registry-login'), [registry.host, ...personLoginArgs(idp), '--no-browser'], { env, stdio: ['ignore', 'inherit', 'pipe'] });
  let stderr = '';
  let approval: Promise<void> | undefined;
  login.stderr.on('data', (chunk: Buffer) => {
    process.stdout.write(chunk.toString().replace(/^/gm, '    '));
    stderr += chunk.toString();
    const code = /enter the code: (\S+)/.exec(stderr)?.[1];
    if (code && !approval) {
      if (autoApprove) {
        console.log(`    (--auto-approve: signing in as alice at the provider for you)`);
        approval = idp.approve(code);
      } else {
        console.log(`    Open the URL above in a browser on this machine, enter the code, and sign in with any name.`);
        approval = Promise.resolve();
      }
    }
  });
  const loginCode = await new Promise<number | null>((resolve) => login.once('close', resolve));
  await approval;
  if (loginCode !== 0) throw new Error(`registry-login failed with ${loginCode}`);

  // The image comes from nowhere but this machine: skopeo puts a tiny one in the registry first.
  const image = await makeOciImage(await mkdtemp(join(home, 'image-')));
  const base = `${registry.host}/demo/hello:v1`;
  await must('skopeo', ['copy', '--dest-tls-verify=false', image, `docker://${base}`], env);
  let engine: DockerEngine | undefined;
  try {
    engine = await startDockerEngine();
    cleanups.push(() => engine!.stop());
  } catch (error) {
    show(`(no Docker engine could be started here: ${error instanceof Error ? error.message : String(error)}; using skopeo instead)`);
  }
  if (engine) {
    const dockerEnv = { ...env, DOCKER_HOST: engine.host };
    const app = `${registry.host}/demo/app:v2`;
    step(`docker pull ${base}; docker tag ${base} ${app}; docker push ${app}   (a private Docker engine; credentials only from the helper)`);
    show((await must('docker', ['pull', base], dockerEnv)).stdout);
    await must('docker', ['tag', base, app], dockerEnv);
    show((await must('docker', ['push', app], dockerEnv)).stdout);
    await must('docker', ['rmi', app, base], dockerEnv);
    show((await must('docker', ['pull', app], dockerEnv)).stdout);
    show('pushed and pulled with docker');
  } else {
    step(`skopeo copy docker://${base} oci:pulled   (credentials only from the helper)`);
    await mkdir(join(home, 'pulled'));
    await must('skopeo', ['copy', '--src-tls-verify=false', `docker://${base}`, `oci:${join(home, 'pulled')}:v1`], env);
    show('pushed and pulled with skopeo');
  }

  step('docker-credential-oidc status');
  show((await must(join(prefix, 'docker-credential-oidc'), ['status'], env)).stdout);

  step(`cat ${join(home, '.docker', 'config.json')}`);
  show(await readFile(join(home, '.docker', 'config.json'), 'utf8'));
  const session = await must('secret-tool', ['lookup', 'service', 'docker-credential-oidc', 'username', `session:${idp.issuer}#${idp.clientId}`], keyring.env);
  const tokens = JSON.parse(session.stdout) as { refreshToken: string; accessToken: { value: string } };
  const leaks = await filesContaining(home, [tokens.refreshToken, tokens.accessToken.value]);
  if (leaks.length) throw new Error(`secrets found on disk: ${leaks.join(', ')}`);
  show('no token in config.json or anywhere under HOME: they are only in the keychain');
  console.log('\nDemo finished: everything it started is being stopped and removed.');
} catch (error) {
  console.error(`\ndemo failed: ${error instanceof Error ? error.message : String(error)}`);
  process.exitCode = 1;
} finally {
  for (const cleanup of cleanups.reverse()) await cleanup().catch(() => undefined);
}
