// A pipeline's sign-in, run by registry-login to check the configuration and by `get` whenever the
// cached token is missing or expiring: no person, no prompt, no refresh token. Each run asks the CI
// platform for a fresh token first (it lives minutes), then makes one token request:
// - client-credentials (RFC 6749 §4.4), the client authenticated by a secret, a private key, or the
//   CI token as a federated client assertion (Entra ID workload identity federation);
// - token-exchange (RFC 8693) with the CI token as the subject token (Keycloak, Okta, Google STS);
// - jwt-bearer (RFC 7523 §2.1) with the CI token as the authorization grant.
import * as client from 'openid-client';
import { HelperError } from '../errors.js';
import { isPipelineGrant, JWT_TOKEN_TYPE, type Fetch, type ProviderMetadata, type RegistrySettings } from '../model.js';
import { fetchCiToken } from './ciToken.js';
import { clientAuthFor } from './clientAuth.js';
import { providerFromMetadata } from './discovery.js';
import { describeProviderError } from './providerErrors.js';
import { audienceParameters } from './tokenMath.js';
import type { TokenResponse } from './tokenResponse.js';

const TOKEN_EXCHANGE = 'urn:ietf:params:oauth:grant-type:token-exchange';
const JWT_BEARER = 'urn:ietf:params:oauth:grant-type:jwt-bearer';
const ACCESS_TOKEN_TYPE = 'urn:ietf:params:oauth:token-type:access_token';

export interface PipelineGrantRequest {
  settings: RegistrySettings;
  provider: ProviderMetadata;
  /** host[:port] of the registry, for messages. */
  registry: string;
  env: NodeJS.ProcessEnv;
  fetch: Fetch;
  /** The pod's service-account token of a kubelet request (--ci-token kubelet). */
  podToken?: string | undefined;
}

export async function runPipelineGrant({ settings, provider, registry, env, fetch, podToken }: PipelineGrantRequest): Promise<TokenResponse> {
  const grant = settings.grant;
  if (!isPipelineGrant(grant)) throw new HelperError('invalid-input', `--grant ${String(grant)} needs a person: run "registry-login ${registry}"`);
  const ci = settings.ciToken ? await fetchCiToken({ source: settings.ciToken, audience: settings.ciTokenAudience, env, fetch, podToken }) : undefined;
  const assertion = grant === 'client-credentials' ? ci?.token : undefined;
  const config = providerFromMetadata(provider, settings.clientId, fetch, await clientAuthFor(settings, env, assertion));
  const parameters: Record<string, string> = { ...audienceParameters(settings), ...(settings.scope ? { scope: settings.scope } : {}) };
  try {
    switch (grant) {
      case 'client-credentials':
        return await client.clientCredentialsGrant(config, parameters);
      case 'token-exchange':
        return await client.genericGrantRequest(config, TOKEN_EXCHANGE, {
          ...parameters,
          subject_token: ci!.token,
          subject_token_type: settings.subjectTokenType ?? JWT_TOKEN_TYPE,
          requested_token_type: ACCESS_TOKEN_TYPE,
        });
      case 'jwt-bearer':
        return await client.genericGrantRequest(config, JWT_BEARER, { ...parameters, assertion: ci!.token });
    }
  } catch (error) {
    throw describeProviderError(error, { issuer: settings.issuer, registry, step: 'pipeline', grant, ciTokenFrom: ci?.from });
  }
}
