// A provider's signing keys (its JWKS), held between requests. Fetched once, again after MAX_AGE,
// and again when a token names a key we do not hold, at most once per COOLDOWN. When a fetch fails
// the keys already held go on verifying (stale-while-error): a provider outage must not refuse the
// tokens it signed before it went down. A token we cannot check because the provider is unreachable
// is ProviderUnavailable (503, our failure), never a refusal that counts against the client.
// jose's createRemoteJWKSet drops to an error once its cache is 10 minutes old and a refetch fails;
// this keeps its local key matching (createLocalJWKSet) and owns only the fetching.
import { createLocalJWKSet, errors as joseErrors, type JSONWebKeySet, type JWTVerifyGetKey } from 'jose';

const MAX_AGE_MS = 10 * 60_000;
const COOLDOWN_MS = 30_000;

/** The provider could not be asked (network, HTTP error, not a JWKS): the token is neither good nor bad. */
export class ProviderUnavailable extends Error {}

export class ProviderKeys {
  private local: JWTVerifyGetKey | undefined;
  private fetchedAtMs = -Infinity;
  private attemptedAtMs = -Infinity;
  private lastAttemptFailed = false;
  private fetching: Promise<void> | undefined;

  constructor(private readonly fetchJwks: () => Promise<unknown>) {}

  /** A key resolver for jwtVerify at `nowMs`: refreshes a stale set first, but keeps it if that fails. */
  async resolver(nowMs: number): Promise<JWTVerifyGetKey> {
    if (nowMs - this.fetchedAtMs > MAX_AGE_MS && !this.coolingDown(nowMs)) {
      await this.refresh(nowMs).catch((error: unknown) => {
        if (!this.local) throw error;
      });
    }
    if (!this.local) throw new ProviderUnavailable("the provider's keys could not be fetched yet; try again shortly");
    return async (header, token) => {
      try {
        return await this.local!(header, token);
      } catch (error) {
        if (!(error instanceof joseErrors.JWKSNoMatchingKey)) throw error;
        // An unknown key: the provider may have rotated. Ask again, unless we just did.
        if (this.coolingDown(nowMs)) {
          if (this.lastAttemptFailed) throw new ProviderUnavailable('the provider is unreachable and this token names a key we do not hold');
          throw error;
        }
        await this.refresh(nowMs);
        return this.local!(header, token);
      }
    };
  }

  private coolingDown(nowMs: number): boolean {
    return nowMs - this.attemptedAtMs < COOLDOWN_MS;
  }

  /** One fetch at a time; every caller waiting on it shares its outcome. */
  private refresh(nowMs: number): Promise<void> {
    this.fetching ??= (async () => {
      this.attemptedAtMs = nowMs;
      try {
        const jwks = await this.fetchJwks();
        if (!jwks || typeof jwks !== 'object' || !Array.isArray((jwks as JSONWebKeySet).keys))
          throw new Error("the provider's jwks_uri answered something that is not a JWKS");
        this.local = createLocalJWKSet(jwks as JSONWebKeySet);
        this.fetchedAtMs = nowMs;
        this.lastAttemptFailed = false;
      } catch (error) {
        this.lastAttemptFailed = true;
        throw new ProviderUnavailable(`cannot fetch the provider's keys: ${(error as Error).message ?? String(error)}`.slice(0, 200));
      } finally {
        this.fetching = undefined;
      }
    })();
    return this.fetching;
  }
}
