// Keycloak, as its documentation describes it (keycloak.org/docs/latest/server_admin, "OAuth 2.0
// Device Authorization Grant" and "Revoke Refresh Token"; securing_apps, "Endpoints"):
// - endpoints under /realms/REALM/protocol/openid-connect/: auth, auth/device, token, revoke, certs;
// - the device answer carries verification_uri and verification_uri_complete;
// - a declined device sign-in polls as access_denied;
// - with "Revoke Refresh Token" on, each refresh rotates the token, and a reused or ended one answers
//   invalid_grant "Stale token" (an ended offline session: "Offline user session not found").
import type { Personality } from './providerDouble.js';

const realm = '/realms/dev';
const oidc = `${realm}/protocol/openid-connect`;

export const keycloak: Personality = {
  name: 'keycloak',
  issuerPath: realm,
  paths: { device: `${oidc}/auth/device`, token: `${oidc}/token`, authorize: `${oidc}/auth`, revoke: `${oidc}/revoke`, jwks: `${oidc}/certs` },
  deviceAnswer: (origin, userCode) => ({
    verification_uri: `${origin}${realm}/device`,
    verification_uri_complete: `${origin}${realm}/device?user_code=${userCode}`,
  }),
  denial: { error: 'access_denied', error_description: 'The end user denied the authorization request.' },
  refreshFailure: { error: 'invalid_grant', error_description: 'Stale token' },
  accessTokenFormat: 'jwt',
  rotatesRefreshTokens: true,
  idTokenClaims: (user) => ({ preferred_username: user, email: `${user}@example.com`, typ: 'ID' }),
};
