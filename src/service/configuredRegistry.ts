// One configured registry as the use cases see it, worked out once from its settings entry: the
// keychain account of its credential and of its sign-in, its host[:port] for messages, the store its
// items live in, and the provider endpoints saved for it. A use case resolves it at its start and
// passes it down, instead of re-parsing the server URL and recomputing the session key at each step.
import type { Deps } from './deps.js';
import { lookup } from '../config/ownKeys.js';
import { sessionKeyOf, storeOfRegistry, type HelperSettings, type ProviderMetadata, type RegistryEntry, type StoreName } from '../model.js';
import { hostWithPort, parseServerUrl } from '../protocol/registryAddress.js';

export interface ConfiguredRegistry {
  /** The keychain account of its credential: host[:port][path]. */
  key: string;
  /** host[:port], as messages name the registry. */
  host: string;
  entry: RegistryEntry;
  /** The keychain account of its sign-in, shared by the registries of one issuer and client. */
  sessionKey: string;
  store: StoreName;
  /** The provider's endpoints saved at sign-in, when there are any. */
  endpoints?: ProviderMetadata;
}

export function configuredRegistry(entry: RegistryEntry, settings?: HelperSettings): ConfiguredRegistry {
  const address = parseServerUrl(entry.serverURL);
  const endpoints = settings && lookup(settings.providers, entry.issuer);
  return {
    key: address.key,
    host: hostWithPort(address),
    entry,
    sessionKey: sessionKeyOf(entry),
    store: storeOfRegistry(entry),
    ...(endpoints ? { endpoints } : {}),
  };
}

/** The registry configured under `key` (a keychain account), or undefined when none is. */
export async function findConfiguredRegistry(deps: Pick<Deps, 'settings'>, key: string): Promise<ConfiguredRegistry | undefined> {
  const settings = await deps.settings.read();
  const entry = lookup(settings.registries, key);
  return entry && configuredRegistry(entry, settings);
}
