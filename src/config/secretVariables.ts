// Environment variables that hold secrets we were given: a client secret (--client-secret-env), a
// GitLab id_tokens variable (--ci-token gitlab:VAR), and the CI platforms' bearer tokens for their
// OIDC endpoints. Processes we start (the renewer, a browser) get an environment without them; the
// renewer receives the ones it needs over its stdin pipe instead.
import { parseCiTokenSource } from './ciTokenSource.js';

const CI_BEARER_VARIABLES = ['ACTIONS_ID_TOKEN_REQUEST_TOKEN', 'SYSTEM_ACCESSTOKEN'];

export function secretVariableNames(entries: Array<{ clientSecretEnv?: unknown; ciToken?: unknown }>): string[] {
  const names = new Set(CI_BEARER_VARIABLES);
  for (const entry of entries) {
    if (typeof entry.clientSecretEnv === 'string' && entry.clientSecretEnv) names.add(entry.clientSecretEnv);
    if (typeof entry.ciToken === 'string') {
      try {
        const source = parseCiTokenSource(entry.ciToken);
        if (source.kind === 'gitlab') names.add(source.variable);
      } catch {
        // not a source: nothing to hold back
      }
    }
  }
  return [...names];
}

/** The environment without the secret variables, and those variables apart. */
export function splitSecrets(env: NodeJS.ProcessEnv, names: string[]): { env: NodeJS.ProcessEnv; secrets: Record<string, string> } {
  const rest = { ...env };
  const secrets: Record<string, string> = {};
  for (const name of names) {
    const value = rest[name];
    if (value !== undefined) secrets[name] = value;
    delete rest[name];
  }
  return { env: rest, secrets };
}
