// The token as a password: GitLab (username oauth2), Google Artifact Registry (oauth2accesstoken),
// Harbor and Artifactory with OIDC, a Distribution token server that accepts provider tokens.
import { usernameFor } from '../tokenMath.js';
import type { CredentialModeHandler } from './modeContext.js';

export const passwordMode: CredentialModeHandler = async (context) => {
  const token = context.settings.secretToken === 'id-token' ? await context.idToken() : await context.accessToken();
  return {
    username: usernameFor(context.settings, context.session.claims),
    secret: token.value,
    issuedAt: token.issuedAt,
    expiresAt: token.expiresAt,
    cacheable: true,
  };
};
