// Every per-registry setting, declared once: its command-line flag, its environment variable, its help
// line and its kind. The login command's options, the environment's layer, the settings file's schema
// and the resolver's list of optional settings are all derived from this table, so a new setting is
// one row here plus its field in RegistrySettings (model.ts), and the compiler checks the two agree.
// Loaded off the hot path only; it imports neither zod nor commander (their adapters do).
import { HelperError } from '../errors.js';
import { CREDENTIAL_MODES, FLOWS, GRANTS, SECRET_TOKENS, STORES, type Grant, type RegistrySettings, type StoreName } from '../model.js';
import { CI_TOKEN_SOURCES } from './ciTokenSource.js';

/** What a setting's text means: free text, yes/no, a duration in seconds, or one of a list. */
export type SettingKind = { type: 'text' } | { type: 'boolean' } | { type: 'seconds' } | { type: 'choice'; choices: readonly string[] };

export interface RegistrySettingSpec {
  /** The login command's flag, commander syntax (`--issuer <url>`); none for what only discovery sets. */
  flag?: string;
  help: string;
  kind: SettingKind;
  /** Present in every resolved RegistrySettings (the resolver fills a default). */
  required?: true;
}

const text = { type: 'text' } as const;
const choice = (choices: readonly string[]) => ({ type: 'choice', choices }) as const;

export const REGISTRY_SETTINGS = {
  issuer: { flag: '--issuer <url>', help: 'OpenID provider (issuer) URL', kind: text, required: true },
  clientId: { flag: '--client-id <id>', help: 'public client registered at the provider for the device flow', kind: text, required: true },
  scope: { flag: '--scope <scopes>', help: 'scopes to request (default "openid offline_access")', kind: text, required: true },
  audience: { flag: '--audience <value>', help: 'audience parameter for the access token', kind: text },
  resource: { flag: '--resource <uri>', help: 'RFC 8707 resource indicator for the access token', kind: text },
  mode: { flag: '--mode <mode>', help: 'what get hands the registry', kind: choice(CREDENTIAL_MODES), required: true },
  username: { flag: '--username <name>', help: 'literal username for the registry (e.g. oauth2, oauth2accesstoken)', kind: text },
  usernameClaim: {
    flag: '--username-claim <claim>',
    help: 'ID token claim used as username (default preferred_username, then sub)',
    kind: text,
    required: true,
  },
  secretToken: { flag: '--secret <token>', help: 'password mode: which token is the password', kind: choice(SECRET_TOKENS), required: true },
  noBrowser: { flag: '--no-browser', help: 'do not open a browser; only print the URL and code', kind: { type: 'boolean' } },
  caFile: { flag: '--ca-file <path>', help: 'PEM file of extra CA certificates for the provider and registry', kind: text },
  tenant: { flag: '--tenant <id>', help: 'Entra ID tenant (acr mode); sets the issuer', kind: text },
  grant: {
    flag: '--grant <grant>',
    help: 'how tokens are obtained: a person (auto, device-code, authorization-code: the same as --flow), or a pipeline with no person, again at every renewal',
    kind: choice(GRANTS),
  },
  clientSecretFile: {
    flag: '--client-secret-file <path>',
    help: 'a file holding the client secret (confidential clients, Google device clients); only the path is saved',
    kind: text,
  },
  clientSecretEnv: { flag: '--client-secret-env <name>', help: 'an environment variable holding the client secret; only its name is saved', kind: text },
  privateKeyFile: {
    flag: '--private-key-file <path>',
    help: 'client-credentials with private_key_jwt: a PEM or JWK private key (a certificate in the PEM adds x5t for Entra ID); only the path is saved',
    kind: text,
  },
  ciToken: { flag: '--ci-token <source>', help: `the CI platform's OIDC token, fetched anew for every grant: ${CI_TOKEN_SOURCES}`, kind: text },
  ciTokenAudience: {
    flag: '--ci-token-audience <aud>',
    help: 'the audience to ask the CI platform for (GitHub Actions; Entra ID expects api://AzureADTokenExchange)',
    kind: text,
  },
  subjectTokenType: {
    flag: '--subject-token-type <uri>',
    help: "token-exchange: the CI token's type (default urn:ietf:params:oauth:token-type:jwt)",
    kind: text,
  },
  store: {
    flag: '--store <store>',
    help: 'where tokens are kept (default: the Secret Service; pipelines fall back to kernel, then none)',
    kind: choice(STORES),
  },
  redirectUri: {
    flag: '--redirect-uri <uri>',
    help: 'browser flow: the loopback redirect registered at the provider (default http://127.0.0.1/callback on a free port)',
    kind: text,
  },
  exchangeUrl: {
    flag: '--exchange-url <url>',
    help: "acr mode: exchange the provider's token here for a registry refresh token (default: found from the registry's challenge)",
    kind: text,
  },
  minValidity: {
    flag: '--min-validity <duration>',
    help: 'how long a credential must stay valid after get hands it out (default 10m: BuildKit keeps it that long)',
    kind: { type: 'seconds' },
  },
  // Learnt from the registry's challenge at sign-in; no flag.
  registryService: { help: "the service the registry's challenge names, when not its host", kind: text },
} as const satisfies Record<keyof RegistrySettings, RegistrySettingSpec>;

export type RegistrySettingKey = keyof typeof REGISTRY_SETTINGS;

export const REGISTRY_SETTING_KEYS = Object.keys(REGISTRY_SETTINGS) as RegistrySettingKey[];

/** The settings the resolver copies through when given (the required ones it computes). */
export const OPTIONAL_SETTING_KEYS = REGISTRY_SETTING_KEYS.filter((key) => !('required' in REGISTRY_SETTINGS[key]));

/** DOCKER_CREDENTIAL_OIDC_ and the key in upper snake case: clientId → DOCKER_CREDENTIAL_OIDC_CLIENT_ID. */
export function envNameOf(key: RegistrySettingKey): string {
  return `DOCKER_CREDENTIAL_OIDC_${key.replace(/[A-Z]/g, (letter) => `_${letter}`).toUpperCase()}`;
}

/** A --grant value, or a --flow one (browser, device-code, auto). */
export function grantOf(value: string, what = '--grant'): Grant {
  if ((GRANTS as readonly string[]).includes(value)) return value as Grant;
  const flow = Object.hasOwn(FLOWS, value) ? FLOWS[value] : undefined;
  if (flow) return flow;
  throw new HelperError('invalid-input', `${what} ${JSON.stringify(value)}: use one of ${[...GRANTS, 'browser'].join(', ')}`);
}

/** A --store value. */
export function storeOf(value: string, what = '--store'): StoreName {
  return settingFromText('store', value, what) as StoreName;
}

/** --min-validity "10m" (or 90s, 1h, plain seconds) as seconds; refused with what to write otherwise. */
export function minValidityOf(value: string, what = '--min-validity'): number {
  const match = /^\s*(\d+)\s*(s|m|h)?\s*$/i.exec(value);
  if (!match) throw new HelperError('invalid-input', `${what} ${JSON.stringify(value)} is not a duration: write e.g. 10m, 90s or 1h`);
  return Number(match[1]) * { s: 1, m: 60, h: 3600 }[(match[2] ?? 's').toLowerCase() as 's' | 'm' | 'h'];
}

/** A setting's value from its text (a flag's or an environment variable's); `what` names the source in errors. */
export function settingFromText(key: RegistrySettingKey, value: string, what: string): string | number | boolean {
  if (key === 'grant') return grantOf(value, what);
  const kind: SettingKind = REGISTRY_SETTINGS[key].kind;
  switch (kind.type) {
    case 'text':
      return value;
    case 'boolean':
      return !/^(0|false|no)$/i.test(value);
    case 'seconds':
      return minValidityOf(value, what);
    case 'choice':
      if (kind.choices.includes(value)) return value;
      throw new HelperError('invalid-input', `${what} ${JSON.stringify(value)}: use one of ${kind.choices.join(', ')}`);
  }
}
