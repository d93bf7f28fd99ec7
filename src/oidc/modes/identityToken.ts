// Docker's identity token: Username "<token>" tells docker, skopeo, podman and buildah to POST the
// secret as a refresh token to the registry's token realm (the OAuth2 form of the Distribution
// token spec) instead of sending Basic credentials.
import { HelperError, signInAgain } from '../../errors.js';
import { IDENTITY_TOKEN_USERNAME } from '../../model.js';
import type { CredentialModeHandler } from './modeContext.js';

export const identityTokenMode: CredentialModeHandler = async (context) => {
  const refreshToken = context.session.refreshToken;
  if (!refreshToken) {
    throw new HelperError(
      'session-expired',
      `the provider issued no refresh token for ${context.registryHost}: add offline_access to --scope and ${signInAgain(context.registryHost)}`,
    );
  }
  const now = context.nowS();
  return {
    username: IDENTITY_TOKEN_USERNAME,
    secret: refreshToken,
    issuedAt: now,
    expiresAt: context.session.refreshExpiresAt ?? now + 3600,
    // Every refresh of the session rotates it: always read the session, never a copy.
    cacheable: false,
  };
};
