// Where our files live: the platform's own directories (src/platform.ts), named by what they hold.
// Settings are never secret; the cache holds the keychain addon; locks live in the runtime dir.
import { pathsOf, userDirectories } from '../platform.js';

/** Our settings file; DOCKER_CREDENTIAL_OIDC_CONFIG names another (the kubelet's, a CI job's). */
export function settingsPath(env: NodeJS.ProcessEnv, platform: NodeJS.Platform = process.platform): string {
  if (env.DOCKER_CREDENTIAL_OIDC_CONFIG) return env.DOCKER_CREDENTIAL_OIDC_CONFIG;
  return pathsOf(platform).join(userDirectories(env, platform).settings, 'config.json');
}

export function cacheDirectory(env: NodeJS.ProcessEnv, platform: NodeJS.Platform = process.platform): string {
  return userDirectories(env, platform).cache;
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
