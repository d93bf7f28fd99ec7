// The token server as a client of a provider (its password grant, its browser sign-in): openid-client
// discovery through the project's HTTP client, with the client's secret read from a file or the
// environment (never from the configuration file itself). A failed discovery is asked again next time.
import { readFileSync } from 'node:fs';
import * as client from 'openid-client';
import type { Fetch } from '../model.js';

export interface ClientSettings {
  clientId: string;
  clientSecretFile?: string | undefined;
  clientSecretEnv?: string | undefined;
}

function secretOf(settings: ClientSettings): string | undefined {
  if (settings.clientSecretFile) return readFileSync(settings.clientSecretFile, 'utf8').trim();
  if (settings.clientSecretEnv) return process.env[settings.clientSecretEnv] ?? '';
  return undefined;
}

/** A lazily discovered Configuration, shared by every request. */
export function providerClient(issuerUrl: string, settings: ClientSettings, fetch: Fetch): () => Promise<client.Configuration> {
  let configuration: Promise<client.Configuration> | undefined;
  return () => {
    if (configuration) return configuration;
    const issuer = new URL(issuerUrl);
    const secret = secretOf(settings);
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
