// The browser sign-in's two cookies, both HMAC-signed JWTs (jose, HS256) under a key derived from the
// registry signing key, so every replica that signs registry tokens reads them: the sign-in cookie
// (state, PKCE verifier and where to go back, for the ten minutes the person is at the provider) and
// the session cookie (who signed in: the subject and only the claims the rules read, never a token
// of the provider's or ours). A session ends at min(sessionTtl, refreshTokenTtl) from the sign-in:
// past that the provider must vouch for the person again, as for a registry refresh token.
import { hkdfSync, randomUUID, type KeyObject } from 'node:crypto';
import { SignJWT, jwtVerify } from 'jose';
import type { RefreshSubject } from './registryTokens.js';

const FLOW_TTL_S = 600;
const MAX_REVOKED = 100_000;

export interface SignInFlow {
  state: string;
  verifier: string;
  nonce: string;
  /** The web UI page to go back to (its origin is an allowed one). */
  returnTo: string;
}

export interface CookieSettings {
  /** https redirect: Secure and SameSite=None (a UI on another site); plain http is loopback only. */
  secure: boolean;
  sessionTtlS: number;
}

/** One key for the cookies, derived from the signing key (not usable to sign registry tokens). */
export function cookieKey(signingKey: KeyObject): Uint8Array {
  const der = signingKey.export({ type: 'pkcs8', format: 'der' });
  return new Uint8Array(hkdfSync('sha256', der, new Uint8Array(0), 'docker-credential-oidc token-server browser cookies', 32));
}

/** The value of cookie `name` in a Cookie header (RFC 6265 §5.4: `a=b; c=d`). */
export function cookieValue(header: string | undefined, name: string): string | undefined {
  if (!header || header.length > 16 * 1024) return undefined;
  for (const part of header.split(';')) {
    const eq = part.indexOf('=');
    if (eq > 0 && part.slice(0, eq).trim() === name) return part.slice(eq + 1).trim();
  }
  return undefined;
}

export class BrowserSessions {
  readonly sessionCookie: string;
  readonly flowCookie: string;
  /** Sessions ended by /logout, until they would have expired (per replica). */
  private readonly revoked = new Map<string, number>();

  constructor(
    private readonly key: Uint8Array,
    private readonly settings: CookieSettings,
  ) {
    // __Host- binds a Secure cookie to this host and path / (no Domain): a sibling site cannot plant one.
    this.sessionCookie = settings.secure ? '__Host-registry_session' : 'registry_session';
    this.flowCookie = settings.secure ? '__Secure-registry_signin' : 'registry_signin';
  }

  async startFlow(flow: SignInFlow, nowS: number): Promise<string> {
    const value = await this.sign({ ...flow }, 'signin', nowS, FLOW_TTL_S);
    return this.cookie(this.flowCookie, value, { path: '/callback', maxAge: FLOW_TTL_S, sameSite: 'Lax' });
  }

  async readFlow(cookieHeader: string | undefined, nowS: number): Promise<SignInFlow | undefined> {
    const payload = await this.verify(cookieValue(cookieHeader, this.flowCookie), 'signin', nowS);
    if (!payload) return undefined;
    const { state, verifier, nonce, returnTo } = payload;
    if ([state, verifier, nonce, returnTo].some((value) => typeof value !== 'string')) return undefined;
    return { state, verifier, nonce, returnTo } as SignInFlow;
  }

  endFlow(): string {
    return this.cookie(this.flowCookie, '', { path: '/callback', maxAge: 0, sameSite: 'Lax' });
  }

  async startSession(subject: RefreshSubject, nowS: number): Promise<string> {
    const claims = {
      sid: randomUUID(),
      username: subject.username,
      idp: subject.idp,
      claims: subject.claims,
      sub: subject.sub,
      vouched_at: Math.floor(subject.vouchedAt),
    };
    const value = await this.sign(claims, 'session', nowS, this.settings.sessionTtlS);
    return this.cookie(this.sessionCookie, value, {
      path: '/',
      maxAge: Math.floor(this.settings.sessionTtlS),
      sameSite: this.settings.secure ? 'None' : 'Lax',
    });
  }

  async readSession(cookieHeader: string | undefined, nowS: number): Promise<(RefreshSubject & { sid: string; exp: number }) | undefined> {
    const payload = await this.verify(cookieValue(cookieHeader, this.sessionCookie), 'session', nowS);
    if (!payload || typeof payload.sid !== 'string' || typeof payload.sub !== 'string' || this.revoked.has(payload.sid)) return undefined;
    const claims = payload.claims && typeof payload.claims === 'object' ? (payload.claims as Record<string, unknown>) : {};
    const vouchedAt = typeof payload.vouched_at === 'number' ? payload.vouched_at : Number(payload.iat);
    return {
      sid: payload.sid,
      exp: Number(payload.exp),
      sub: payload.sub,
      username: typeof payload.username === 'string' ? payload.username : '',
      idp: typeof payload.idp === 'string' ? payload.idp : '',
      claims,
      vouchedAt,
    };
  }

  /** Ends the session of this cookie here, and tells the browser to drop it. */
  async endSession(cookieHeader: string | undefined, nowS: number): Promise<string> {
    const session = await this.readSession(cookieHeader, nowS);
    if (session) {
      for (const [sid, exp] of this.revoked) if (exp <= nowS || this.revoked.size >= MAX_REVOKED) this.revoked.delete(sid);
      this.revoked.set(session.sid, session.exp);
    }
    return this.cookie(this.sessionCookie, '', { path: '/', maxAge: 0, sameSite: this.settings.secure ? 'None' : 'Lax' });
  }

  private cookie(name: string, value: string, options: { path: string; maxAge: number; sameSite: 'Lax' | 'None' }): string {
    return `${name}=${value}; Path=${options.path}; Max-Age=${options.maxAge}; HttpOnly; SameSite=${options.sameSite}${this.settings.secure ? '; Secure' : ''}`;
  }

  private sign(claims: Record<string, unknown>, use: string, nowS: number, ttlS: number): Promise<string> {
    const now = Math.floor(nowS);
    return new SignJWT({ ...claims, use })
      .setProtectedHeader({ alg: 'HS256' })
      .setIssuedAt(now)
      .setExpirationTime(now + Math.floor(ttlS))
      .sign(this.key);
  }

  private async verify(value: string | undefined, use: string, nowS: number): Promise<Record<string, unknown> | undefined> {
    if (!value || value.length > 8 * 1024) return undefined;
    try {
      const { payload } = await jwtVerify(value, this.key, { algorithms: ['HS256'], currentDate: new Date(nowS * 1000), requiredClaims: ['exp'] });
      return payload.use === use ? payload : undefined;
    } catch {
      return undefined;
    }
  }
}
