// Assembles a token server from its configuration: keys, providers, rules, the HTTP listener.
import { BrowserSessions, cookieKey } from './browserSession.js';
import { BrowserSignIn } from './browserSignIn.js';
import type { TokenServerConfig } from './config.js';
import { startHttpServer, type RunningServer } from './httpServer.js';
import { OidcVerifier } from './oidcVerifier.js';
import { createFetch } from '../oidc/httpClient.js';
import { PasswordSignIn } from './passwordSignIn.js';
import { RegistryTokens } from './registryTokens.js';
import { Rules } from './rules.js';
import { loadSigningKeys } from './signingKeys.js';
import { TokenService } from './tokenService.js';

export function startTokenServer(config: TokenServerConfig, log: (line: Record<string, unknown>) => void, env: NodeJS.ProcessEnv): Promise<RunningServer> {
  const keys = loadSigningKeys(config.signing.key, config.signing.certificate);
  const tokens = new RegistryTokens(keys, config.issuer, config.tokenTtl, config.refreshTokenTtl);
  const fetch = createFetch({ env, timeoutMs: 10_000 });
  const service = new TokenService(
    config.service,
    new OidcVerifier(config.providers, config.clockSkew, fetch, env),
    new Rules(config.rules),
    tokens,
    undefined,
    new PasswordSignIn(config, fetch, env),
  );
  let browser: BrowserSignIn | undefined;
  if (config.browserSignIn) {
    const secure = new URL(config.browserSignIn.redirectUri).protocol === 'https:';
    const sessions = new BrowserSessions(cookieKey(keys.current.privateKey), { secure, sessionTtlS: config.browserSignIn.sessionTtl });
    browser = new BrowserSignIn(config.browserSignIn, sessions, fetch, (token) => service.subjectOf(token), env);
  }
  return startHttpServer(config, service, log, browser);
}
