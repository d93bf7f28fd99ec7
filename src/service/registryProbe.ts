// Asks a registry how it wants to be authenticated, for a registry-login without --mode: its `/v2/`
// challenge names a token realm; when the realm's origin serves `/oauth2/exchange` (Azure Container
// Registry, or our token server in front of a Distribution registry), the exchange mode is best:
// docker and BuildKit then renew their own registry tokens during long builds. A Keycloak
// `docker-v2` realm takes only passwords, which no sign-in of ours can give it: that is said plainly.
import { HelperError } from '../errors.js';
import { isSecureUrl, registryOrigin } from '../oidc/endpointPolicy.js';
import type { Fetch, RegistrySettings } from '../model.js';

export type ProbedSettings = Partial<Pick<RegistrySettings, 'mode' | 'exchangeUrl' | 'registryService'>>;

/** `Bearer realm="...",service="...",scope="..."` → its parameters (RFC 7235 auth-params). */
export function parseBearerChallenge(header: string | null): Record<string, string> | undefined {
  if (!header || !/^\s*bearer\s/i.test(header)) return undefined;
  const params: Record<string, string> = {};
  for (const match of header.replace(/^\s*bearer\s+/i, '').matchAll(/([A-Za-z_][\w-]*)\s*=\s*(?:"((?:[^"\\]|\\.)*)"|([^\s,"]+))/g)) {
    params[match[1].toLowerCase()] = (match[2] ?? match[3] ?? '').replace(/\\(.)/g, '$1').slice(0, 2048);
  }
  return params;
}

export function keycloakDockerRealm(registry: string, realm: string): HelperError {
  return new HelperError(
    'not-configured',
    `${registry} sends docker to Keycloak's docker-v2 endpoint (${realm}), which accepts only a Keycloak password, never an OIDC token (so no MFA): keep the password in the keychain with "docker login ${registry}", or deploy "docker-credential-oidc token-server" as the registry's auth.token.realm`,
  );
}

/** The exchange mode when the registry offers it; nothing when it does not or cannot be asked. */
export async function probeRegistry(registryHost: string, fetch: Fetch): Promise<ProbedSettings> {
  let challenge: Record<string, string> | undefined;
  try {
    const response = await fetch(`${registryOrigin(registryHost)}/v2/`, { method: 'GET', signal: AbortSignal.timeout(10_000) });
    void response.body?.cancel();
    challenge = parseBearerChallenge(response.headers.get('www-authenticate'));
  } catch {
    return {}; // unreachable now: the person's flags (or the default) decide, as before
  }
  if (!challenge?.realm) return {};
  let realm: URL;
  try {
    realm = new URL(challenge.realm);
  } catch {
    return {};
  }
  if (/\/protocol\/docker-v2\/auth\/?$/.test(realm.pathname)) throw keycloakDockerRealm(registryHost, realm.href);
  if (!isSecureUrl(realm)) return {};
  const exchangeUrl = new URL('/oauth2/exchange', realm.origin).href;
  try {
    // The access_token grant without a token: a server that has the exchange refuses the request
    // itself (invalid_request, 400/401); one that has not answers 404/405, or refuses the grant
    // type (a token server that only knows the Distribution grants answers unsupported_grant_type).
    const response = await fetch(exchangeUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' },
      body: new URLSearchParams({ grant_type: 'access_token', service: challenge.service ?? registryHost }),
      signal: AbortSignal.timeout(10_000),
    });
    if (response.status !== 400 && response.status !== 401) {
      void response.body?.cancel();
      return {};
    }
    const answer = (await response.json().catch(() => undefined)) as { error?: unknown } | undefined;
    if (!answer || answer.error === 'unsupported_grant_type') return {};
  } catch {
    return {};
  }
  const probed: ProbedSettings = { mode: 'acr', exchangeUrl };
  const host = registryHost.toLowerCase();
  if (challenge.service && challenge.service.toLowerCase() !== host) probed.registryService = challenge.service;
  if (new URL(exchangeUrl).host.toLowerCase() === host) delete probed.exchangeUrl; // ACR: the default
  return probed;
}
