// The kubelet image credential provider: for the image of a pod about to start, the credential of
// its registry, obtained by the registry's pipeline grant (a node's client credentials or federated
// token file, or the pod's own service-account token exchanged at the provider). Nothing is read
// from or written to a keychain (a node has none); the kubelet caches the answer for cacheDuration.
import type { Deps } from './deps.js';
import { HelperError, signInAgain } from '../errors.js';
import { isPipelineGrant } from '../model.js';
import { parseRequest, registryHostOf, response, type CredentialProviderResponse } from '../kubelet/credentialProviderApi.js';
import { parseServerUrl } from '../protocol/registryAddress.js';
import { ItemStore } from '../store/itemStore.js';
import { NoStore } from '../store/noStore.js';
import { findConfiguredRegistry } from './configuredRegistry.js';
import { deriveCredential } from './deriveCredential.js';
import { emptySession } from './renewCredential.js';

/**
 * How long before the credential's expiry the kubelet must stop using it: a tenth of its lifetime,
 * between 10 s and 5 min (an image pull takes a while after the credential is handed out).
 */
export function cacheSecondsFor(credential: { issuedAt: number; expiresAt: number }, nowS: number): number {
  const lifetime = credential.expiresAt - credential.issuedAt;
  const margin = Math.min(300, Math.max(10, Math.floor(lifetime / 10)));
  return Math.max(1, credential.expiresAt - nowS - margin);
}

export async function provideForKubelet(deps: Deps, input: string): Promise<CredentialProviderResponse> {
  const request = parseRequest(input);
  const host = registryHostOf(request.image);
  const registry = await findConfiguredRegistry(deps, parseServerUrl(host).key);
  if (!registry) {
    throw new HelperError(
      'not-configured',
      `${host} is not configured in ${deps.settings.path}: ${signInAgain(`${host} --grant client-credentials|token-exchange|jwt-bearer ...`)} with DOCKER_CREDENTIAL_OIDC_CONFIG set to it`,
    );
  }
  const { entry } = registry;
  if (!isPipelineGrant(entry.grant)) {
    throw new HelperError(
      'not-configured',
      `${host} signs a person in (--grant ${entry.grant ?? 'auto'}), and a kubelet has nobody to ask: configure it with --grant client-credentials, token-exchange or jwt-bearer`,
    );
  }
  if (entry.ciToken === 'kubelet' && !request.serviceAccountToken) {
    throw new HelperError(
      'not-configured',
      `the kubelet sent no service-account token for ${request.image}: add tokenAttributes (serviceAccountTokenAudience) to this provider's entry in the CredentialProviderConfig`,
    );
  }
  const requestDeps: Deps = {
    ...deps,
    items: new ItemStore(new NoStore()),
  };
  const { credential } = await deriveCredential(requestDeps, registry, emptySession(entry, deps.nowS()), request.serviceAccountToken);
  return response(request.apiVersion, host, { username: credential.username, password: credential.secret }, cacheSecondsFor(credential, deps.nowS()));
}
