// A person's password, as Keycloak's docker-v2 endpoint takes it (HTTP Basic user:password), checked
// with the provider's resource-owner password grant (RFC 6749 §4.3; Keycloak "Direct access grants",
// Entra ID ROPC). What comes back is an access token, which the caller verifies like any other, so
// the same rules decide. The password goes to the provider's token endpoint and nowhere else: it is
// never logged, kept, or put in a message. The provider's refusals become one line that docker shows.
import * as client from 'openid-client';
import { printable } from '../errors.js';
import type { Fetch } from '../model.js';
import { ENTRA_NEEDS_PERSON, NEEDS_PERSON } from '../oidc/providerErrors.js';
import type { ProviderConfig } from './config.js';
import { providerClient } from './providerClient.js';

export type PasswordOutcome = { accessToken: string } | { refused: string; status: 401 | 429 | 503; wrongPassword?: boolean };

/** Keycloak's answer when a required action is pending (the docker-v2 endpoint's "cookie_not_found"). */
const ACCOUNT_NOT_SET_UP = /account is not fully set up|required action|password (has )?expired|AADSTS50055\b/i;
/** Entra ID: a password grant for an account that must use its browser sign-in (federated, MFA, CA). */
const ENTRA_BROWSER_ONLY = /AADSTS(50076|50079|50158|53003|53004|50072)\b|multi-?factor/i;

/** What a provider's OAuth refusal of the password means for the person, in one line. */
export function describePasswordRefusal(
  error: string,
  description: string,
  places: { accountUrl: string; registry: string },
): Extract<PasswordOutcome, { refused: string }> {
  if (ACCOUNT_NOT_SET_UP.test(description)) {
    return {
      refused: `your account needs an action at the provider (update password / complete profile): sign in once at ${places.accountUrl}, then log in again`,
      status: 401,
    };
  }
  if (NEEDS_PERSON.has(error) || ENTRA_NEEDS_PERSON.test(description) || ENTRA_BROWSER_ONLY.test(description)) {
    return {
      refused: `this account must sign in with multi-factor authentication or a browser, which a password cannot: use registry-login ${places.registry} (docker-credential-oidc) instead of docker login`,
      status: 401,
    };
  }
  if (error === 'invalid_grant') return { refused: 'wrong username or password', status: 401, wrongPassword: true };
  if (error === 'unauthorized_client' || error === 'unsupported_grant_type' || error === 'invalid_client') {
    return {
      refused: `the provider does not let this server check passwords (${printable(error)}): the operator must allow the password grant ("Direct access grants") for passwordClient`,
      status: 503,
    };
  }
  return {
    refused: `the provider refused the password: ${printable(error).slice(0, 60)}${description ? ` (${printable(description).slice(0, 160)})` : ''}`,
    status: 401,
  };
}

/** The password grant of one provider, through its `passwordClient`. */
export class PasswordGrant {
  private readonly discovered: () => Promise<client.Configuration>;
  private readonly accountUrl: string;

  constructor(
    readonly provider: ProviderConfig,
    private readonly registry: string,
    fetch: Fetch,
    env: NodeJS.ProcessEnv,
  ) {
    this.discovered = providerClient(provider.issuer, provider.passwordClient!, fetch, env);
    const issuer = provider.issuer.replace(/\/$/, '');
    // Keycloak's account console is where required actions are done; elsewhere the issuer's home.
    this.accountUrl = provider.passwordClient?.accountUrl ?? (/\/realms\/[^/]+$/.test(issuer) ? `${issuer}/account` : issuer);
  }

  async check(username: string, password: string): Promise<PasswordOutcome> {
    const settings = this.provider.passwordClient!;
    let config: client.Configuration;
    try {
      config = await this.discovered();
    } catch (error) {
      return { refused: `cannot reach the provider to check the password: ${printable((error as Error).message ?? '').slice(0, 160)}`, status: 503 };
    }
    const parameters: Record<string, string> = { username, password, scope: settings.scope ?? 'openid' };
    if (settings.resource) parameters.resource = settings.resource;
    try {
      const answer = await client.genericGrantRequest(config, 'password', parameters);
      return { accessToken: answer.access_token };
    } catch (error) {
      if (error instanceof client.ResponseBodyError)
        return describePasswordRefusal(error.error, error.error_description ?? '', { accountUrl: this.accountUrl, registry: this.registry });
      // Never the error's own text: some clients echo the request, which holds the password.
      return { refused: 'the provider did not answer the password grant as expected', status: 503 };
    }
  }
}
