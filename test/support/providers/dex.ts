// Dex, as its documentation and server describe it (dexidp.io/docs/configuration/custom-scopes-claims-clients,
// dexidp.io/docs/guides/device-flow; server/refreshhandlers.go):
// - issuer with a path (/dex); POST /dex/device/code, verification_uri /dex/device; token at
//   /dex/token, authorization at /dex/auth, keys at /dex/keys; no revocation endpoint;
// - refresh tokens rotate; a reused or deleted one answers invalid_request "Refresh token is invalid
//   or has already been claimed by another client." (not invalid_grant);
// - a declined sign-in polls as access_denied.
import type { Personality } from './providerDouble.js';

export const dex: Personality = {
  name: 'dex',
  issuerPath: '/dex',
  paths: { device: '/dex/device/code', token: '/dex/token', authorize: '/dex/auth', jwks: '/dex/keys' },
  deviceAnswer: (origin, userCode) => ({ verification_uri: `${origin}/dex/device`, verification_uri_complete: `${origin}/dex/device?user_code=${userCode}` }),
  denial: { error: 'access_denied' },
  refreshFailure: { error: 'invalid_request', error_description: 'Refresh token is invalid or has already been claimed by another client.' },
  accessTokenFormat: 'jwt',
  rotatesRefreshTokens: true,
  idTokenClaims: (user) => ({ email: `${user}@example.com`, email_verified: true, name: 'Alice', preferred_username: user }),
};
