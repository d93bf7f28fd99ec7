// A provider's endpoints, learnt by OpenID discovery and saved in the settings file so that a
// refresh (or a pipeline's grant) costs one round trip, not two.
import type * as OpenIdClient from 'openid-client';
import type { Deps } from './deps.js';
import { lookup, withKey } from '../config/ownKeys.js';
import type { Fetch, ProviderMetadata, RegistryEntry } from '../model.js';
import { discoverProvider, type ClientCredential } from '../oidc/discovery.js';
import type { ConfiguredRegistry } from './configuredRegistry.js';

/** Discovers the provider now (a sign-in checks it is there) and saves its endpoints. */
export async function discoverAndRemember(
  deps: Deps,
  entry: RegistryEntry,
  registry: string,
  fetch: Fetch,
  credential?: ClientCredential,
): Promise<{ config: OpenIdClient.Configuration; metadata: ProviderMetadata }> {
  const discovered = await discoverProvider(entry, registry, fetch, deps.nowS(), credential);
  await deps.settings.update((s) => ({ ...s, providers: withKey(s.providers, entry.issuer, discovered.metadata) }));
  return discovered;
}

/** Provider endpoints saved at sign-in; discovered (and saved) again only if they are missing. */
export async function providerMetadataFor(deps: Deps, registry: ConfiguredRegistry, fetch: Fetch): Promise<ProviderMetadata> {
  const saved = registry.endpoints ?? lookup((await deps.settings.read()).providers, registry.entry.issuer);
  return saved ?? (await discoverAndRemember(deps, registry.entry, registry.host, fetch)).metadata;
}
