// The token server as a client of a provider (its password grant, its browser sign-in): openid-client
// discovery through the project's HTTP client, with the client's secret read from a file or the
// environment (never from the configuration file itself) when the server starts, so that a missing
// file stops the start rather than the first sign-in. A failed discovery is asked again next time.
import { readFileSync } from 'node:fs';
import * as client from 'openid-client';
import { HelperError } from '../errors.js';
import type { Fetch } from '../model.js';

export interface ClientSettings {
  clientId: string;
  clientSecretFile?: string | undefined;
  clientSecretEnv?: string | undefined;
}

/** The client's secret, from its file or its environment variable (the server's environment, passed in). */
export function clientSecretOf(settings: ClientSettings, env: NodeJS.ProcessEnv): string | undefined {
  if (settings.clientSecretFile) {
    try {
      return readFileSync(settings.clientSecretFile, 'utf8').trim();
    } catch (error) {
      throw new HelperError(
        'invalid-input',
        `cannot read the client secret of ${settings.clientId} (${settings.clientSecretFile}): ${(error as NodeJS.ErrnoException).code ?? String(error)}`,
      );
    }
  }
  if (settings.clientSecretEnv) return env[settings.clientSecretEnv] ?? '';
  return undefined;
}

/** A lazily discovered Configuration, shared by every request. */
export function providerClient(issuerUrl: string, settings: ClientSettings, fetch: Fetch, env: NodeJS.ProcessEnv): () => Promise<client.Configuration> {
  let configuration: Promise<client.Configuration> | undefined;
  const secret = clientSecretOf(settings, env);
  return () => {
    if (configuration) return configuration;
    const issuer = new URL(issuerUrl);
    configuration = client
      .discovery(issuer, settings.clientId, undefined, secret === undefined ? client.None() : client.ClientSecretBasic(secret), {
        [client.customFetch]: fetch,
        ...(issuer.protocol === 'http:' ? { execute: [client.allowInsecureRequests] } : {}),
      })
      .catch((error: unknown) => {
        configuration = undefined;
        throw error;
      });
    return configuration;
  };
}
