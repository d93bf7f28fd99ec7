// Azure Container Registry: the Entra ID access token is exchanged at https://REG/oauth2/exchange
// for an ACR refresh token, which docker then uses as the password of the null-GUID user (what
// `az acr login` does). See the ACR AAD OAuth docs: "Exchange AAD access token for ACR refresh token".
import { HelperError, signInAgain } from '../../errors.js';
import { describeNetworkError } from '../providerErrors.js';
import { registryOrigin } from '../endpointPolicy.js';
import { decodeJwtPayload } from '../tokenMath.js';
import type { CredentialModeHandler } from './modeContext.js';

export const ACR_USERNAME = '00000000-0000-0000-0000-000000000000';
/** ACR refresh tokens live about three hours; used when the token does not say. */
const DEFAULT_ACR_TOKEN_LIFETIME_S = 3 * 3600;

export function exchangeUrl(registryHost: string): string {
  return `${registryOrigin(registryHost)}/oauth2/exchange`;
}

export const acrMode: CredentialModeHandler = async (context) => {
  const accessToken = await context.accessToken();
  const body = new URLSearchParams({
    grant_type: 'access_token',
    service: context.settings.registryService ?? context.registryHost,
    access_token: accessToken.value,
  });
  const tenant = context.settings.tenant ?? (context.session.claims?.tid as string | undefined);
  if (tenant) body.set('tenant', tenant);
  const url = context.settings.exchangeUrl ?? exchangeUrl(context.registryHost);
  let response: Response;
  try {
    response = await context.fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' },
      body,
    });
  } catch (error) {
    if (error instanceof HelperError) throw error;
    throw new HelperError('idp-unreachable', `cannot reach ${url} to exchange the Entra ID token: ${describeNetworkError(error)}`, { cause: error });
  }
  const payload = (await response.json().catch((error: unknown) => {
    if (error instanceof HelperError) throw error; // an oversized answer
    return undefined;
  })) as { refresh_token?: unknown } | undefined;
  if (!response.ok || typeof payload?.refresh_token !== 'string') {
    throw new HelperError(
      'idp-error',
      `${context.registryHost} refused the token exchange (HTTP ${response.status}): check that your account has access to the registry, then ${signInAgain(context.registryHost)}`,
    );
  }
  const now = context.nowS();
  const exp = decodeJwtPayload(payload.refresh_token)?.exp;
  return {
    username: ACR_USERNAME,
    secret: payload.refresh_token,
    issuedAt: now,
    expiresAt: typeof exp === 'number' ? exp : now + DEFAULT_ACR_TOKEN_LIFETIME_S,
    cacheable: true,
  };
};
