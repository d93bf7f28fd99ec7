// The token server's configuration file (YAML, or JSON, which is YAML too): parsed with `yaml` so
// that every problem is reported with the line it is on, validated with zod, durations as people
// write them ("5m", "3h", "90s").
import { readFileSync } from 'node:fs';
import * as z from 'zod/mini';
import en from 'zod/v4/locales/en.js';
import { LineCounter, parseDocument, isNode } from 'yaml';
import { HelperError } from '../errors.js';
import { requireSecureUrl } from '../oidc/endpointPolicy.js';
import { ACTIONS } from './scopes.js';

// zod/mini carries no messages of its own: the English ones say what was expected.
z.config(en());

const DURATION = /^(\d+(?:\.\d+)?)(ms|s|m|h|d)$/;
const UNIT_S: Record<string, number> = { ms: 0.001, s: 1, m: 60, h: 3600, d: 86400 };

/** "5m" → 300; a bare number is seconds. */
export function parseDuration(value: string | number): number | undefined {
  if (typeof value === 'number') return value > 0 ? value : undefined;
  const match = DURATION.exec(value.trim());
  if (!match) return undefined;
  const seconds = Number(match[1]) * UNIT_S[match[2]];
  return seconds > 0 ? seconds : undefined;
}

const duration = z.pipe(
  z.union([z.string(), z.number()]),
  z.transform((value, context) => {
    const seconds = parseDuration(value);
    if (seconds === undefined) {
      context.issues.push({ code: 'custom', input: value, message: `${JSON.stringify(value)} is not a duration such as 90s, 5m or 3h` });
      return z.NEVER;
    }
    return seconds;
  }),
);

const stringOrList = z.union([z.string(), z.array(z.string())]);

const providerSchema = z.strictObject({
  issuer: z.string(),
  /** The `aud` the provider's tokens must carry for this registry (a Keycloak audience mapper). */
  audience: stringOrList,
  usernameClaim: z._default(z.string(), 'preferred_username'),
  /** Algorithms accepted in the provider's signatures; `none` never is. */
  algorithms: z._default(z.array(z.enum(['RS256', 'RS384', 'RS512', 'PS256', 'PS384', 'PS512', 'ES256', 'ES384', 'ES512', 'EdDSA'])), ['RS256', 'ES256']),
  /** Accept the provider's ID tokens as well as access tokens (their `aud` is the client id). */
  acceptIdTokens: z._default(z.boolean(), false),
  /** Where the keys are, when discovery should not be asked. */
  jwksUri: z.optional(z.string()),
  /** RFC 7662 introspection for opaque (non-JWT) access tokens, with a client allowed to introspect. */
  introspection: z.optional(
    z.strictObject({
      endpoint: z.optional(z.string()),
      clientId: z.string(),
      clientSecretFile: z.optional(z.string()),
      clientSecretEnv: z.optional(z.string()),
    }),
  ),
  /**
   * Accept the person's password at /token (HTTP Basic user:password, as Keycloak's docker-v2
   * endpoint does), checked with the provider's resource-owner password grant through `passwordClient`.
   */
  passwordGrant: z.optional(z.boolean()),
  /** The client whose password grant is on (Keycloak "Direct access grants", an Entra public client with ROPC). */
  passwordClient: z.optional(
    z.strictObject({
      clientId: z.string(),
      clientSecretFile: z.optional(z.string()),
      clientSecretEnv: z.optional(z.string()),
      /** Asked for with the password (default "openid"); Entra wants `api://registry/.default`. */
      scope: z.optional(z.string()),
      /** RFC 8707 resource indicator, for providers that put the audience by resource. */
      resource: z.optional(z.string()),
      /** Where a person whose account needs an action signs in once (default: Keycloak's ISSUER/account). */
      accountUrl: z.optional(z.string()),
    }),
  ),
});

const browserSignInSchema = z.strictObject({
  /** The `issuer` of one of `providers`. */
  provider: z.string(),
  clientId: z.string(),
  clientSecretFile: z.optional(z.string()),
  clientSecretEnv: z.optional(z.string()),
  /** This token server's /callback, as registered at the provider. */
  redirectUri: z.string(),
  /** The web UIs (scheme://host[:port]) allowed to call /token with the session cookie. */
  origins: z.array(z.string()),
  /** How long a browser session lasts; never longer than refreshTokenTtl. */
  sessionTtl: z._default(duration, 8 * 3600),
  scope: z._default(z.string(), 'openid profile'),
  resource: z.optional(z.string()),
});

const ruleSchema = z.strictObject({
  /** claim (dotted path for nested ones, e.g. realm_access.roles) → glob. */
  match: z.optional(z.record(z.string(), z.string())),
  anonymous: z.optional(z.boolean()),
  repositories: z._default(z.array(z.string()), []),
  actions: z._default(z.array(z.enum(ACTIONS)), []),
  /** Also grant the registry catalog (`registry:catalog:*`). */
  catalog: z.optional(z.boolean()),
});

const configSchema = z.strictObject({
  listen: z._default(z.string(), '127.0.0.1:5001'),
  tls: z.optional(z.strictObject({ cert: z.string(), key: z.string() })),
  service: z.string(),
  issuer: z.string(),
  signing: z.strictObject({ key: z.string(), certificate: z.string() }),
  tokenTtl: z._default(duration, 300),
  refreshTokenTtl: z._default(duration, 3 * 3600),
  /** Tolerated clock difference with the providers (small: an expired token is refused soon after). */
  clockSkew: z._default(duration, 15),
  providers: z.array(providerSchema),
  rules: z.array(ruleSchema),
  rateLimit: z._default(z.strictObject({ failures: z.number(), window: duration }), { failures: 20, window: 60 }),
  /** Take the client's address from X-Forwarded-For (only behind an ingress that sets it). */
  trustForwardedFor: z._default(z.boolean(), false),
  /** Sign-in for registry web UIs: authorization code + PKCE at a provider, then a session cookie. */
  browserSignIn: z.optional(browserSignInSchema),
});

export type TokenServerConfig = z.output<typeof configSchema>;
export type ProviderConfig = TokenServerConfig['providers'][number];
export type RuleConfig = TokenServerConfig['rules'][number];
export type BrowserSignInConfig = NonNullable<TokenServerConfig['browserSignIn']>;

/** Parses and validates; every problem names the file and line. */
export function parseConfig(text: string, file: string): TokenServerConfig {
  const lines = new LineCounter();
  const document = parseDocument(text, { lineCounter: lines, prettyErrors: false, uniqueKeys: true });
  const at = (offset: number | undefined) => (offset === undefined ? file : `${file}:${lines.linePos(offset).line}`);
  const syntax = document.errors[0];
  if (syntax) throw new HelperError('invalid-input', `${at(syntax.pos[0])}: ${syntax.message.split('\n')[0]}`);
  const parsed = configSchema.safeParse(document.toJS({ maxAliasCount: 50 }));
  if (!parsed.success) {
    // A misspelt key explains the missing one it was meant to be: report it first.
    const issue = parsed.error.issues.find((candidate) => candidate.code === 'unrecognized_keys') ?? parsed.error.issues[0];
    // The deepest node of the path that exists in the document is where the problem is.
    let offset: number | undefined;
    for (let depth = issue.path.length; depth >= 0 && offset === undefined; depth--) {
      const node: unknown = document.getIn(issue.path.slice(0, depth) as Array<string | number>, true);
      if (isNode(node) && node.range) offset = node.range[0];
    }
    const where = issue.path.length ? `${issue.path.join('.')}: ` : '';
    const missing = issue.code === 'invalid_type' && issue.path.length > 0 && !document.hasIn(issue.path as Array<string | number>);
    throw new HelperError('invalid-input', `${at(offset)}: ${where}${missing ? 'missing' : issue.message}`);
  }
  return checkMeaning(parsed.data, file);
}

/** `127.0.0.1:5001`, `[::1]:5001`, `:5001` (every address). */
export function splitListen(listen: string): [string, number] | undefined {
  const match = /^(?:\[([^\]]+)\]|([^:]*)):(\d{1,5})$/.exec(listen);
  if (!match || Number(match[3]) > 65535) return undefined;
  return [match[1] ?? (match[2] || '0.0.0.0'), Number(match[3])];
}

/** What the schema cannot say. */
function checkMeaning(config: TokenServerConfig, file: string): TokenServerConfig {
  if (config.providers.length === 0 && !config.rules.some((rule) => rule.anonymous)) {
    throw new HelperError('invalid-input', `${file}: no providers and no anonymous rule: nobody could ever get a token`);
  }
  if (!splitListen(config.listen))
    throw new HelperError('invalid-input', `${file}: listen ${JSON.stringify(config.listen)} is not host:port (e.g. 127.0.0.1:5001)`);
  for (const provider of config.providers) {
    requireSecureUrl(provider.issuer, `${file}: providers[].issuer`);
    if (provider.passwordGrant && !provider.passwordClient) {
      throw new HelperError(
        'invalid-input',
        `${file}: providers[] ${provider.issuer}: passwordGrant needs passwordClient: {clientId: …} (the client whose password grant is on)`,
      );
    }
  }
  if (config.browserSignIn) checkBrowserSignIn(config, file);
  config.rules.forEach((rule, index) => {
    if (rule.anonymous && rule.match) throw new HelperError('invalid-input', `${file}: rules[${index}] has both anonymous and match: write two rules`);
    if (!rule.anonymous && !rule.match) throw new HelperError('invalid-input', `${file}: rules[${index}] needs match: {claim: glob} (or anonymous: true)`);
    if (rule.anonymous && rule.actions.some((action) => action !== 'pull')) {
      throw new HelperError('invalid-input', `${file}: rules[${index}]: anonymous rules may only pull`);
    }
  });
  return config;
}

function checkBrowserSignIn(config: TokenServerConfig, file: string): void {
  const browser = config.browserSignIn!;
  if (!config.providers.some((provider) => provider.issuer === browser.provider)) {
    throw new HelperError('invalid-input', `${file}: browserSignIn.provider ${browser.provider} is not the issuer of one of providers`);
  }
  const redirect = requireSecureUrl(browser.redirectUri, `${file}: browserSignIn.redirectUri`);
  if (redirect.pathname !== '/callback')
    throw new HelperError('invalid-input', `${file}: browserSignIn.redirectUri must end in /callback (this server's callback path)`);
  if (browser.origins.length === 0)
    throw new HelperError('invalid-input', `${file}: browserSignIn.origins is empty: name the web UIs (https://ui.example.com) allowed to use the sign-in`);
  browser.origins = browser.origins.map((origin) => {
    const url = requireSecureUrl(origin, `${file}: browserSignIn.origins[]`);
    if (url.origin !== origin.replace(/\/$/, ''))
      throw new HelperError('invalid-input', `${file}: browserSignIn.origins[] ${origin} must be an origin only (scheme://host[:port], no path)`);
    return url.origin;
  });
  browser.sessionTtl = Math.min(browser.sessionTtl, config.refreshTokenTtl);
}

export function loadConfig(file: string): TokenServerConfig {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    throw new HelperError('invalid-input', `cannot read the token server's configuration ${file}: ${(error as NodeJS.ErrnoException).code ?? String(error)}`);
  }
  return parseConfig(text, file);
}
