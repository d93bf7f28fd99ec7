// registry-login: sign a person in with the device flow, or reuse the sign-in they already have at
// the same provider and client, keep the tokens only in the keychain, and remember the registry's
// settings (never a secret) so that the next registry-login and every `get` need no flags.
import type { Deps } from './deps.js';
import { HelperError } from '../errors.js';
import { clientSecretOf } from '../config/clientSecret.js';
import { lookup, withKey } from '../config/ownKeys.js';
import { definedOnly, presetFor, resolveSettings, settingsFromEnv, type SettingsInput } from '../config/resolveSettings.js';
import { probeRegistry, probeRegistryService, type ProbedSettings } from './registryProbe.js';
import {
  IDENTITY_TOKEN_USERNAME,
  isPipelineGrant,
  sessionKeyOf,
  storeOfRegistry,
  type HelperSettings,
  type OidcSession,
  type RegistryEntry,
  type StoreName,
  type Fetch,
  type Grant,
  type ProviderMetadata,
  DEFAULT_MIN_VALIDITY_S,
} from '../model.js';
import { registriesOfSession } from '../config/settingsFile.js';
import { endSession } from './logout.js';
import type * as OpenIdClient from 'openid-client';
import { startBrowserSignIn } from '../oidc/browserFlow.js';
import { deviceGrantRefusal, startDeviceAuthorization, type DeviceCode } from '../oidc/deviceFlow.js';
import { requireSecureUrl } from '../oidc/endpointPolicy.js';
import { sessionFromTokens, type TokenResponse } from '../oidc/tokenResponse.js';
import { usernameFor } from '../oidc/tokenMath.js';
import { hostWithPort, parseServerUrl } from '../protocol/registryAddress.js';
import { deriveCredential, derivedRecord } from './deriveCredential.js';
import { runPipelineGrant } from '../oidc/pipelineGrant.js';
import { chooseStore } from './storeChoice.js';
import { usefulUntil } from './itemLifetime.js';
import type { StoredRecord } from '../store/record.js';
import { discoverProvider } from '../oidc/discovery.js';
import { configuredRegistry, type ConfiguredRegistry } from './configuredRegistry.js';

/** How the command shows a device code; returns a function that stops any countdown. */
export type ShowDeviceCode = (code: DeviceCode, options: { noBrowser: boolean }) => () => void;

/** What the command does for each way of signing in (cli/signInPresenter.ts). */
export interface SignInPresenter {
  /** A person at a desktop whose browser can be opened (not over SSH, not without a display). */
  canOpenBrowser: boolean;
  showDeviceCode: ShowDeviceCode;
  /** Shows the URL and opens the browser on it (unless --no-browser). */
  openBrowser(url: string, options: { noBrowser: boolean }): void;
  /** One line for the person (stderr). */
  say(line: string): void;
}

/** How long the browser flow waits for the redirect back (DOCKER_CREDENTIAL_OIDC_SIGN_IN_TIMEOUT s). */
const DEFAULT_SIGN_IN_TIMEOUT_S = 300;

export interface LoginResult {
  registry: string;
  username: string;
  /** True when an existing sign-in at the same provider and client was reused. */
  reusedSession: boolean;
  /** Epoch seconds; known only when the provider says how long the refresh token lives. */
  sessionValidUntil?: number;
  accessTokenExpiresAt?: number;
  /** Set when what `get` hands out lives less than the registry's minimum validity (seconds it lives). */
  shortLivedCredential?: { lifetime: number; minValidity: number };
  /** Where the tokens are kept, and why when it was not the keychain by choice. */
  store: StoreName;
  storeReason?: string;
  /** A pipeline: `get` runs the grant itself, no person ever needed. */
  pipeline: boolean;
  /** Configured for the kubelet only: each pull's service-account token is exchanged, none exists now. */
  kubeletOnly?: boolean;
  /** What went wrong on the side, for the command to show (a sign-in left behind whose revocation failed). */
  warnings?: string[];
}

export async function login(deps: Deps, serverUrl: string, flags: SettingsInput, presenter: SignInPresenter): Promise<LoginResult> {
  const address = parseServerUrl(serverUrl);
  const saved = lookup((await deps.settings.read()).registries, address.key);
  const chosen = await chosenEntry(deps, serverUrl, flags, saved);
  if (chosen.ciToken === 'kubelet') return kubeletConfiguration(deps, configuredRegistry({ ...chosen, store: 'none' }));
  const decision = await chooseStore(deps, chosen);
  const entry: RegistryEntry = { ...chosen, store: decision.store };
  if (entry.store === 'secret-service' && !chosen.store) delete entry.store;
  // Everything the rest needs about the registry, worked out once.
  const registry = configuredRegistry(entry);
  const done = { previous: saved, storeReason: decision.reason };
  if (isPipelineGrant(entry.grant)) return pipelineLogin(deps, registry, done);

  // Found in the chosen store even before the settings file names it: a sign-in's account names its store.
  const existing = await deps.items.readKind(registry.sessionKey, 'oidc-session');
  if (existing) {
    try {
      return await completeLogin(deps, registry, { session: existing, reused: true }, done);
    } catch (error) {
      // A dead session is why people run registry-login: sign in again below.
      if (!(error instanceof HelperError && error.code === 'session-expired')) throw error;
    }
  }
  const { tokens, endpoints } = await personSignIn(deps, registry, presenter);
  return completeLogin(deps, registry, { session: sessionFromTokens(tokens, entry, deps.nowS()), reused: false, endpoints }, done);
}

/** The registry's settings for this sign-in: flags over environment over saved, with what the registry's challenge says. */
async function chosenEntry(deps: Deps, serverUrl: string, flags: SettingsInput, saved: RegistryEntry | undefined): Promise<RegistryEntry> {
  const address = parseServerUrl(serverUrl);
  const name = address.key;
  const fromEnv = settingsFromEnv(deps.env);
  const mode = flags.mode ?? fromEnv.mode ?? saved?.mode ?? presetFor(name).mode;
  const asked = { mode, given: flags.exchangeUrl ?? fromEnv.exchangeUrl, saved: saved?.exchangeUrl };
  const probed = await probeFor(name, hostWithPort(address), asked, deps.fetchFor(flags.caFile ?? fromEnv.caFile));
  const settings = resolveSettings(name, { ...probed, ...definedOnly(flags) }, fromEnv, saved);
  if (settings.exchangeUrl) requireSecureUrl(settings.exchangeUrl, '--exchange-url');
  requireSecureUrl(settings.issuer, 'issuer');
  return { ...settings, serverURL: saved?.serverURL ?? serverUrl.trim() };
}

/** How a person signs in: the browser or the device code, and whether the device code may fall back to the browser. */
export function chooseSignInFlow(
  grant: Grant,
  offers: { browser: boolean; deviceCode: boolean },
  canOpenBrowser: boolean,
  issuer: string,
): { flow: 'browser' | 'device-code'; browserFallback: boolean } {
  let browser = grant === 'authorization-code' || (grant === 'auto' && (canOpenBrowser || !offers.deviceCode));
  if (browser && !offers.browser) {
    if (grant === 'authorization-code')
      throw new HelperError('idp-error', `${issuer} publishes no authorization endpoint, so no browser sign-in: use --flow device-code`);
    browser = false;
  }
  if (!browser && !offers.deviceCode) {
    throw new HelperError('idp-error', `${issuer} does not offer the device authorization grant (no device_authorization_endpoint): use --flow browser`);
  }
  // A provider may refuse the device code by policy (Entra's Conditional Access): auto then tries the browser.
  return { flow: browser ? 'browser' : 'device-code', browserFallback: !browser && grant === 'auto' && offers.browser };
}

/** A person's sign-in at the provider (discovered now), by the flow chooseSignInFlow picks, with its fallback. */
async function personSignIn(
  deps: Deps,
  registry: ConfiguredRegistry,
  presenter: SignInPresenter,
): Promise<{ tokens: TokenResponse; endpoints: ProviderMetadata }> {
  const { entry } = registry;
  const { config: provider, metadata } = await discoverProvider(entry, registry.key, deps.fetchFor(entry.caFile), deps.nowS(), clientSecretOf(entry, deps.env));
  const offers = { browser: Boolean(provider.serverMetadata().authorization_endpoint), deviceCode: Boolean(metadata.device_authorization_endpoint) };
  const choice = chooseSignInFlow(entry.grant ?? 'auto', offers, presenter.canOpenBrowser, entry.issuer);
  if (choice.flow === 'device-code') {
    try {
      return { tokens: await deviceCodeSignIn(deps, provider, registry, presenter), endpoints: metadata };
    } catch (error) {
      const refusal = choice.browserFallback ? deviceGrantRefusal(error) : undefined;
      if (!refusal) throw error;
      presenter.say(`${entry.issuer} does not allow the device code here (${refusal}): signing in with the browser instead`);
    }
  }
  return { tokens: await browserSignIn(deps, provider, registry, presenter), endpoints: metadata };
}

/**
 * What to ask the registry before signing in. No mode chosen anywhere: which one it supports best.
 * The exchange (acr) chosen without its URL: where it is, from the challenge (a token server in
 * front of a Distribution registry serves it at the realm's origin, not at the registry); with a
 * URL given now, the service the exchange must name. Azure's own hosts need neither.
 */
async function probeFor(registry: string, host: string, chosen: { mode?: string; given?: string; saved?: string }, fetch: Fetch): Promise<ProbedSettings> {
  if (!chosen.mode) return probeRegistry(host, fetch);
  if (chosen.mode !== 'acr' || presetFor(registry).mode) return {};
  if (chosen.given) return chosen.given === chosen.saved ? {} : probeRegistryService(host, fetch);
  return chosen.saved ? {} : probeRegistry(host, fetch);
}

/**
 * A pipeline's registry-login checks the whole configuration by running the grant once (CI token,
 * client authentication, the provider's trust in both): a job fails at its login step with the
 * reason, not at its first push.
 */
async function pipelineLogin(deps: Deps, registry: ConfiguredRegistry, done: LoginContext): Promise<LoginResult> {
  const { entry } = registry;
  const fetch = deps.fetchFor(entry.caFile);
  const { metadata } = await discoverProvider(entry, registry.key, fetch, deps.nowS());
  const tokens = await runPipelineGrant({ settings: entry, provider: metadata, registry: registry.key, env: deps.env, fetch });
  return completeLogin(deps, registry, { session: sessionFromTokens(tokens, entry, deps.nowS()), reused: false, endpoints: metadata }, done);
}

/**
 * --ci-token kubelet: the token comes with each of the kubelet's requests (a pod's service account),
 * so there is nothing to obtain now. The provider's endpoints are checked and saved with the
 * registry; nothing is cached anywhere (the kubelet caches what it is given).
 */
async function kubeletConfiguration(deps: Deps, registry: ConfiguredRegistry): Promise<LoginResult> {
  const { metadata } = await discoverProvider(registry.entry, registry.key, deps.fetchFor(registry.entry.caFile), deps.nowS());
  await deps.settings.update((s) => ({
    ...s,
    registries: withKey(s.registries, registry.key, registry.entry),
    providers: withKey(s.providers, registry.entry.issuer, metadata),
  }));
  return { registry: registry.host, username: '-', reusedSession: false, store: 'none', pipeline: true, kubeletOnly: true };
}

async function deviceCodeSignIn(
  deps: Deps,
  provider: OpenIdClient.Configuration,
  registry: ConfiguredRegistry,
  presenter: SignInPresenter,
): Promise<TokenResponse> {
  const authorization = await startDeviceAuthorization(provider, registry.entry, registry.key, deps.nowS);
  const stopCountdown = presenter.showDeviceCode(authorization.code, { noBrowser: Boolean(registry.entry.noBrowser) });
  try {
    return await authorization.waitForApproval(deps.terminal.interrupt);
  } finally {
    stopCountdown();
  }
}

async function browserSignIn(
  deps: Deps,
  provider: OpenIdClient.Configuration,
  registry: ConfiguredRegistry,
  presenter: SignInPresenter,
): Promise<TokenResponse> {
  const { entry } = registry;
  const signIn = await startBrowserSignIn(provider, entry, registry.key, entry.redirectUri);
  presenter.openBrowser(signIn.startUrl, { noBrowser: Boolean(entry.noBrowser) });
  const seconds = Number(deps.env.DOCKER_CREDENTIAL_OIDC_SIGN_IN_TIMEOUT);
  return signIn.waitForRedirect(deps.terminal.interrupt, Number.isFinite(seconds) && seconds > 0 ? seconds : DEFAULT_SIGN_IN_TIMEOUT_S);
}

/** How this login ends: the registry's entry before it (the sign-in it may be leaving), and why its store. */
interface LoginContext {
  previous: RegistryEntry | undefined;
  storeReason: string | undefined;
}

/**
 * Saves the session, derives and caches the registry's credential, and records the settings and the
 * provider's endpoints in one write (a registry moving to another store is saved first: its items
 * are routed by it).
 */
async function completeLogin(
  deps: Deps,
  registry: ConfiguredRegistry,
  signIn: { session: OidcSession; reused: boolean; endpoints?: ProviderMetadata },
  { previous, storeReason }: LoginContext,
): Promise<LoginResult> {
  const { entry, key, sessionKey } = registry;
  const { session, reused } = signIn;
  // A registry's item goes where the settings file says (model.ts storeOfAccount): a registry that
  // moves to another store is saved first, and what it kept in the old one is removed. (Its sign-in's
  // account names its store, so it needs no such care.)
  if (deps.settings.peekStoreOf(key) !== registry.store) {
    await deps.settings.update((s) => ({ ...s, registries: withKey(s.registries, key, entry) }));
    if (previous && storeOfRegistry(previous) !== registry.store) await forgetIn(deps, storeOfRegistry(previous), [key, sessionKeyOf(previous)]);
  }
  const saveAndDerive = () =>
    deps.withLock(sessionKey, async () => {
      if (!reused) await deps.items.write(sessionKey, session, usefulUntil(entry, session, session));
      const current = reused ? ((await deps.items.readKind(sessionKey, 'oidc-session')) ?? session) : session;
      const derived = await deriveCredential(deps, registry, current);
      const record: StoredRecord = derived.credential.cacheable
        ? derivedRecord(entry, derived.credential)
        : { kind: 'session-binding', serverURL: entry.serverURL, username: derived.credential.username, sessionKey };
      await deps.items.write(key, record, usefulUntil(entry, record, derived.session));
      return derived;
    });
  let result: Awaited<ReturnType<typeof saveAndDerive>>;
  try {
    result = await saveAndDerive();
  } catch (error) {
    // The registry refused what the new sign-in gives (a failed exchange): no live refresh token
    // may stay behind in the keychain or at the provider for a sign-in that failed.
    const warning = reused ? undefined : await endFailedSignIn(deps, registry, signIn.endpoints);
    // The sign-in's own failure is the one to report; what its clean-up could not do follows it.
    if (warning && error instanceof HelperError) throw new HelperError(error.code, `${error.message} (also: ${warning})`, { cause: error });
    throw error;
  }
  const endpoints = signIn.endpoints;
  const settings = await deps.settings.update((s) => ({
    ...s,
    registries: withKey(s.registries, key, entry),
    ...(endpoints ? { providers: withKey(s.providers, entry.issuer, endpoints) } : {}),
  }));
  const abandoned = previous && sessionKeyOf(previous) !== sessionKey ? await endAbandonedSession(deps, settings, previous) : undefined;
  const outcome: LoginResult = {
    ...(abandoned ? { warnings: [abandoned] } : {}),
    store: registry.store,
    ...(storeReason ? { storeReason } : {}),
    pipeline: isPipelineGrant(entry.grant),
    registry: registry.host,
    username:
      result.credential.username === IDENTITY_TOKEN_USERNAME
        ? usernameFor({ usernameClaim: 'preferred_username' }, result.session.claims)
        : result.credential.username,
    reusedSession: reused,
  };
  if (result.session.refreshExpiresAt) outcome.sessionValidUntil = result.session.refreshExpiresAt;
  if (result.session.accessToken) outcome.accessTokenExpiresAt = result.session.accessToken.expiresAt;
  const lifetime = result.credential.expiresAt - result.credential.issuedAt;
  const minValidity = entry.minValidity ?? DEFAULT_MIN_VALIDITY_S;
  if (result.credential.cacheable && lifetime < minValidity) outcome.shortLivedCredential = { lifetime, minValidity };
  return outcome;
}

/** Best effort: the old store may be gone (that is often why the registry moved). */
async function forgetIn(deps: Deps, store: StoreName, accounts: string[]): Promise<void> {
  for (const account of accounts) {
    try {
      await deps.stores[store].remove(account);
    } catch {
      // nothing more to do: it was unreachable
    }
  }
}

/** Revokes the new sign-in's refresh token at the provider (best effort) and removes it from the store; what it could not do. */
async function endFailedSignIn(deps: Deps, registry: ConfiguredRegistry, endpoints: ProviderMetadata | undefined): Promise<string | undefined> {
  const { entry, sessionKey } = registry;
  try {
    // The endpoints discovered for this sign-in are not saved yet (they are saved with its success).
    const settings = await deps.settings.read();
    const known = endpoints ? { ...settings, providers: withKey(settings.providers, entry.issuer, endpoints) } : settings;
    return (await endSession(deps, known, sessionKey, entry)).revocationWarning;
  } catch (error) {
    return `the failed sign-in could not be removed (${error instanceof Error ? error.message : String(error)}): run "docker-credential-oidc logout ${entry.serverURL}"`;
  }
}

/**
 * The registry signed in elsewhere (another --client-id, another spelling of the issuer): the sign-in
 * it leaves would otherwise keep a live refresh token that no logout reaches. It ends here, unless
 * another registry still uses it.
 */
async function endAbandonedSession(deps: Deps, settings: HelperSettings, previous: RegistryEntry): Promise<string | undefined> {
  if (registriesOfSession(settings, sessionKeyOf(previous)).length > 0) return undefined;
  return (await endSession(deps, settings, sessionKeyOf(previous), previous)).revocationWarning;
}
