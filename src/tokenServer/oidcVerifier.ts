// Proves that a password is a token one of our providers issued for this registry: a JWT checked
// against the provider's JWKS (signature, iss, aud, exp/nbf with a small skew, allowed algorithms
// only, `iat` not in the future), or an opaque token asked about by RFC 7662 introspection. The keys
// are held and fetched again when a token names a kid we do not know (providerKeys.ts), so replicas
// stay stateless. A token we cannot check because the provider is unreachable is `unavailable`: the
// server's failure (503), not the client's.
import { clientSecretOf } from './providerClient.js';
import { decodeJwt, errors as joseErrors, jwtVerify, type JWTPayload } from 'jose';
import type { Fetch } from '../model.js';
import type { ProviderConfig } from './config.js';
import { ProviderKeys, ProviderUnavailable } from './providerKeys.js';

export type Verified = { claims: Record<string, unknown>; username: string; issuer: string } | { refused: string; unavailable?: true };

interface Metadata {
  jwks_uri?: string;
  introspection_endpoint?: string;
}

/** Through the project's HTTP client (oidc/httpClient.ts): bounded answers, no redirects, proxies. */
async function fetchJson(fetch: Fetch, url: string, init: RequestInit = {}): Promise<unknown> {
  const response = await fetch(url, init);
  if (!response.ok) {
    void response.body?.cancel();
    throw new Error(`${url} answered HTTP ${response.status}`);
  }
  return response.json();
}

class ProviderVerifier {
  private metadata: Promise<Metadata> | undefined;
  private readonly keySet = new ProviderKeys(async () => {
    const uri = this.config.jwksUri ?? (await this.discovered()).jwks_uri;
    if (!uri) throw new Error('the provider publishes no jwks_uri');
    return fetchJson(this.fetch, uri);
  });
  private readonly audiences: string[];

  constructor(
    readonly config: ProviderConfig,
    private readonly clockSkewS: number,
    private readonly fetch: Fetch,
    private readonly env: NodeJS.ProcessEnv,
  ) {
    this.audiences = Array.isArray(config.audience) ? config.audience : [config.audience];
  }

  async verifyJwt(token: string, nowS: number): Promise<Verified> {
    try {
      const keys = await this.keySet.resolver(nowS * 1000);
      const { payload } = await jwtVerify(token, keys, {
        issuer: this.config.issuer,
        audience: this.audiences,
        algorithms: this.config.algorithms,
        clockTolerance: this.clockSkewS,
        currentDate: new Date(nowS * 1000),
        requiredClaims: ['exp', 'sub'],
      });
      if (!this.config.acceptIdTokens && looksLikeIdToken(payload)) return { refused: 'an ID token, and this provider is configured for access tokens only' };
      return this.accepted(payload, nowS);
    } catch (error) {
      if (error instanceof ProviderUnavailable) return { refused: error.message, unavailable: true };
      return { refused: describeJoseError(error) };
    }
  }

  async introspect(token: string, nowS: number): Promise<Verified> {
    const settings = this.config.introspection;
    if (!settings) return { refused: 'not a JWT, and no introspection is configured' };
    try {
      const endpoint = settings.endpoint ?? (await this.discovered()).introspection_endpoint;
      if (!endpoint) return { refused: 'the provider has no introspection endpoint' };
      const secret = clientSecretOf(settings, this.env) ?? '';
      const answer = (await fetchJson(this.fetch, endpoint, {
        method: 'POST',
        headers: {
          'content-type': 'application/x-www-form-urlencoded',
          accept: 'application/json',
          authorization: `Basic ${Buffer.from(`${encodeURIComponent(settings.clientId)}:${encodeURIComponent(secret)}`).toString('base64')}`,
        },
        body: new URLSearchParams({ token, token_type_hint: 'access_token' }),
      })) as Record<string, unknown>;
      if (answer.active !== true) return { refused: 'inactive token (introspection)' };
      if (typeof answer.exp === 'number' && answer.exp + this.clockSkewS < nowS) return { refused: 'expired token' };
      if (answer.iss !== undefined && answer.iss !== this.config.issuer) return { refused: 'token from another issuer (introspection)' };
      if (answer.aud !== undefined) {
        const audiences = Array.isArray(answer.aud) ? answer.aud : [answer.aud];
        if (!audiences.some((aud) => this.audiences.includes(String(aud)))) return { refused: 'wrong audience' };
      }
      // A client's own token (client credentials) has no user: the client is the subject, as in
      // the JWT access tokens of RFC 9068 §2.2.
      const sub = typeof answer.sub === 'string' ? answer.sub : answer.client_id;
      if (typeof sub !== 'string') return { refused: 'introspection named no subject' };
      return this.accepted({ ...answer, sub }, nowS);
    } catch (error) {
      // The provider did not answer usably (network, HTTP error, redirect, oversized): not the client's fault.
      return { refused: `introspection failed: ${(error as Error).message}`, unavailable: true };
    }
  }

  /** What every verified token must also be: a string subject and username, not issued in the future. */
  private accepted(claims: Record<string, unknown>, nowS: number): Verified {
    if (typeof claims.sub !== 'string' || claims.sub === '') return { refused: "the token's sub claim is not a string" };
    const username = claims[this.config.usernameClaim] ?? claims.sub;
    if (typeof username !== 'string') return { refused: `the token's ${this.config.usernameClaim} claim is not a string` };
    if (typeof claims.iat === 'number' && claims.iat > nowS + this.clockSkewS) return { refused: 'token issued in the future (iat)' };
    return { claims, username, issuer: this.config.issuer };
  }

  private discovered(): Promise<Metadata> {
    this.metadata ??= fetchJson(this.fetch, `${this.config.issuer.replace(/\/$/, '')}/.well-known/openid-configuration`).then(
      (value) => value as Metadata,
      (error: unknown) => {
        this.metadata = undefined; // ask again next time
        throw error;
      },
    );
    return this.metadata;
  }
}

/** Only ID tokens carry these (OpenID Connect Core §2, §3.1.3.6); Keycloak marks its own typ "ID". */
function looksLikeIdToken(payload: JWTPayload): boolean {
  return payload.typ === 'ID' || 'nonce' in payload || 'at_hash' in payload;
}

function describeJoseError(error: unknown): string {
  if (error instanceof joseErrors.JWTExpired) return 'expired token';
  if (error instanceof joseErrors.JWTClaimValidationFailed) {
    if (error.claim === 'aud') return 'wrong audience';
    if (error.claim === 'iss') return 'token from another issuer';
    if (error.claim === 'nbf') return 'token not yet valid';
    return `claim ${error.claim} failed validation`;
  }
  if (error instanceof joseErrors.JOSEAlgNotAllowed) return 'signature algorithm not allowed';
  if (error instanceof joseErrors.JWKSNoMatchingKey) return "signed by a key not in the provider's JWKS";
  if (error instanceof joseErrors.JWSSignatureVerificationFailed) return 'bad signature';
  if (error instanceof joseErrors.JWSInvalid || error instanceof joseErrors.JWTInvalid) return 'malformed token';
  return `cannot verify: ${(error as Error).message ?? String(error)}`.slice(0, 200);
}

/** All configured providers; the token's `iss` picks one (opaque tokens try introspection). */
export class OidcVerifier {
  private readonly providers: ProviderVerifier[];

  constructor(providers: ProviderConfig[], clockSkewS: number, fetch: Fetch, env: NodeJS.ProcessEnv) {
    this.providers = providers.map((provider) => new ProviderVerifier(provider, clockSkewS, fetch, env));
  }

  async verify(token: string, nowS: number): Promise<Verified> {
    if (token.split('.').length === 3) {
      let issuer: unknown;
      try {
        issuer = decodeJwt(token).iss;
      } catch {
        return { refused: 'malformed token' };
      }
      const provider = this.providers.find((candidate) => candidate.config.issuer === issuer);
      if (!provider) return { refused: 'token from another issuer' };
      return provider.verifyJwt(token, nowS);
    }
    let last: Verified = { refused: 'not a JWT, and no introspection is configured' };
    for (const provider of this.providers.filter((candidate) => candidate.config.introspection)) {
      last = await provider.introspect(token, nowS);
      if (!('refused' in last)) return last;
    }
    return last;
  }
}
