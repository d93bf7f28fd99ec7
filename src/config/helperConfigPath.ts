// Where our settings file lives, and the cheap look-up the hot path needs ("is this registry
// signed in with OIDC?") without loading the schema validator. Full validation is in helperConfigFile.
import { readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';

export function helperConfigPath(env: NodeJS.ProcessEnv): string {
  if (env.DOCKER_CREDENTIAL_OIDC_CONFIG) return env.DOCKER_CREDENTIAL_OIDC_CONFIG;
  const base = env.XDG_CONFIG_HOME || join(homedir(), '.config');
  return join(base, 'docker-credential-oidc', 'config.json');
}

export interface ConfiguredRegistry {
  serverURL: string;
  issuer: string;
  clientId: string;
  mode: string;
}

/** Registry key → its OIDC binding; empty when the file is missing or unreadable (validated elsewhere). */
export function configuredRegistries(path: string): Record<string, ConfiguredRegistry> {
  try {
    const parsed = JSON.parse(readFileSync(path, 'utf8')) as { registries?: Record<string, ConfiguredRegistry> };
    return parsed && typeof parsed.registries === 'object' && parsed.registries ? parsed.registries : {};
  } catch {
    return {};
  }
}
