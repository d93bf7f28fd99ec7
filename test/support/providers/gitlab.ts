// GitLab as the OpenID provider, as its documentation describes it ("OAuth 2.0 identity provider
// API", docs.gitlab.com/api/oauth2, "Device authorization grant flow", GitLab 17.9+):
// - POST /oauth/authorize_device; verification_uri and verification_uri_complete (/oauth/device);
//   token at /oauth/token, authorization at /oauth/authorize, revocation at /oauth/revoke;
// - access tokens are opaque (not JWTs); refresh tokens rotate (Doorkeeper), and a used or revoked
//   one answers invalid_grant with Doorkeeper's description;
// - a declined sign-in polls as access_denied.
import type { Personality } from './providerDouble.js';

export const gitlab: Personality = {
  name: 'gitlab',
  issuerPath: '',
  paths: { device: '/oauth/authorize_device', token: '/oauth/token', authorize: '/oauth/authorize', revoke: '/oauth/revoke', jwks: '/oauth/discovery/keys' },
  deviceAnswer: (origin, userCode) => ({
    verification_uri: `${origin}/oauth/device`,
    verification_uri_complete: `${origin}/oauth/device?user_code=${userCode}`,
  }),
  denial: { error: 'access_denied', error_description: 'The resource owner or authorization server denied the request.' },
  refreshFailure: {
    error: 'invalid_grant',
    error_description:
      'The provided authorization grant is invalid, expired, revoked, does not match the redirection URI used in the authorization request, or was issued to another client.',
  },
  accessTokenFormat: 'opaque',
  rotatesRefreshTokens: true,
  idTokenClaims: (user) => ({ preferred_username: user, nickname: user, email: `${user}@example.com` }),
};
