// Microsoft Entra ID (v2.0 endpoints), as its documentation describes it:
// - "Microsoft identity platform and the OAuth 2.0 device authorization grant flow"
//   (learn.microsoft.com/entra/identity-platform/v2-oauth2-device-code): the device answer has
//   verification_uri https://microsoft.com/devicelogin and a localised `message`, never
//   verification_uri_complete; a declined sign-in polls as authorization_declined (also
//   bad_verification_code, expired_token).
// - "Refresh tokens in the Microsoft identity platform" and the AADSTS error reference
//   (learn.microsoft.com/entra/identity-platform/reference-error-codes): each refresh returns a new
//   refresh token, the old one stays usable until it expires; a session ended by inactivity or
//   policy answers invalid_grant with AADSTS700082 / AADSTS70043. No revocation endpoint.
import { randomUUID } from 'node:crypto';
import type { Personality } from './providerDouble.js';

const tenant = randomUUID();

export const entra: Personality = {
  name: 'entra',
  issuerPath: `/${tenant}/v2.0`,
  paths: {
    device: `/${tenant}/oauth2/v2.0/devicecode`,
    token: `/${tenant}/oauth2/v2.0/token`,
    authorize: `/${tenant}/oauth2/v2.0/authorize`,
    jwks: `/${tenant}/discovery/v2.0/keys`,
  },
  deviceAnswer: (_origin, userCode) => ({
    verification_uri: 'https://microsoft.com/devicelogin',
    message: `To sign in, use a web browser to open the page https://microsoft.com/devicelogin and enter the code ${userCode} to authenticate.`,
  }),
  denial: { error: 'authorization_declined', error_description: 'AADSTS70000: The user declined the authorization request.', error_codes: [70000] },
  refreshFailure: {
    error: 'invalid_grant',
    error_description: 'AADSTS700082: The refresh token has expired due to inactivity. The token was issued on 2026-08-01 and was inactive for 90.00:00:00.',
    error_codes: [700082],
  },
  accessTokenFormat: 'jwt',
  rotatesRefreshTokens: true,
  rotationGraceSeconds: 24 * 3600,
  idTokenClaims: (user) => ({ preferred_username: `${user}@contoso.example`, tid: tenant, oid: randomUUID(), name: 'Alice' }),
};
