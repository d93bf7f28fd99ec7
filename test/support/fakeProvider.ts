// An OpenID provider as a fetch function, for unit tests of the use cases: discovery, the device
// flow (approved at once), refresh tokens that rotate and revoke the grant when one is replayed (as
// oidc-provider, Keycloak and Okta do), and revocation. End-to-end tests use the real oidc-provider.
import type { Fetch } from '../../src/model.js';
import { textOfBody, urlOfInput } from './fetchInput.js';

export interface FakeProvider {
  issuer: string;
  fetch: Fetch;
  counts: { discovery: number; device: number; deviceToken: number; refresh: number; revocation: number; pipeline: number };
  /** The form of every pipeline grant request (client credentials, token exchange, JWT bearer). */
  pipelineRequests: URLSearchParams[];
  /** Answer pipeline grants with this error (and description) instead of tokens. */
  pipelineError?: { error: string; error_description?: string };
  /** Refresh tokens the provider still honours. */
  liveRefreshTokens: Set<string>;
  /** Seconds an access token lives. */
  accessTokenTtl: number;
  /** Answer the next device-token poll with this error instead of tokens. */
  deviceError?: string;
  /** Its error_description, if any. */
  deviceErrorDescription?: string;
  /** Fields that replace the device authorization answer's. */
  deviceAnswer?: Record<string, unknown>;
  /** Hold every refresh answer until this promise resolves (to overlap concurrent renewals). */
  refreshGate?: Promise<void>;
  /** A client secret every token request must post (Google's device clients have one). */
  clientSecret?: string;
  /** Answer refreshes with this error (and description) instead of tokens. */
  refreshError?: { error: string; error_description?: string };
}

function json(body: unknown, status = 200): Response {
  return new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json' } });
}

export function fakeProvider(issuer = 'https://idp.test'): FakeProvider {
  let serial = 0;
  const provider: FakeProvider = {
    issuer,
    counts: { discovery: 0, device: 0, deviceToken: 0, refresh: 0, revocation: 0, pipeline: 0 },
    pipelineRequests: [],
    liveRefreshTokens: new Set(),
    accessTokenTtl: 300,
    fetch: async (input, init) => {
      const url = new URL(urlOfInput(input));
      const form = new URLSearchParams(textOfBody(init?.body));
      const tokens = () => {
        const refresh = `rt-${++serial}`;
        provider.liveRefreshTokens.add(refresh);
        return json({ access_token: `at-${serial}`, token_type: 'Bearer', expires_in: provider.accessTokenTtl, refresh_token: refresh });
      };
      switch (url.pathname) {
        case '/.well-known/openid-configuration':
          provider.counts.discovery++;
          return json({
            issuer,
            token_endpoint: `${issuer}/token`,
            device_authorization_endpoint: `${issuer}/device`,
            revocation_endpoint: `${issuer}/revoke`,
          });
        case '/device':
          provider.counts.device++;
          return json({
            device_code: 'dc',
            user_code: 'ABCD-EFGH',
            verification_uri: `${issuer}/activate`,
            expires_in: 600,
            interval: 0.001,
            ...provider.deviceAnswer,
          });
        case '/revoke':
          provider.counts.revocation++;
          provider.liveRefreshTokens.delete(form.get('token') ?? '');
          return new Response(null, { status: 200 });
        case '/token': {
          if (provider.clientSecret !== undefined && form.get('client_secret') !== provider.clientSecret) {
            return json({ error: 'invalid_client', error_description: 'client authentication failed' }, 401);
          }
          const grant = form.get('grant_type');
          if (grant === 'urn:ietf:params:oauth:grant-type:device_code') {
            provider.counts.deviceToken++;
            if (provider.deviceError) return json({ error: provider.deviceError, error_description: provider.deviceErrorDescription }, 400);
            return tokens();
          }
          if (grant === 'refresh_token') {
            provider.counts.refresh++;
            await provider.refreshGate;
            if (provider.refreshError) return json(provider.refreshError, 400);
            const presented = form.get('refresh_token') ?? '';
            if (!provider.liveRefreshTokens.has(presented)) {
              // Replay of a rotated token: the whole grant is revoked.
              provider.liveRefreshTokens.clear();
              return json({ error: 'invalid_grant', error_description: 'grant request is invalid' }, 400);
            }
            provider.liveRefreshTokens.delete(presented);
            return tokens();
          }
          if (grant === 'client_credentials' || grant?.startsWith('urn:ietf:params:oauth:grant-type:')) {
            provider.counts.pipeline++;
            provider.pipelineRequests.push(form);
            if (provider.pipelineError) return json(provider.pipelineError, 400);
            // No refresh token: a pipeline runs its grant again.
            return json({ access_token: `pat-${++serial}`, token_type: 'Bearer', expires_in: provider.accessTokenTtl });
          }
          return json({ error: 'unsupported_grant_type' }, 400);
        }
        default:
          return new Response('not found', { status: 404 });
      }
    },
  };
  return provider;
}
