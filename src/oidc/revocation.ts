// RFC 7009 revocation of the refresh token at logout, so a copy of it (a backup of the keychain, a
// token docker handed to a build) is dead too. Best effort: an unreachable provider does not keep
// the person from signing out locally.
import * as client from 'openid-client';
import type { Fetch, ProviderMetadata } from '../model.js';
import { describeProviderError } from './providerErrors.js';
import { providerFromMetadata } from './discovery.js';

export async function revokeRefreshToken(
  metadata: ProviderMetadata,
  clientId: string,
  refreshToken: string,
  fetch: Fetch,
  clientSecret?: string,
): Promise<{ revoked: boolean; warning?: string }> {
  try {
    const provider = providerFromMetadata(metadata, clientId, fetch, clientSecret);
    await client.tokenRevocation(provider, refreshToken, { token_type_hint: 'refresh_token' });
    return { revoked: true };
  } catch (error) {
    const why = describeProviderError(error, { issuer: metadata.issuer, registry: '', step: 'revocation' }).message;
    return { revoked: false, warning: `could not revoke the refresh token (${why}); it was removed from the keychain` };
  }
}
