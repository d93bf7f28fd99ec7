// Validation of our settings file. Loaded only off the hot path (zod is not needed to answer `get`).
import * as z from 'zod/mini';
import { CREDENTIAL_MODES, GRANTS, SECRET_TOKENS, STORES, type HelperSettings, type ProviderMetadata, type RegistryEntry } from '../model.js';
import { recordOf } from './ownKeys.js';

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
  minValidity: z.optional(z.number()),
  grant: z.optional(z.enum(GRANTS)),
  redirectUri: z.optional(z.string()),
  clientSecretFile: z.optional(z.string()),
  clientSecretEnv: z.optional(z.string()),
  privateKeyFile: z.optional(z.string()),
  ciToken: z.optional(z.string()),
  ciTokenAudience: z.optional(z.string()),
  subjectTokenType: z.optional(z.string()),
  store: z.optional(z.enum(STORES)),
  exchangeUrl: z.optional(z.string()),
  registryService: z.optional(z.string()),
});

const providerSchema = z.object({
  issuer: z.string(),
  token_endpoint: z.string(),
  device_authorization_endpoint: z.optional(z.string()),
  revocation_endpoint: z.optional(z.string()),
  jwks_uri: z.optional(z.string()),
  fetchedAt: z.number(),
});

const fileSchema = z.object({
  version: z.literal(1),
  registries: z.record(z.string(), z.unknown()),
  providers: z.record(z.string(), z.unknown()),
});

export function emptySettings(): HelperSettings {
  return { version: 1, registries: recordOf([]), providers: recordOf([]) };
}

/** Validates parsed JSON; returns the problem's place and text, or the settings. */
export function validateSettings(json: unknown): { settings: HelperSettings } | { where: string; problem: string } {
  // zod's record parser assigns keys to a plain object: a registry named __proto__ would become its
  // prototype. Entries are validated one by one into prototype-less records instead.
  const top = fileSchema.safeParse(json);
  if (!top.success) return failure(top.error.issues[0], []);
  const source = json as { registries: Record<string, unknown>; providers: Record<string, unknown> };
  const registries: Array<[string, RegistryEntry]> = [];
  for (const [key, value] of Object.entries(source.registries)) {
    const parsed = registrySchema.safeParse(value);
    if (!parsed.success) return failure(parsed.error.issues[0], ['registries', key]);
    registries.push([key, parsed.data as RegistryEntry]);
  }
  const providers: Array<[string, ProviderMetadata]> = [];
  for (const [key, value] of Object.entries(source.providers)) {
    const parsed = providerSchema.safeParse(value);
    if (!parsed.success) return failure(parsed.error.issues[0], ['providers', key]);
    providers.push([key, parsed.data]);
  }
  return { settings: { version: 1, registries: recordOf(registries), providers: recordOf(providers) } };
}

function failure(issue: { path: PropertyKey[]; message: string } | undefined, prefix: string[]): { where: string; problem: string } {
  const where = [...prefix, ...(issue?.path ?? []).map(String)].join('.') || '(top level)';
  return { where, problem: issue?.message ?? 'unknown problem' };
}
