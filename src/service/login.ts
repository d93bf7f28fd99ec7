// registry-login: sign a person in with the device flow, or reuse the sign-in they already have at
// the same provider and client, keep the tokens only in the keychain, and remember the registry's
// settings (never a secret) so that the next registry-login and every `get` need no flags.
import type { Deps } from '../deps.js';
import { HelperError } from '../errors.js';
import { clientSecretOf } from '../config/clientSecret.js';
import { lookup, withKey } from '../config/ownKeys.js';
import { definedOnly, presetFor, resolveSettings, settingsFromEnv, type SettingsInput } from '../config/resolveSettings.js';
import { probeRegistry } from './registryProbe.js';
import { IDENTITY_TOKEN_USERNAME, isPipelineGrant, sessionKeyOf, storeOfRegistry, type HelperSettings, type OidcSession, type RegistryEntry, type StoreName, DEFAULT_MIN_VALIDITY_S } from '../model.js';
import { registriesOfSession } from '../config/settingsFile.js';
import { endSession } from './logout.js';
import type * as OpenIdClient from 'openid-client';
import { startBrowserSignIn } from '../oidc/browserFlow.js';
import { deviceGrantRefusal, startDeviceAuthorization, type DeviceCode } from '../oidc/deviceFlow.js';
import { requireSecureUrl } from '../oidc/endpointPolicy.js';
import { sessionFromTokens, type TokenResponse } from '../oidc/tokenResponse.js';
import { usernameFor } from '../oidc/tokenMath.js';
import { hostWithPort, parseServerUrl } from '../registryAddress.js';
import { deriveCredential, derivedRecord } from './deriveCredential.js';
import { runPipelineGrant } from '../oidc/pipelineGrant.js';
import { chooseStore } from './storeChoice.js';
import { usefulUntil } from './itemLifetime.js';
import type { StoredRecord } from '../store/record.js';
import { discoverAndRemember } from './providerEndpoints.js';

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
}

export async function login(deps: Deps, serverUrl: string, flags: SettingsInput, presenter: SignInPresenter): Promise<LoginResult> {
  const address = parseServerUrl(serverUrl);
  const registry = hostWithPort(address) + address.path;
  const saved = lookup((await deps.settings.read()).registries, address.key);
  const fromEnv = settingsFromEnv(deps.env);
  // No mode chosen anywhere: ask the registry which one it supports best.
  const unchosen = !flags.mode && !fromEnv.mode && !saved?.mode && !presetFor(registry).mode;
  const probed = unchosen ? await probeRegistry(hostWithPort(address), deps.fetchFor(flags.caFile ?? fromEnv.caFile)) : {};
  const settings = resolveSettings(registry, { ...probed, ...definedOnly(flags) }, fromEnv, saved);
  if (settings.exchangeUrl) requireSecureUrl(settings.exchangeUrl, '--exchange-url');
  requireSecureUrl(settings.issuer, 'issuer');
  const chosen: RegistryEntry = { ...settings, serverURL: saved?.serverURL ?? serverUrl.trim() };
  if (chosen.ciToken === 'kubelet') return kubeletConfiguration(deps, chosen, registry);
  const decision = await chooseStore(deps, chosen);
  const entry: RegistryEntry = { ...chosen, store: decision.store };
  if (entry.store === 'secret-service' && !chosen.store) delete entry.store;
  if (isPipelineGrant(entry.grant)) return pipelineLogin(deps, entry, registry, saved, decision.reason);

  // Found in the chosen store even before the settings file names it: a sign-in's account names its store.
  const existing = await deps.items.readKind(sessionKeyOf(entry), 'oidc-session');
  if (existing) {
    try {
      return await completeLogin(deps, entry, existing, true, saved, decision.reason);
    } catch (error) {
      // A dead session is why people run registry-login: sign in again below.
      if (!(error instanceof HelperError && error.code === 'session-expired')) throw error;
    }
  }

  const fetch = deps.fetchFor(entry.caFile);
  const { config: provider, metadata } = await discoverAndRemember(deps, entry, registry, fetch, clientSecretOf(entry, deps.env));
  const hasBrowserFlow = Boolean(provider.serverMetadata().authorization_endpoint);
  const grant = entry.grant ?? 'auto';
  let useBrowser = grant === 'authorization-code' || (grant === 'auto' && (presenter.canOpenBrowser || !metadata.device_authorization_endpoint));
  if (useBrowser && !hasBrowserFlow) {
    if (grant === 'authorization-code') throw new HelperError('idp-error', `${entry.issuer} publishes no authorization endpoint, so no browser sign-in: use --flow device-code`);
    useBrowser = false;
  }
  if (!useBrowser && !metadata.device_authorization_endpoint) {
    throw new HelperError('idp-error', `${entry.issuer} does not offer the device authorization grant (no device_authorization_endpoint): use --flow browser`);
  }

  let tokens: TokenResponse | undefined;
  if (!useBrowser) {
    try {
      tokens = await deviceCodeSignIn(deps, provider, entry, registry, presenter);
    } catch (error) {
      const refusal = grant === 'auto' && hasBrowserFlow ? deviceGrantRefusal(error) : undefined;
      if (!refusal) throw error;
      presenter.say(`${entry.issuer} does not allow the device code here (${refusal}): signing in with the browser instead`);
    }
  }
  tokens ??= await browserSignIn(deps, provider, entry, registry, presenter);
  const session: OidcSession = sessionFromTokens(tokens, entry, deps.nowS());
  return completeLogin(deps, entry, session, false, saved, decision.reason);
}

/**
 * A pipeline's registry-login checks the whole configuration by running the grant once (CI token,
 * client authentication, the provider's trust in both): a job fails at its login step with the
 * reason, not at its first push.
 */
async function pipelineLogin(deps: Deps, entry: RegistryEntry, registry: string, saved: RegistryEntry | undefined, storeReason: string | undefined): Promise<LoginResult> {
  const fetch = deps.fetchFor(entry.caFile);
  const { metadata } = await discoverAndRemember(deps, entry, registry, fetch);
  const tokens = await runPipelineGrant({ settings: entry, provider: metadata, registry, env: deps.env, fetch });
  return completeLogin(deps, entry, sessionFromTokens(tokens, entry, deps.nowS()), false, saved, storeReason);
}

/**
 * --ci-token kubelet: the token comes with each of the kubelet's requests (a pod's service account),
 * so there is nothing to obtain now. The provider's endpoints are checked and saved with the
 * registry; nothing is cached anywhere (the kubelet caches what it is given).
 */
async function kubeletConfiguration(deps: Deps, chosen: RegistryEntry, registry: string): Promise<LoginResult> {
  const entry: RegistryEntry = { ...chosen, store: 'none' };
  await discoverAndRemember(deps, entry, registry, deps.fetchFor(entry.caFile));
  const key = parseServerUrl(entry.serverURL).key;
  await deps.settings.update((s) => ({ ...s, registries: withKey(s.registries, key, entry) }));
  return { registry: hostWithPort(parseServerUrl(entry.serverURL)), username: '-', reusedSession: false, store: 'none', pipeline: true, kubeletOnly: true };
}

async function deviceCodeSignIn(deps: Deps, provider: OpenIdClient.Configuration, entry: RegistryEntry, registry: string, presenter: SignInPresenter): Promise<TokenResponse> {
  const authorization = await startDeviceAuthorization(provider, entry, registry, deps.nowS);
  const stopCountdown = presenter.showDeviceCode(authorization.code, { noBrowser: Boolean(entry.noBrowser) });
  try {
    return await authorization.waitForApproval(deps.terminal.interrupt);
  } finally {
    stopCountdown();
  }
}

async function browserSignIn(deps: Deps, provider: OpenIdClient.Configuration, entry: RegistryEntry, registry: string, presenter: SignInPresenter): Promise<TokenResponse> {
  const signIn = await startBrowserSignIn(provider, entry, registry, entry.redirectUri);
  presenter.openBrowser(signIn.authorizationUrl, { noBrowser: Boolean(entry.noBrowser) });
  const seconds = Number(deps.env.DOCKER_CREDENTIAL_OIDC_SIGN_IN_TIMEOUT);
  return signIn.waitForRedirect(deps.terminal.interrupt, Number.isFinite(seconds) && seconds > 0 ? seconds : DEFAULT_SIGN_IN_TIMEOUT_S);
}

/**
 * Saves the session, derives and caches the registry's credential, and records the settings.
 * `previous` is the registry's entry before this login (the sign-in it may be leaving).
 */
async function completeLogin(
  deps: Deps,
  entry: RegistryEntry,
  session: OidcSession,
  reused: boolean,
  previous: RegistryEntry | undefined,
  storeReason: string | undefined,
): Promise<LoginResult> {
  const key = parseServerUrl(entry.serverURL).key;
  const sessionKey = sessionKeyOf(entry);
  // A registry's item goes where the settings file says (model.ts storeOfAccount): a registry that
  // moves to another store is saved first, and what it kept in the old one is removed. (Its sign-in's
  // account names its store, so it needs no such care.)
  if (deps.settings.peekStoreOf(key) !== storeOfRegistry(entry)) {
    await deps.settings.update((s) => ({ ...s, registries: withKey(s.registries, key, entry) }));
    if (previous && storeOfRegistry(previous) !== storeOfRegistry(entry)) await forgetIn(deps, storeOfRegistry(previous), [key, sessionKeyOf(previous)]);
  }
  const result = await deps.withLock(sessionKey, async () => {
    if (!reused) await deps.items.write(sessionKey, session, usefulUntil(entry, session, session));
    const current = reused ? ((await deps.items.readKind(sessionKey, 'oidc-session')) ?? session) : session;
    const derived = await deriveCredential(deps, entry, current);
    const record: StoredRecord = derived.credential.cacheable
      ? derivedRecord(entry, derived.credential)
      : { kind: 'session-binding', serverURL: entry.serverURL, username: derived.credential.username, sessionKey };
    await deps.items.write(key, record, usefulUntil(entry, record, derived.session));
    return derived;
  });
  const settings = await deps.settings.update((s) => ({ ...s, registries: withKey(s.registries, key, entry) }));
  if (previous && sessionKeyOf(previous) !== sessionKey) await endAbandonedSession(deps, settings, previous);
  const outcome: LoginResult = {
    store: storeOfRegistry(entry),
    ...(storeReason ? { storeReason } : {}),
    pipeline: isPipelineGrant(entry.grant),
    registry: hostWithPort(parseServerUrl(entry.serverURL)),
    username: result.credential.username === IDENTITY_TOKEN_USERNAME ? usernameFor({ usernameClaim: 'preferred_username' }, result.session.claims) : result.credential.username,
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

/**
 * The registry signed in elsewhere (another --client-id, another spelling of the issuer): the sign-in
 * it leaves would otherwise keep a live refresh token that no logout reaches. It ends here, unless
 * another registry still uses it.
 */
async function endAbandonedSession(deps: Deps, settings: HelperSettings, previous: RegistryEntry): Promise<void> {
  if (registriesOfSession(settings, sessionKeyOf(previous)).length > 0) return;
  const outcome = await endSession(deps, settings, sessionKeyOf(previous), previous);
  if (outcome.revocationWarning) deps.terminal.stderr(`warning: ${outcome.revocationWarning}\n`);
}
