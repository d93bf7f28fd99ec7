// Which OpenID provider signs a person in for a registry, and what `get` hands the registry. Only
// non-secret settings live here; they are persisted per registry so a second `registry-login REG`
// needs no flags. Precedence: command-line flag > environment variable > saved setting > default.
import { HelperError, signInAgain } from '../errors.js';
import { CREDENTIAL_MODES, SECRET_TOKENS, isPipelineGrant, type RegistrySettings } from '../model.js';
import { parseCiTokenSource } from './ciTokenSource.js';
import { OPTIONAL_SETTING_KEYS, REGISTRY_SETTING_KEYS, envNameOf, settingFromText } from './registrySettingsTable.js';

export type SettingsInput = Partial<RegistrySettings>;

const DEFAULT_SCOPE = 'openid offline_access';
/** Entra ID's client-credentials scope for ACR: the resource's .default (no user, no refresh token). */
const ACR_PIPELINE_SCOPE = 'https://containerregistry.azure.net/.default';
/** Azure CLI's public client: every Entra ID tenant accepts it for device-code sign-in. */
export const AZURE_CLI_CLIENT_ID = '04b07795-8ddb-461a-bbee-02f9e1bf7b46';
const ACR_SCOPE = 'openid offline_access https://containerregistry.azure.net/.default';

/** The environment's layer: each setting's DOCKER_CREDENTIAL_OIDC_ variable (see the settings table). */
export function settingsFromEnv(env: NodeJS.ProcessEnv): SettingsInput {
  const result: Record<string, unknown> = {};
  for (const key of REGISTRY_SETTING_KEYS) {
    const name = envNameOf(key);
    const value = env[name];
    if (value !== undefined && value !== '') result[key] = settingFromText(key, value, name);
  }
  return result;
}

export function definedOnly(input: SettingsInput): SettingsInput {
  return Object.fromEntries(Object.entries(input).filter(([, v]) => v !== undefined));
}

/**
 * Defaults a registry's own name implies, beneath everything the person gave: Azure Container
 * Registry signs in with Entra ID and exchanges the token (acr mode); Google Artifact Registry and
 * Container Registry take a Google access token with the username oauth2accesstoken.
 */
export function presetFor(registry: string): SettingsInput {
  const host = registry.replace(/[:/].*$/, '').toLowerCase();
  if (host.endsWith('.azurecr.io')) return { mode: 'acr' };
  if (host.endsWith('-docker.pkg.dev') || host === 'gcr.io' || host.endsWith('.gcr.io')) {
    return { issuer: GOOGLE_ISSUER, username: 'oauth2accesstoken', scope: GOOGLE_SCOPE };
  }
  return {};
}

const GOOGLE_ISSUER = 'https://accounts.google.com';
const GOOGLE_SCOPE = 'openid https://www.googleapis.com/auth/cloud-platform';

/** Merges the layers and fills defaults; throws when the result cannot sign anybody in. */
export function resolveSettings(registry: string, flags: SettingsInput, env: SettingsInput, saved: SettingsInput | undefined): RegistrySettings {
  const merged: SettingsInput = { ...presetFor(registry), ...definedOnly(saved ?? {}), ...definedOnly(env), ...definedOnly(flags) };
  const mode = merged.mode ?? 'password';
  if (!CREDENTIAL_MODES.includes(mode)) {
    throw new HelperError('invalid-input', `unknown --mode ${JSON.stringify(mode)}: use one of ${CREDENTIAL_MODES.join(', ')}`);
  }
  const secretToken = merged.secretToken ?? 'access-token';
  if (!SECRET_TOKENS.includes(secretToken)) {
    throw new HelperError('invalid-input', `unknown --secret ${JSON.stringify(secretToken)}: use access-token or id-token`);
  }
  let issuer = merged.issuer;
  if (!issuer && merged.tenant) issuer = `https://login.microsoftonline.com/${encodeURIComponent(merged.tenant)}/v2.0`;
  if (!issuer) {
    throw new HelperError('not-configured', `no OpenID provider known for ${registry}: ${signInAgain(`${registry} --issuer URL --client-id ID`)}`);
  }
  const pipeline = isPipelineGrant(merged.grant);
  // A pipeline signs in as its own application: the Azure CLI's public client is only for people.
  const clientId = merged.clientId ?? (mode === 'acr' && !pipeline ? AZURE_CLI_CLIENT_ID : undefined);
  if (!clientId && pipeline) {
    throw new HelperError(
      'not-configured',
      `no client id for ${registry}: add --client-id ID (the application or client that --grant ${merged.grant} signs in as)`,
    );
  }
  if (!clientId) {
    const kind =
      issuer === GOOGLE_ISSUER
        ? 'a Google OAuth client of type "TVs and Limited Input devices", with --client-secret-file'
        : `the public client registered at ${issuer}`;
    throw new HelperError('not-configured', `no client id for ${registry}: add --client-id ID (${kind})`);
  }
  const settings: RegistrySettings = {
    issuer: issuer.replace(/\/+$/, ''),
    clientId,
    scope: merged.scope ?? (pipeline ? (mode === 'acr' ? ACR_PIPELINE_SCOPE : '') : mode === 'acr' ? ACR_SCOPE : DEFAULT_SCOPE),
    mode,
    usernameClaim: merged.usernameClaim ?? 'preferred_username',
    secretToken,
  };
  for (const optional of OPTIONAL_SETTING_KEYS) {
    if (merged[optional] !== undefined) (settings as unknown as Record<string, unknown>)[optional] = merged[optional];
  }
  if (pipeline) return checkPipelineSettings(registry, settings);
  if (settings.ciToken || settings.privateKeyFile) {
    throw new HelperError(
      'invalid-input',
      `--ci-token and --private-key-file sign in a pipeline: add --grant client-credentials, token-exchange or jwt-bearer`,
    );
  }
  if (settings.store === 'none') {
    throw new HelperError('invalid-input', `--store none keeps no sign-in, so a person would sign in at every pull: use --store kernel, or a pipeline --grant`);
  }
  if (!/\boffline_access\b/.test(settings.scope)) {
    // Without it most providers issue no refresh token, and every expiry would mean a new sign-in.
    settings.scope = `${settings.scope} offline_access`;
  }
  return settings;
}

/** What each pipeline grant needs: its own client authentication, or a CI token to present. */
function checkPipelineSettings(registry: string, settings: RegistrySettings): RegistrySettings {
  if (settings.mode === 'identity-token') {
    throw new HelperError('invalid-input', `--mode identity-token hands out a refresh token, and a pipeline's grant gives none: use --mode password or acr`);
  }
  if (settings.ciToken) parseCiTokenSource(settings.ciToken);
  const secrets = [
    settings.clientSecretFile && '--client-secret-file',
    settings.clientSecretEnv && '--client-secret-env',
    settings.privateKeyFile && '--private-key-file',
  ].filter(Boolean);
  if (secrets.length > 1) throw new HelperError('invalid-input', `${secrets.join(' and ')} both authenticate the client: keep one`);
  if (settings.grant === 'client-credentials' && secrets.length === 0 && !settings.ciToken) {
    throw new HelperError(
      'not-configured',
      `--grant client-credentials for ${registry} needs the client's credential: add --client-secret-file PATH, --client-secret-env NAME, --private-key-file PATH, or --ci-token SOURCE (workload identity federation)`,
    );
  }
  if ((settings.grant === 'token-exchange' || settings.grant === 'jwt-bearer') && !settings.ciToken) {
    throw new HelperError(
      'not-configured',
      `--grant ${settings.grant} for ${registry} presents the CI platform's token: add --ci-token github-actions, gitlab:VARNAME, file:PATH, azure-pipelines or auto`,
    );
  }
  if (settings.ciToken && settings.grant === 'client-credentials' && secrets.length > 0) {
    throw new HelperError(
      'invalid-input',
      `--ci-token with --grant client-credentials is the client's credential (a federated assertion): drop ${secrets.join(', ')}`,
    );
  }
  return settings;
}
