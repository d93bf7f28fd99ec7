// Okta, as its documentation describes it:
// - "Configure Device Authorization Grant Flow" (developer.okta.com/docs/guides/device-authorization-grant):
//   POST /oauth2/default/v1/device/authorize; verification_uri and verification_uri_complete
//   (/activate); a declined sign-in polls as access_denied.
// - "Refresh token rotation" (developer.okta.com/docs/guides/refresh-tokens): each refresh returns a
//   new refresh token; the previous one keeps working for a grace period (0-60 s, default 30 s),
//   after which it answers invalid_grant "The refresh token is invalid or expired."
// - Revocation at /oauth2/default/v1/revoke; keys at /oauth2/default/v1/keys; JWT access tokens.
import type { Personality } from './providerDouble.js';

const server = '/oauth2/default';

export const okta: Personality = {
  name: 'okta',
  issuerPath: server,
  paths: {
    device: `${server}/v1/device/authorize`,
    token: `${server}/v1/token`,
    authorize: `${server}/v1/authorize`,
    revoke: `${server}/v1/revoke`,
    jwks: `${server}/v1/keys`,
  },
  deviceAnswer: (origin, userCode) => ({ verification_uri: `${origin}/activate`, verification_uri_complete: `${origin}/activate?user_code=${userCode}` }),
  denial: { error: 'access_denied', error_description: 'The resource owner or authorization server denied the request.' },
  refreshFailure: { error: 'invalid_grant', error_description: 'The refresh token is invalid or expired.' },
  accessTokenFormat: 'jwt',
  rotatesRefreshTokens: true,
  rotationGraceSeconds: 30,
  idTokenClaims: (user) => ({ preferred_username: `${user}@example.com`, name: 'Alice' }),
};
