// Validation of our settings file. Loaded only off the hot path (zod is not needed to answer `get`).
import * as z from 'zod/mini';
import type { HelperSettings, ProviderMetadata, RegistryEntry } from '../model.js';
import { REGISTRY_SETTINGS, REGISTRY_SETTING_KEYS, type RegistrySettingSpec, type SettingKind } from './registrySettingsTable.js';
import { recordOf } from './ownKeys.js';

/** A setting's schema from its kind in the settings table. */
function schemaOf(kind: SettingKind): z.ZodMiniType {
  switch (kind.type) {
    case 'text':
      return z.string();
    case 'boolean':
      return z.boolean();
    case 'seconds':
      return z.number();
    case 'choice':
      return z.enum(kind.choices as [string, ...string[]]);
  }
}

const registrySchema = z.object({
  serverURL: z.string(),
  ...Object.fromEntries(
    REGISTRY_SETTING_KEYS.map((key) => {
      const spec: RegistrySettingSpec = REGISTRY_SETTINGS[key];
      return [key, spec.required ? schemaOf(spec.kind) : z.optional(schemaOf(spec.kind))];
    }),
  ),
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
