// Our own settings file: registries → provider settings, and the provider endpoints learnt by
// discovery (so that a refresh costs one HTTP round trip, not two). Never a secret.
import * as z from 'zod/mini';
import { CREDENTIAL_MODES, SECRET_TOKENS, type RegistrySettings } from './registrySettings.js';

const registrySchema = z.object({
  serverURL: z.string(),
  issuer: z.string(),
  clientId: z.string(),
  scope: z.string(),
  resource: z.optional(z.string()),
  audience: z.optional(z.string()),
  mode: z.enum(CREDENTIAL_MODES),
  username: z.optional(z.string()),
  usernameClaim: z.string(),
  secretToken: z.enum(SECRET_TOKENS),
  caFile: z.optional(z.string()),
  noBrowser: z.optional(z.boolean()),
  tenant: z.optional(z.string()),
});

const providerSchema = z.object({
  issuer: z.string(),
  token_endpoint: z.string(),
  device_authorization_endpoint: z.optional(z.string()),
  revocation_endpoint: z.optional(z.string()),
  jwks_uri: z.optional(z.string()),
  /** Epoch seconds. */
  fetchedAt: z.number(),
});

export const helperConfigSchema = z.object({
  version: z.literal(1),
  registries: z.record(z.string(), registrySchema),
  providers: z.record(z.string(), providerSchema),
});

export type RegistryEntry = RegistrySettings & { serverURL: string };
export type ProviderMetadata = z.infer<typeof providerSchema>;
export type HelperConfig = z.infer<typeof helperConfigSchema>;

export function emptyConfig(): HelperConfig {
  return { version: 1, registries: {}, providers: {} };
}

/** Registries whose tokens come from the given session. */
export function registriesOfSession(config: HelperConfig, issuer: string, clientId: string): string[] {
  return Object.entries(config.registries)
    .filter(([, entry]) => entry.issuer === issuer && entry.clientId === clientId)
    .map(([key]) => key);
}
