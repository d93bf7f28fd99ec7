// The slow path of `get` for a registry signed in with OIDC: its cached credential is missing or
// about to expire. Everything happens under the sign-in's cross-process lock, so that many `get`s at
// once (BuildKit, parallel builds) make exactly one refresh: providers rotate refresh tokens and
// revoke the whole grant when a used one is replayed, so two concurrent refreshes would sign the
// person out.
import type { Deps } from './deps.js';
import { notSignedIn } from '../errors.js';
import { isPipelineGrant, type OidcSession, type RegistryCredential, isFresh } from '../model.js';
import { deriveCredential, derivedRecord, keep } from './deriveCredential.js';
import { findConfiguredRegistry } from './configuredRegistry.js';

/** A pipeline's sign-in before its first grant. */
export function emptySession(entry: { issuer: string; clientId: string }, nowS: number): OidcSession {
  return { kind: 'oidc-session', issuer: entry.issuer, clientId: entry.clientId, authenticatedAt: nowS };
}

/** null when the registry is not configured for OIDC. */
export async function renewCredential(deps: Deps, key: string): Promise<RegistryCredential | null> {
  const registry = await findConfiguredRegistry(deps, key);
  if (!registry) return null;
  const { entry, sessionKey } = registry;

  if (entry.mode === 'identity-token') {
    // Nothing to refresh: the client redeems the refresh token itself.
    const session = await deps.items.readKind(sessionKey, 'oidc-session');
    if (!session) throw notSignedIn(registry.host);
    return (await deriveCredential(deps, registry, session)).credential;
  }

  return deps.withLock(sessionKey, async () => {
    // Another process may have renewed it while we waited for the lock. Both items are read at once:
    // each read is a keychain round trip of its own (~7 ms with the Secret Service).
    const [cached, stored] = await Promise.all([deps.items.readKind(key, 'derived'), deps.items.readKind(sessionKey, 'oidc-session')]);
    if (cached && isFresh(cached, deps.nowS(), entry.minValidity)) return { ...cached, cacheable: true };
    const pipeline = isPipelineGrant(entry.grant);
    // A pipeline needs no earlier sign-in: its grant runs whenever there is no fresh token.
    const session = stored ?? (pipeline ? emptySession(entry, deps.nowS()) : null);
    if (!session) throw notSignedIn(registry.host);
    const derived = await deriveCredential(deps, registry, session);
    const { credential } = derived;
    if (credential.cacheable) await keep(deps, entry, key, derivedRecord(entry, credential), derived.session);
    return credential;
  });
}
