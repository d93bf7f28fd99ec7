// A person's throw-away HOME for the client tools: docker's config.json using the helper as its
// credential store, a containers auth file whose credHelpers name the registries (skopeo, podman),
// and the environment that points every tool, and the helper, at them and at the keyring.
import { mkdir, mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { helperBinary } from './helperBinary.js';

export interface ClientHome {
  home: string;
  authFile: string;
  env: NodeJS.ProcessEnv;
}

export async function makeClientHome(name: string, keyringEnv: NodeJS.ProcessEnv, registries: string[]): Promise<ClientHome> {
  const home = await mkdtemp(join(tmpdir(), `dco-${name}-`));
  await mkdir(join(home, '.docker'));
  await writeFile(join(home, '.docker', 'config.json'), JSON.stringify({ credsStore: 'oidc' }));
  const authFile = join(home, 'containers-auth.json');
  await writeFile(authFile, JSON.stringify({ credHelpers: Object.fromEntries(registries.map((host) => [host, 'oidc'])) }));
  const env = {
    ...keyringEnv,
    HOME: home,
    DOCKER_CONFIG: join(home, '.docker'),
    XDG_CONFIG_HOME: join(home, '.config'),
    XDG_CACHE_HOME: join(home, '.cache'),
    PATH: `${dirname(helperBinary)}:${process.env.PATH}`,
  };
  return { home, authFile, env };
}
