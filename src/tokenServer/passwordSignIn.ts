// Who may sign in with a password, and how often they may get it wrong: the providers whose
// `passwordGrant` is on, tried in order, and a failure limiter per username on top of the one per
// client address (httpServer.ts), so that a guesser spread over many addresses still stops at one
// account's window.
import type { Fetch } from '../model.js';
import type { TokenServerConfig } from './config.js';
import { FailureLimiter } from './failureLimiter.js';
import { PasswordGrant, type PasswordOutcome } from './passwordGrant.js';

/** A Basic password that is a JWT is a token; anything else, with a password grant on, a password. */
const JWT_SHAPE = /^eyJ[A-Za-z0-9_-]*\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*$/;
const MAX_USERNAME = 256;

export function looksLikeJwt(value: string): boolean {
  return JWT_SHAPE.test(value);
}

export class PasswordSignIn {
  private readonly grants: PasswordGrant[];
  private readonly perUsername: FailureLimiter;

  constructor(config: Pick<TokenServerConfig, 'providers' | 'rateLimit' | 'service'>, fetch: Fetch, env: NodeJS.ProcessEnv) {
    this.grants = config.providers.filter((provider) => provider.passwordGrant).map((provider) => new PasswordGrant(provider, config.service, fetch, env));
    this.perUsername = new FailureLimiter(config.rateLimit.failures, config.rateLimit.window * 1000);
  }

  get enabled(): boolean {
    return this.grants.length > 0;
  }

  /** The provider's access token for this person, or why not (never with the password in it). */
  async check(username: string, password: string, nowMs = Date.now()): Promise<PasswordOutcome> {
    if (!username || username.length > MAX_USERNAME) return { refused: 'a username is needed with the password', status: 401 };
    const key = username.toLowerCase();
    const waitMs = this.perUsername.blockedFor(key, nowMs);
    if (waitMs > 0) return { refused: `too many wrong passwords for this username: wait ${Math.ceil(waitMs / 1000)} s and try again`, status: 429 };
    let last: PasswordOutcome = { refused: 'wrong username or password', status: 401, wrongPassword: true };
    for (const grant of this.grants) {
      last = await grant.check(username, password);
      if (!('refused' in last) || !last.wrongPassword) break;
    }
    if ('refused' in last && last.wrongPassword) this.perUsername.recordFailure(key, nowMs);
    return last;
  }
}
