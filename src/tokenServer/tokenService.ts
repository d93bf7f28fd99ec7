// The token server's decisions, free of HTTP: who the caller is (an OIDC token, one of our registry
// refresh tokens, or nobody), what the rules let them do of what they asked, and what is signed
// for it. Every decision is one structured record for the log; no token ever goes into it.
import { OidcVerifier } from './oidcVerifier.js';
import { looksLikeJwt, type PasswordSignIn } from './passwordSignIn.js';
import { RegistryTokens, type RefreshSubject } from './registryTokens.js';
import { Rules, type Caller } from './rules.js';
import { formatScope, parseScopes, type ResourceAccess } from './scopes.js';

/** The null-GUID user of Azure Container Registry: its password is a registry refresh token. */
export const REFRESH_TOKEN_USERNAME = '00000000-0000-0000-0000-000000000000';

export type Credential =
  | { kind: 'none' }
  /** A provider's token, or (with a password grant on) the person's password; `user` is the Basic username. */
  | { kind: 'oidc'; token: string; user?: string }
  /** A browser session this server signed (browserSession.ts): who signed in, already verified. */
  | { kind: 'session'; subject: RefreshSubject; endsAt: number }
  | { kind: 'refresh'; token: string };

export interface TokenRequest {
  service: string | undefined;
  scopes: string[];
  credential: Credential;
  /** offline_token=true (GET) or access_type=offline (POST): also hand back a registry refresh token. */
  offline: boolean;
}

export type RefusalStatus = 400 | 401 | 429 | 503;

export interface Decision {
  outcome: 'issued' | 'refused';
  reason?: string;
  /**
   * 400 for a malformed request, 401 for a credential we do not accept, 503 when we cannot verify
   * one now (the provider is unreachable: our failure, not the client's).
   */
  status?: RefusalStatus;
  subject?: string;
  username?: string;
  provider?: string;
  asked: string[];
  granted: string[];
}

export interface Issued {
  token: string;
  expiresIn: number;
  issuedAt: number;
  refreshToken?: string;
}

/** Who asks; whether a refresh token may be renewed for them; when what is issued must end (a chain's end). */
type Authenticated = { subject: RefreshSubject | null; renewable: boolean; endsAt: number };

export class TokenService {
  constructor(
    private readonly service: string,
    private readonly verifier: OidcVerifier,
    private readonly rules: Rules,
    private readonly tokens: RegistryTokens,
    private readonly nowS: () => number = () => Date.now() / 1000,
    private readonly passwords?: PasswordSignIn,
  ) {}

  /** GET and POST /token. */
  async token(request: TokenRequest): Promise<{ decision: Decision; issued?: Issued }> {
    const refused = (reason: string, status: RefusalStatus) => ({
      decision: { outcome: 'refused' as const, reason, status, asked: request.scopes, granted: [] },
    });
    if (request.service !== undefined && request.service !== this.service)
      return refused(`unknown service ${JSON.stringify(request.service.slice(0, 100))}`, 400);
    let asked: ResourceAccess[];
    try {
      asked = parseScopes(request.scopes);
    } catch (error) {
      return refused((error as Error).message, 400);
    }
    const now = this.nowS();
    const who = await this.authenticate(request.credential, now);
    if ('refused' in who) return refused(who.refused, who.status);
    const caller: Caller = who.subject ? { claims: who.subject.claims, username: who.subject.username } : null;
    const granted = this.rules.grant(caller, asked);
    const { token, expiresIn } = await this.tokens.accessToken(this.service, who.subject?.sub ?? '', granted, now, who.endsAt);
    const issued: Issued = { token, expiresIn, issuedAt: now };
    if (request.offline && who.subject && who.renewable) issued.refreshToken = (await this.tokens.refreshToken(this.service, who.subject, now)).token;
    const decision: Decision = {
      outcome: 'issued',
      subject: who.subject?.sub ?? '(anonymous)',
      username: who.subject?.username,
      provider: who.subject?.idp,
      asked: asked.map(formatScope),
      granted: granted.map(formatScope),
    };
    const count = (scopes: ResourceAccess[]) => scopes.reduce((sum, scope) => sum + scope.actions.length, 0);
    if (count(granted) < count(asked)) decision.reason = 'rules allow less than was asked';
    return { decision, issued };
  }

  /** POST /oauth2/exchange: an OIDC access token for a registry refresh token (ACR's exchange). */
  async exchange(service: string | undefined, accessToken: string | undefined): Promise<{ decision: Decision; refreshToken?: string; expiresAt?: number }> {
    const refused = (reason: string, status: RefusalStatus) => ({ decision: { outcome: 'refused' as const, reason, status, asked: [], granted: [] } });
    if (!accessToken) return refused('access_token is missing', 400);
    if (service !== this.service) return refused(`unknown service ${JSON.stringify((service ?? '').slice(0, 100))}`, 400);
    const now = this.nowS();
    const who = await this.authenticate({ kind: 'oidc', token: accessToken }, now);
    if ('refused' in who) return refused(who.refused, who.status);
    const subject = who.subject!;
    const { token, expiresAt } = await this.tokens.refreshToken(this.service, subject, now);
    return {
      decision: { outcome: 'issued', subject: subject.sub, username: subject.username, provider: subject.idp, asked: [], granted: ['refresh_token'] },
      refreshToken: token,
      expiresAt,
    };
  }

  /** Who an access token of one of our providers names (the browser sign-in's), or why not. */
  async subjectOf(accessToken: string): Promise<{ subject: RefreshSubject } | { refused: string }> {
    const who = await this.authenticate({ kind: 'oidc', token: accessToken }, this.nowS());
    return 'refused' in who ? { refused: who.refused } : { subject: who.subject! };
  }

  /**
   * Who the credential names. An OIDC token (or a password the provider accepted) starts a
   * refresh-token chain now; one of our refresh tokens continues its chain, renewable only under the
   * key that signs today (signingKeys.ts); a browser session is its own renewal (the cookie), bounded
   * by the same chain from its sign-in.
   */
  private async authenticate(credential: Credential, nowS: number): Promise<Authenticated | { refused: string; status: RefusalStatus }> {
    if (credential.kind === 'none') return { subject: null, renewable: false, endsAt: Infinity };
    if (credential.kind === 'session') {
      // Nothing issued for a browser session outlives it; it ends within the chain its sign-in started
      // (sessionTtl is at most refreshTokenTtl, config.ts).
      return { subject: credential.subject, renewable: false, endsAt: credential.endsAt };
    }
    let token = credential.kind === 'oidc' ? credential.token : '';
    if (credential.kind === 'oidc' && credential.user !== undefined && this.passwords?.enabled && !looksLikeJwt(credential.token)) {
      // The password is spent here: only the provider's access token goes on, through the same checks.
      const checked = await this.passwords.check(credential.user, credential.token);
      if ('refused' in checked) return { refused: checked.refused, status: checked.status };
      token = checked.accessToken;
    }
    if (credential.kind === 'refresh') {
      const verified = await this.tokens.verifyRefreshToken(credential.token, this.service, nowS);
      if ('refused' in verified) return { refused: verified.refused, status: 401 };
      const { chainEndsAt, signedByCurrentKey, ...subject } = verified;
      return { subject, renewable: signedByCurrentKey, endsAt: chainEndsAt };
    }
    const verified = await this.verifier.verify(token, nowS);
    if ('refused' in verified) return { refused: verified.refused, status: verified.unavailable ? 503 : 401 };
    const sub = verified.claims.sub as string; // the verifier accepts string subjects only
    return {
      subject: { sub, username: verified.username, idp: verified.issuer, claims: this.keptClaims(verified.claims), vouchedAt: Math.floor(nowS) },
      renewable: true,
      endsAt: Infinity,
    };
  }

  /** What a refresh token carries: only the claims the rules read (and the subject). */
  private keptClaims(claims: Record<string, unknown>): Record<string, unknown> {
    const kept: Record<string, unknown> = { sub: claims.sub };
    for (const name of this.rules.claimNames()) if (Object.hasOwn(claims, name)) kept[name] = claims[name];
    return kept;
  }
}
