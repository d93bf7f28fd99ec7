// openid-client Configurations for a provider: from discovery at sign-in, and from the endpoints we
// saved then for every later refresh (one round trip instead of two). customFetch routes all of it
// through our undici fetch (proxies, private CAs).
import * as client from 'openid-client';
import { HelperError } from '../errors.js';
import type { Fetch, ProviderMetadata, RegistrySettings } from '../model.js';
import { requireSecureUrl } from './endpointPolicy.js';
import { describeProviderError } from './providerErrors.js';
import { withProviderQuirks } from './providerQuirks.js';

function applyTransport(config: client.Configuration, issuer: URL, fetch: Fetch): client.Configuration {
  config[client.customFetch] = fetch;
  if (issuer.protocol === 'http:') client.allowInsecureRequests(config);
  return config;
}

/**
 * How the client authenticates: a public client sends no secret, a client with one (Google's device
 * clients) posts it, a pipeline's client brings its own method (oidc/clientAuth.ts).
 */
export type ClientCredential = string | client.ClientAuth | undefined;

function clientAuthentication(credential: ClientCredential): client.ClientAuth {
  if (typeof credential === 'function') return credential;
  return credential === undefined ? client.None() : client.ClientSecretPost(credential);
}

export async function discoverProvider(
  settings: Pick<RegistrySettings, 'issuer' | 'clientId'>,
  registry: string,
  fetch: Fetch,
  nowS: number,
  clientSecret?: ClientCredential,
): Promise<{ config: client.Configuration; metadata: ProviderMetadata }> {
  const issuer = requireSecureUrl(settings.issuer, 'issuer');
  let config: client.Configuration;
  try {
    config = await client.discovery(issuer, settings.clientId, undefined, clientAuthentication(clientSecret), {
      [client.customFetch]: fetch,
      ...(issuer.protocol === 'http:' ? { execute: [client.allowInsecureRequests] } : {}),
    });
  } catch (error) {
    throw describeProviderError(error, { issuer: settings.issuer, registry, step: 'discovery' });
  }
  const server = config.serverMetadata();
  applyTransport(config, issuer, withProviderQuirks(fetch, server.device_authorization_endpoint));
  if (!server.token_endpoint) throw new HelperError('idp-error', `${settings.issuer} publishes no token endpoint`);
  for (const endpoint of [server.token_endpoint, server.device_authorization_endpoint, server.revocation_endpoint]) {
    if (endpoint) requireSecureUrl(endpoint, 'provider endpoint');
  }
  const metadata: ProviderMetadata = { issuer: server.issuer, token_endpoint: server.token_endpoint, fetchedAt: nowS };
  if (server.device_authorization_endpoint) metadata.device_authorization_endpoint = server.device_authorization_endpoint;
  if (server.revocation_endpoint) metadata.revocation_endpoint = server.revocation_endpoint;
  if (server.jwks_uri) metadata.jwks_uri = server.jwks_uri;
  return { config, metadata };
}

export function providerFromMetadata(metadata: ProviderMetadata, clientId: string, fetch: Fetch, clientSecret?: ClientCredential): client.Configuration {
  const issuer = requireSecureUrl(metadata.issuer, 'issuer');
  const server: client.ServerMetadata = {
    issuer: metadata.issuer,
    token_endpoint: metadata.token_endpoint,
    ...(metadata.revocation_endpoint ? { revocation_endpoint: metadata.revocation_endpoint } : {}),
    ...(metadata.device_authorization_endpoint ? { device_authorization_endpoint: metadata.device_authorization_endpoint } : {}),
    ...(metadata.jwks_uri ? { jwks_uri: metadata.jwks_uri } : {}),
  };
  return applyTransport(
    new client.Configuration(server, clientId, undefined, clientAuthentication(clientSecret)),
    issuer,
    withProviderQuirks(fetch, metadata.device_authorization_endpoint),
  );
}
