// What the token server signs: the registry's bearer token (the `access` claim Distribution checks)
// and our own registry refresh token. The refresh token is stateless: it carries the subject and
// the claims the rules look at, so any replica re-decides from it, and it is bound to the `service`
// it was issued for. It has no `access` claim, so a registry given it as a bearer grants nothing.
//
// A chain of renewals ends `refreshTokenTtl` after the provider last vouched for the person: each
// refresh token carries that moment (`vouched_at`: the exchange or OIDC sign-in at this server that
// started the chain, not the provider's `auth_time`, which stays put while the provider refreshes),
// and nothing issued from the chain outlives it. Only the provider restarts a chain, so disabling a
// person there ends their registry access within `refreshTokenTtl`. A renewal never moves a chain
// to a new signing key: dropping the old certificate from the bundle ends the old key's chains.
import { randomUUID } from 'node:crypto';
import { SignJWT, jwtVerify, decodeProtectedHeader } from 'jose';
import type { ResourceAccess } from './scopes.js';
import type { SigningKeys } from './signingKeys.js';

const REFRESH_USE = 'registry-refresh';

export interface RefreshSubject {
  sub: string;
  username: string;
  /** The provider that signed the person in. */
  idp: string;
  claims: Record<string, unknown>;
  /** When a provider last vouched for this person (seconds): the start of the refresh-token chain. */
  vouchedAt: number;
}

/** A refresh token's subject, its chain's end, and whether our current key signed it. */
export interface VerifiedRefresh extends RefreshSubject {
  chainEndsAt: number;
  signedByCurrentKey: boolean;
}

export class RegistryTokens {
  constructor(
    private readonly keys: SigningKeys,
    private readonly issuer: string,
    private readonly tokenTtlS: number,
    private readonly refreshTtlS: number,
  ) {}

  /** When a chain that a provider vouched for at `vouchedAt` ends. */
  private chainEnd(vouchedAt: number): number {
    return Math.floor(vouchedAt) + Math.floor(this.refreshTtlS);
  }

  /** A registry bearer token, living `tokenTtl` but never past `endsAt` (its refresh chain's end). */
  async accessToken(
    service: string,
    subject: string,
    access: ResourceAccess[],
    nowS: number,
    endsAt = Infinity,
  ): Promise<{ token: string; expiresIn: number }> {
    const expiresIn = Math.max(1, Math.min(Math.floor(this.tokenTtlS), endsAt - Math.floor(nowS)));
    return { token: await this.sign({ access }, subject, service, nowS, expiresIn), expiresIn };
  }

  async refreshToken(service: string, subject: RefreshSubject, nowS: number): Promise<{ token: string; expiresAt: number }> {
    const expiresAt = this.chainEnd(subject.vouchedAt);
    const claims = { token_use: REFRESH_USE, username: subject.username, idp: subject.idp, claims: subject.claims, vouched_at: Math.floor(subject.vouchedAt) };
    const token = await this.sign(claims, subject.sub, service, nowS, expiresAt - Math.floor(nowS));
    return { token, expiresAt };
  }

  /** The subject of one of our refresh tokens for this service, or why it is refused. */
  async verifyRefreshToken(token: string, service: string, nowS: number): Promise<VerifiedRefresh | { refused: string }> {
    let kid: string | undefined;
    try {
      kid = decodeProtectedHeader(token).kid;
    } catch {
      return { refused: 'malformed registry refresh token' };
    }
    const key = kid ? this.keys.trusted.get(kid) : undefined;
    if (!key) return { refused: 'registry refresh token signed by an unknown key' };
    try {
      const { payload } = await jwtVerify(token, key, {
        issuer: this.issuer,
        algorithms: ['RS256', 'ES256', 'ES384', 'ES512'],
        currentDate: new Date(nowS * 1000),
        requiredClaims: ['exp', 'sub'],
      });
      if (payload.token_use !== REFRESH_USE) return { refused: 'not a registry refresh token' };
      const audiences = Array.isArray(payload.aud) ? payload.aud : [payload.aud];
      if (!audiences.includes(service)) return { refused: 'registry refresh token issued for another service' };
      const claims = payload.claims && typeof payload.claims === 'object' ? (payload.claims as Record<string, unknown>) : {};
      // Tokens from before chains were bounded carry no vouched_at: their chain started when they were issued.
      const vouchedAt = typeof payload.vouched_at === 'number' ? payload.vouched_at : (payload.iat ?? 0);
      const chainEndsAt = Math.min(payload.exp!, this.chainEnd(vouchedAt)); // refreshTokenTtl may have been shortened since
      if (nowS >= chainEndsAt) return { refused: 'registry refresh token expired' };
      return {
        sub: payload.sub!,
        username: typeof payload.username === 'string' ? payload.username : '',
        idp: typeof payload.idp === 'string' ? payload.idp : '',
        claims,
        vouchedAt,
        chainEndsAt,
        signedByCurrentKey: kid === this.keys.current.kid,
      };
    } catch (error) {
      const code = (error as { code?: string }).code;
      return { refused: code === 'ERR_JWT_EXPIRED' ? 'registry refresh token expired' : 'registry refresh token failed verification' };
    }
  }

  private sign(claims: Record<string, unknown>, subject: string, service: string, nowS: number, ttlS: number): Promise<string> {
    const { current } = this.keys;
    // Distribution decodes the time claims into int64: a fraction would fail every token.
    const now = Math.floor(nowS);
    return new SignJWT(claims)
      .setProtectedHeader({ alg: current.alg, typ: 'JWT', kid: current.kid, x5c: current.x5c })
      .setIssuer(this.issuer)
      .setSubject(subject)
      .setAudience(service)
      .setIssuedAt(now)
      .setNotBefore(now - 1)
      .setExpirationTime(now + Math.floor(ttlS))
      .setJti(randomUUID())
      .sign(current.privateKey);
  }
}
