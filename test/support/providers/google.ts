// Google, as its documentation describes it:
// - "OAuth 2.0 for TV and Limited-Input Device Applications"
//   (developers.google.com/identity/protocols/oauth2/limited-input-device): the device answer names
//   the URL `verification_url`; polls are refused with authorization_pending (HTTP 428) until the
//   person acts, access_denied (HTTP 403) when they decline; the client's secret is sent with every
//   token request ("TVs and Limited Input devices" clients; Google says it is not confidential).
// - "Using OAuth 2.0 to Access Google APIs" (developers.google.com/identity/protocols/oauth2): access
//   tokens are opaque (ya29.…); refresh tokens do not rotate; a revoked or expired one answers
//   invalid_grant "Token has been expired or revoked."; revocation at https://oauth2.googleapis.com/revoke.
import type { Personality } from './providerDouble.js';

export const GOOGLE_CLIENT_SECRET = 'GOCSPX-not-confidential-per-google';

export const google: Personality = {
  name: 'google',
  issuerPath: '',
  paths: { device: '/device/code', token: '/token', authorize: '/o/oauth2/v2/auth', revoke: '/revoke', jwks: '/oauth2/v3/certs' },
  deviceAnswer: () => ({ verification_url: 'https://www.google.com/device' }),
  pendingStatus: 428,
  denial: { error: 'access_denied', error_description: 'Forbidden' },
  denialStatus: 403,
  refreshFailure: { error: 'invalid_grant', error_description: 'Token has been expired or revoked.' },
  accessTokenFormat: 'opaque',
  rotatesRefreshTokens: false,
  requiresClientSecret: GOOGLE_CLIENT_SECRET,
  idTokenClaims: (user) => ({ email: `${user}@example.com`, email_verified: true, azp: 'docker-cli' }),
};
