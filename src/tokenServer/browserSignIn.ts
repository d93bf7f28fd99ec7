// Sign-in for registry web UIs (the Joxit docker-registry-ui and its kind): GET /login?return=URL
// sends the browser to the provider (authorization code + PKCE, openid-client), /callback takes the
// code back, verifies the access token as /token verifies any (same audience, same rules) and sets
// the session cookie (browserSession.ts), then returns to the UI. Only the configured `origins` may
// be returned to, and only they may use the cookie at /token (CORS with credentials).
import * as client from 'openid-client';
import { printable } from '../errors.js';
import type { Fetch } from '../model.js';
import type { BrowserSessions } from './browserSession.js';
import type { BrowserSignInConfig } from './config.js';
import { providerClient } from './providerClient.js';
import type { RefreshSubject } from './registryTokens.js';

export type SubjectOf = (accessToken: string) => Promise<{ subject: RefreshSubject } | { refused: string }>;

/** What went wrong, for the person (a page) and the log; never with a code or token in it. */
export class SignInRefused extends Error {}

export class BrowserSignIn {
  private readonly configuration: () => Promise<client.Configuration>;
  private readonly origins: Set<string>;

  constructor(
    private readonly settings: BrowserSignInConfig,
    readonly sessions: BrowserSessions,
    fetch: Fetch,
    private readonly subjectOf: SubjectOf,
    env: NodeJS.ProcessEnv,
  ) {
    this.origins = new Set(settings.origins);
    this.configuration = providerClient(settings.provider, settings, fetch, env);
  }

  /** The Origin header when it is one of the allowed web UIs. */
  allowedOrigin(origin: string | undefined): string | undefined {
    return origin && this.origins.has(origin) ? origin : undefined;
  }

  /** A URL of an allowed origin to go back to, or undefined. */
  allowedReturn(value: string | null): string | undefined {
    if (!value || value.length > 2048) return undefined;
    try {
      const url = new URL(value);
      return this.origins.has(url.origin) ? url.toString() : undefined;
    } catch {
      return undefined;
    }
  }

  /** Where to send the browser, and the cookie that remembers the flow. */
  async start(returnTo: string, nowS: number): Promise<{ location: string; cookie: string }> {
    const config = await this.discovered();
    const verifier = client.randomPKCECodeVerifier();
    const flow = { state: client.randomState(), nonce: client.randomNonce(), verifier, returnTo };
    const parameters: Record<string, string> = {
      redirect_uri: this.settings.redirectUri,
      scope: this.settings.scope,
      code_challenge: await client.calculatePKCECodeChallenge(verifier),
      code_challenge_method: 'S256',
      state: flow.state,
      nonce: flow.nonce,
    };
    if (this.settings.resource) parameters.resource = this.settings.resource;
    return { location: client.buildAuthorizationUrl(config, parameters).href, cookie: await this.sessions.startFlow(flow, nowS) };
  }

  /** The provider's answer at /callback: the session cookie and where to go back. */
  async finish(
    query: URLSearchParams,
    cookieHeader: string | undefined,
    nowS: number,
  ): Promise<{ returnTo: string; cookie: string; subject?: RefreshSubject; refused?: string }> {
    const flow = await this.sessions.readFlow(cookieHeader, nowS);
    if (!flow) throw new SignInRefused('this sign-in expired or was started in another browser: start again from the registry page');
    const error = query.get('error');
    if (error) return { returnTo: flow.returnTo, cookie: this.sessions.endFlow(), refused: `the provider answered ${printable(error).slice(0, 60)}` };
    const config = await this.discovered();
    const callback = new URL(this.settings.redirectUri);
    callback.search = query.toString();
    let tokens: client.TokenEndpointResponse;
    try {
      tokens = await client.authorizationCodeGrant(config, callback, { pkceCodeVerifier: flow.verifier, expectedState: flow.state, expectedNonce: flow.nonce });
    } catch (failure) {
      const detail = failure instanceof client.ResponseBodyError ? failure.error : ((failure as Error).message ?? 'unknown');
      throw new SignInRefused(`the provider did not complete the sign-in (${printable(detail).slice(0, 120)}): start again from the registry page`);
    }
    const who = await this.subjectOf(tokens.access_token);
    if ('refused' in who) return { returnTo: flow.returnTo, cookie: this.sessions.endFlow(), refused: who.refused };
    return { returnTo: flow.returnTo, cookie: await this.sessions.startSession(who.subject, nowS), subject: who.subject };
  }

  private async discovered(): Promise<client.Configuration> {
    try {
      return await this.configuration();
    } catch (failure) {
      throw new SignInRefused(`cannot reach the provider: ${printable((failure as Error).message ?? '').slice(0, 160)}`);
    }
  }
}
