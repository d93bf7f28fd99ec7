// registry-login: sign a person in with the OAuth 2.0 Device Authorization Grant (RFC 8628), or
// reuse the sign-in they already have at the same provider and client, and keep the tokens only in
// the keychain. openid-client's pollDeviceAuthorizationGrant handles authorization_pending,
// slow_down, Retry-After and cancellation.
import * as client from 'openid-client';
import { readHelperConfig, updateHelperConfig } from '../config/helperConfigFile.js';
import type { RegistryEntry } from '../config/helperConfig.js';
import { resolveSettings, sessionKeyOf, settingsFromEnv, type SettingsInput } from '../config/registrySettings.js';
import { HelperError } from '../errors.js';
import { createFetch, describeNetworkError } from '../oidc/httpClient.js';
import { requireSecureUrl } from '../oidc/endpointPolicy.js';
import { discoverProvider } from '../oidc/provider.js';
import { sessionFromTokens } from '../oidc/sessionTokens.js';
import { audienceParameters } from '../oidc/tokenMath.js';
import { hostWithPort, parseServerUrl } from '../protocol/serverUrl.js';
import { encodeRecord, type OidcSessionRecord } from '../store/record.js';
import { deriveCredential, derivedRecord, readSession, type SessionDeps } from './sessionCredential.js';

export interface DeviceCode {
  userCode: string;
  verificationUri: string;
  verificationUriComplete?: string;
  /** Epoch seconds. */
  expiresAt: number;
}

export interface LoginUi {
  /** Shows the code and URL (and may open a browser); returns a function that stops any countdown. */
  showDeviceCode(code: DeviceCode, settings: { noBrowser: boolean }): () => void;
}

export interface LoginResult {
  registry: string;
  username: string;
  /** True when an existing sign-in at the same provider and client was reused. */
  reusedSession: boolean;
  /** Epoch seconds; known only when the provider says how long the refresh token lives. */
  sessionValidUntil?: number;
  accessTokenExpiresAt?: number;
}

export async function login(
  serverUrl: string,
  flags: SettingsInput,
  deps: SessionDeps & { ui: LoginUi; signal: AbortSignal },
): Promise<LoginResult> {
  const address = parseServerUrl(serverUrl);
  const registry = hostWithPort(address) + address.path;
  const config = readHelperConfig(deps.configPath);
  const saved = config.registries[address.key];
  const settings = resolveSettings(registry, flags, settingsFromEnv(deps.env), saved);
  requireSecureUrl(settings.issuer, 'issuer');
  const entry: RegistryEntry = { ...settings, serverURL: saved?.serverURL ?? serverUrl.trim() };
  const sessionKey = sessionKeyOf(entry);

  const existing = await readSession(deps.store, sessionKey);
  if (existing) {
    try {
      return await completeLogin(entry, existing, deps, true);
    } catch (error) {
      // A dead session is why people run registry-login: sign in again below.
      if (!(error instanceof HelperError && error.code === 'session-expired')) throw error;
    }
  }

  const fetch = (deps.fetchFor ?? ((caFile) => createFetch({ caFile, env: deps.env })))(entry.caFile);
  const { config: provider, metadata } = await discoverProvider(entry, fetch, deps.nowS());
  if (!metadata.device_authorization_endpoint) {
    throw new HelperError('idp-error', `${entry.issuer} does not offer the device authorization grant (no device_authorization_endpoint)`);
  }
  await updateHelperConfig(deps.configPath, deps.withLock, (c) => ({ ...c, providers: { ...c.providers, [entry.issuer]: metadata } }));

  const audience = audienceParameters(entry);
  let authorization: client.DeviceAuthorizationResponse;
  try {
    authorization = await client.initiateDeviceAuthorization(provider, { scope: entry.scope, ...audience });
  } catch (error) {
    throw describeDeviceFlowError(error, entry.issuer, registry);
  }
  const stopCountdown = deps.ui.showDeviceCode(
    {
      userCode: authorization.user_code,
      verificationUri: authorization.verification_uri,
      ...(authorization.verification_uri_complete ? { verificationUriComplete: authorization.verification_uri_complete } : {}),
      expiresAt: deps.nowS() + authorization.expires_in,
    },
    { noBrowser: Boolean(entry.noBrowser) },
  );
  let session: OidcSessionRecord;
  try {
    // openid-client notices the signal only at its next poll (5 s apart): stop at once instead.
    const cancelled = new Promise<never>((_, reject) => {
      const onAbort = () => reject(new HelperError('interrupted', 'sign-in cancelled'));
      if (deps.signal.aborted) onAbort();
      else deps.signal.addEventListener('abort', onAbort, { once: true });
    });
    const tokens = await Promise.race([
      client.pollDeviceAuthorizationGrant(provider, authorization, audience, { signal: deps.signal }),
      cancelled,
    ]);
    session = sessionFromTokens(tokens, entry, deps.nowS());
  } catch (error) {
    if (deps.signal.aborted) throw new HelperError('interrupted', 'sign-in cancelled');
    throw describeDeviceFlowError(error, entry.issuer, registry);
  } finally {
    stopCountdown();
  }
  return completeLogin(entry, session, deps, false);
}

/** Saves the session, derives and caches the registry's credential, and records the settings. */
async function completeLogin(entry: RegistryEntry, session: OidcSessionRecord, deps: SessionDeps, reused: boolean): Promise<LoginResult> {
  const key = parseServerUrl(entry.serverURL).key;
  const sessionKey = sessionKeyOf(entry);
  const result = await deps.withLock(sessionKey, async () => {
    if (!reused) await deps.store.write(sessionKey, encodeRecord(session));
    const current = reused ? ((await readSession(deps.store, sessionKey)) ?? session) : session;
    const derived = await deriveCredential(entry, current, deps);
    const item = derived.credential.cacheable
      ? derivedRecord(entry, derived.credential)
      : { kind: 'session-binding' as const, serverURL: entry.serverURL, username: derived.credential.username, sessionKey };
    await deps.store.write(key, encodeRecord(item));
    return derived;
  });
  await updateHelperConfig(deps.configPath, deps.withLock, (c) => ({ ...c, registries: { ...c.registries, [key]: entry } }));
  const outcome: LoginResult = {
    registry: hostWithPort(parseServerUrl(entry.serverURL)),
    username: result.credential.username === '<token>' ? String(result.session.claims?.preferred_username ?? result.session.claims?.sub ?? 'you') : result.credential.username,
    reusedSession: reused,
  };
  if (result.session.refreshExpiresAt) outcome.sessionValidUntil = result.session.refreshExpiresAt;
  if (result.session.accessToken) outcome.accessTokenExpiresAt = result.session.accessToken.expiresAt;
  return outcome;
}

function describeDeviceFlowError(error: unknown, issuer: string, registry: string): HelperError {
  if (error instanceof HelperError) return error;
  if (error instanceof Error && error.name === 'AbortError') {
    return new HelperError('interrupted', 'sign-in cancelled');
  }
  if (error instanceof client.ResponseBodyError) {
    if (error.error === 'access_denied') {
      return new HelperError('access-denied', `sign-in to ${registry} was denied at ${issuer}`, { cause: error });
    }
    if (error.error === 'expired_token') {
      return new HelperError('device-code-expired', `the code expired before sign-in finished: run "registry-login ${registry}" again`, { cause: error });
    }
    const detail = error.error_description ? `${error.error} (${error.error_description})` : error.error;
    return new HelperError('idp-error', `${issuer} refused the sign-in: ${detail}`, { cause: error });
  }
  if (error instanceof client.ClientError) {
    return new HelperError('idp-error', `unexpected answer from ${issuer}: ${error.message}`, { cause: error });
  }
  const cause = (error as { cause?: unknown })?.cause;
  if (cause instanceof Error && cause.name === 'AbortError') return new HelperError('interrupted', 'sign-in cancelled');
  return new HelperError('idp-unreachable', `cannot reach the OpenID provider ${issuer}: ${describeNetworkError(error)}`, { cause: error });
}
