// What the token server signs: the registry's bearer token (the `access` claim Distribution checks)
// and our own registry refresh token. The refresh token is stateless: it carries the subject and
// the claims the rules look at, so any replica re-decides from it, and it is bound to the `service`
// it was issued for. It has no `access` claim, so a registry given it as a bearer grants nothing.
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
}

export class RegistryTokens {
  constructor(
    private readonly keys: SigningKeys,
    private readonly issuer: string,
    private readonly tokenTtlS: number,
    private readonly refreshTtlS: number,
  ) {}

  get tokenTtl(): number {
    return this.tokenTtlS;
  }

  async accessToken(service: string, subject: string, access: ResourceAccess[], nowS: number): Promise<string> {
    return this.sign({ access }, subject, service, nowS, this.tokenTtlS);
  }

  async refreshToken(service: string, subject: RefreshSubject, nowS: number): Promise<{ token: string; expiresAt: number }> {
    const token = await this.sign({ token_use: REFRESH_USE, username: subject.username, idp: subject.idp, claims: subject.claims }, subject.sub, service, nowS, this.refreshTtlS);
    return { token, expiresAt: Math.floor(nowS) + Math.floor(this.refreshTtlS) };
  }

  /** The subject of one of our refresh tokens for this service, or why it is refused. */
  async verifyRefreshToken(token: string, service: string, nowS: number): Promise<RefreshSubject | { refused: string }> {
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
      return { sub: payload.sub!, username: String(payload.username ?? ''), idp: String(payload.idp ?? ''), claims };
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
