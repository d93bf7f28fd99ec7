// Where our files live: the platform's own directories (src/runtime/platform.ts), named by what they hold.
// Settings are never secret; the cache holds the keychain addon; locks live in the runtime dir.
import { APP, homedir, pathsOf, userDirectories } from './platform.js';

/** Our settings file; DOCKER_CREDENTIAL_OIDC_CONFIG names another (the kubelet's, a CI job's). */
export function settingsPath(env: NodeJS.ProcessEnv, platform: NodeJS.Platform = process.platform): string {
  if (env.DOCKER_CREDENTIAL_OIDC_CONFIG) return env.DOCKER_CREDENTIAL_OIDC_CONFIG;
  return pathsOf(platform).join(userDirectories(env, platform).settings, 'config.json');
}

export function cacheDirectory(env: NodeJS.ProcessEnv, platform: NodeJS.Platform = process.platform): string {
  return userDirectories(env, platform).cache;
}

/**
 * The kernel cache's generation tag (store/kernelCache/generation.ts): under the home directory, not
 * XDG_CACHE_HOME, because every writer of the keychain must find the same tag, and a process with
 * its own XDG_CACHE_HOME (a CI step, a tool's wrapper) still writes the person's keychain. Not in the
 * kernel keyring: that is one per uid, shared by every home and keychain of the user (containers
 * with their own home, test worlds), so each write anywhere would end every cached answer.
 */
export function keychainGenerationPath(env: NodeJS.ProcessEnv, platform: NodeJS.Platform = process.platform): string {
  return pathsOf(platform).join(homedir(env, platform), '.cache', APP, 'keychain-generation');
}

/** Logs (the debug trace): the platform's place for them (src/runtime/platform.ts). */
export function stateDirectory(env: NodeJS.ProcessEnv, platform: NodeJS.Platform = process.platform): string {
  return userDirectories(env, platform).state;
}

/** XDG_RUNTIME_DIR is a per-user tmpfs private to the user; it is not always there (cron, sudo -u). */
export function runtimeDirectory(env: NodeJS.ProcessEnv, platform: NodeJS.Platform = process.platform): string | undefined {
  return userDirectories(env, platform).runtime;
}

/** Per-user lock files: the runtime dir when there is one, else the cache dir. */
export function lockDirectory(env: NodeJS.ProcessEnv, platform: NodeJS.Platform = process.platform): string {
  const directories = userDirectories(env, platform);
  return pathsOf(platform).join(directories.runtime ?? directories.cache, 'locks');
}

/** docker's config.json ($DOCKER_CONFIG, else ~/.docker). */
export function dockerConfigPath(env: NodeJS.ProcessEnv, platform: NodeJS.Platform = process.platform): string {
  return pathsOf(platform).join(userDirectories(env, platform).docker, 'config.json');
}
