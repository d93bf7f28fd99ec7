// The setting most end-to-end tests share: a private Secret Service and a throw-away HOME whose
// config and cache dirs the helper uses, plus small helpers to look into the keyring.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startKeyring, type TestKeyring } from './keyring.js';
import { assertBuilt, run } from './helperBinary.js';

export interface KeyringWorld {
  keyring: TestKeyring;
  home: string;
  /** Environment for the helper: the keyring's bus, HOME and the XDG dirs under it. */
  env: NodeJS.ProcessEnv;
  stop(): Promise<void>;
}

export async function startKeyringWorld(name: string): Promise<KeyringWorld> {
  assertBuilt();
  const keyring = await startKeyring();
  const home = await mkdtemp(join(tmpdir(), `dco-${name}-`));
  const env = { ...keyring.env, HOME: home, XDG_CONFIG_HOME: join(home, '.config'), XDG_CACHE_HOME: join(home, '.cache') };
  return {
    keyring,
    home,
    env,
    async stop() {
      await keyring.stop();
      await rm(home, { recursive: true, force: true });
    },
  };
}

/** What docker writes to `store`. */
export const storeInput = (server: string, user: string, secret: string) => JSON.stringify({ ServerURL: server, Username: user, Secret: secret });

/** Number of Secret Service items whose attributes match, e.g. ('service', 'docker-credential-oidc'). */
export async function countItems(keyring: TestKeyring, ...attributes: string[]): Promise<number> {
  const { stdout } = await run('secret-tool', ['search', '--all', ...attributes], { env: keyring.env });
  return (stdout.match(/^\[\//gm) ?? []).length;
}
