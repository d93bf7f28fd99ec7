// Where our files live, in one place (XDG base directories on Linux, the platform's own elsewhere).
// Settings are never secret; the cache holds the keychain addon; locks live in the runtime dir.
import { join } from 'node:path';
import { lazyBuiltin } from '../lazyBuiltin.js';

const APP = 'docker-credential-oidc';

/** $HOME, as os.homedir() answers it when set; node:os (its load is on the hot path) only without it. */
function homedir(env: NodeJS.ProcessEnv): string {
  return env.HOME || lazyBuiltin<typeof import('node:os')>('node:os').homedir();
}

/** Our settings file; DOCKER_CREDENTIAL_OIDC_CONFIG names another (the kubelet's, a CI job's). */
export function settingsPath(env: NodeJS.ProcessEnv): string {
  if (env.DOCKER_CREDENTIAL_OIDC_CONFIG) return env.DOCKER_CREDENTIAL_OIDC_CONFIG;
  return join(env.XDG_CONFIG_HOME || join(homedir(env), '.config'), APP, 'config.json');
}

export function cacheDirectory(env: NodeJS.ProcessEnv, platform: NodeJS.Platform = process.platform): string {
  const base = env.XDG_CACHE_HOME || (platform === 'darwin' ? join(homedir(env), 'Library', 'Caches') : join(homedir(env), '.cache'));
  return join(base, APP);
}

/**
 * The kernel cache's generation tag (store/cacheGeneration.ts): under the home directory, not
 * XDG_CACHE_HOME, because every writer of the keychain must find the same tag, and a process with
 * its own XDG_CACHE_HOME (a CI step, a tool's wrapper) still writes the person's keychain. Not in the
 * kernel keyring: that is one per uid, shared by every home and keychain of the user (containers
 * with their own home, test worlds), so each write anywhere would end every cached answer.
 */
export function keychainGenerationPath(env: NodeJS.ProcessEnv): string {
  return join(homedir(env), '.cache', APP, 'keychain-generation');
}

/** XDG_RUNTIME_DIR is a per-user tmpfs private to the user; it is not always there (cron, sudo -u). */
export function runtimeDirectory(env: NodeJS.ProcessEnv): string | undefined {
  return env.XDG_RUNTIME_DIR ? join(env.XDG_RUNTIME_DIR, APP) : undefined;
}

/** Per-user lock files: the runtime dir when there is one, else the cache dir. */
export function lockDirectory(env: NodeJS.ProcessEnv): string {
  return join(runtimeDirectory(env) ?? cacheDirectory(env), 'locks');
}

/** docker's config.json ($DOCKER_CONFIG, else ~/.docker). */
export function dockerConfigPath(env: NodeJS.ProcessEnv): string {
  return join(env.DOCKER_CONFIG || join(homedir(env), '.docker'), 'config.json');
}
