// The protocol's four operations over every kind of credential we hold: static ones from
// `docker login`, and registries signed in with OIDC. This is the path of every pull and build:
// `get` of a cached credential is one keychain read and one look at the settings file; the OIDC
// machinery (renewal, logout) is imported only when a token must be renewed or a sign-in ended.
import type { Deps } from './deps.js';
import { HelperError, notSignedIn } from '../errors.js';
import { IDENTITY_TOKEN_USERNAME, isPipelineGrant, sessionKeyOf, isFresh, type HandedCredential } from '../model.js';
import { KERNEL_CACHE_MAX_MS } from '../store/kernelCache/policy.js';
import type { CredentialHelper } from '../protocol/handleCommand.js';
import { CREDENTIALS_NOT_FOUND } from '../protocol/messages.js';
import { hostWithPort, parseServerUrl } from '../protocol/registryAddress.js';
import type { Credentials } from '../protocol/wire.js';
import { itemLockName } from '../store/lockingStore.js';

/** The kernel cache's name for list's answer: no registry key starts with a parenthesis. */
const LIST_ANSWER = '(list)';

function notFound(): HelperError {
  return new HelperError('credentials-not-found', CREDENTIALS_NOT_FOUND);
}

/**
 * What the protocol's operations use, and nothing more: the entry's cached answer (app/) provides
 * exactly this without stubbing the rest. Renewing in this process and ending a sign-in load the
 * OIDC machinery; they are functions so that only the paths that need them pay for it.
 */
export type CredentialHelperDeps = Pick<Deps, 'settings' | 'items' | 'withLock' | 'nowS' | 'renewDetached' | 'keychainAnswers'> & {
  /** A renewal in this process: a pipeline's grant (no refresh token to lose), an identity-token answer. */
  renewHere(registryKey: string): Promise<HandedCredential | null>;
  /** docker logout of a registry signed in with OIDC: its sign-in ends too. */
  endSignIn(registryKey: string): Promise<void>;
};

/** The protocol's operations over the program's full dependencies. */
export function credentialHelper(deps: Deps): CredentialHelper {
  return credentialHelperOver({
    ...deps,
    renewHere: async (registryKey) => (await import('./renewCredential.js')).renewCredential(deps, registryKey),
    endSignIn: async (registryKey) => {
      await (await import('./logout.js')).logoutRegistry(deps, registryKey, { forget: false });
    },
  });
}

export function credentialHelperOver(deps: CredentialHelperDeps): CredentialHelper {
  return {
    get: (serverUrl) => getCredential(deps, serverUrl),
    add: (credentials) => addCredential(deps, credentials),
    delete: (serverUrl) => deleteCredential(deps, serverUrl),
    list: () => listCredentials(deps),
  };
}

/**
 * Reads take no lock (the hot path), so an item being rewritten by another process can look absent
 * for a moment. Before a miss is taken for "signed out", wait for the item's write lock and look
 * again: only a miss that survives that is real. Costs nothing when the item is there.
 */
function readAfterWriters(deps: CredentialHelperDeps, key: string) {
  return deps.withLock(itemLockName(key), () => deps.items.read(key));
}

/** get: the registry's credential, renewed when stale (by a process that outlives this one). */
async function getCredential(deps: CredentialHelperDeps, serverUrl: string): Promise<Credentials> {
  const address = parseServerUrl(serverUrl);
  const entry = deps.settings.peekEntry(address.key);
  const pipeline = isPipelineGrant(entry?.grant);
  let record = await deps.items.read(address.key);
  const configured = !record && entry !== undefined;
  if (configured && !pipeline) record = await readAfterWriters(deps, address.key);
  const answer = (username: string, secret: string): Credentials => ({ ServerURL: serverUrl, Username: username, Secret: secret });
  if (record?.kind === 'static') return answer(record.username, record.secret);
  if (record?.kind === 'derived' && isFresh(record, deps.nowS(), record.minValidity)) return answer(record.username, record.secret);
  if (pipeline && record?.kind !== 'oidc-session' && record?.kind !== 'session-binding') {
    // A pipeline holds no refresh token a killed process could lose: its grant runs right here.
    const credential = await deps.renewHere(address.key);
    if (!credential) throw notFound();
    return answer(credential.username, credential.secret);
  }
  if (!record) {
    // A configured registry without an item was signed out (or never signed in): say what to run.
    if (configured) throw notSignedIn(hostWithPort(address));
    throw notFound();
  }
  if (record.kind === 'oidc-session') throw notFound();
  if (record.kind === 'session-binding') {
    // Identity-token mode: the answer is the session's current refresh token; nothing to renew.
    const credential = await deps.renewHere(address.key);
    if (!credential) throw notFound();
    return answer(credential.username, credential.secret);
  }
  // A stale token: renewed by a process that outlives this one if docker kills it, then read back.
  const handed = await deps.renewDetached(address.key);
  if (handed) return answer(handed.username, handed.secret);
  const renewed = (await deps.items.read(address.key)) ?? (await readAfterWriters(deps, address.key));
  if (renewed?.kind !== 'derived') throw notSignedIn(hostWithPort(address));
  return answer(renewed.username, renewed.secret);
}

/** store: what docker login stored, unless it is what get just handed out. */
async function addCredential(deps: CredentialHelperDeps, credentials: Credentials): Promise<void> {
  const { key } = parseServerUrl(credentials.ServerURL);
  // After a login docker stores what `get` just handed out: keep the sign-in, store nothing.
  const existing = await deps.items.readReplaceable(key);
  if (existing?.kind === 'derived' && existing.username === credentials.Username && existing.secret === credentials.Secret) return;
  const entry = deps.settings.peekEntry(key);
  if (credentials.Username === IDENTITY_TOKEN_USERNAME && entry) {
    const session = await deps.items.readKind(sessionKeyOf(entry), 'oidc-session');
    if (session?.refreshToken === credentials.Secret) return;
  }
  // Anything else is the person's explicit choice (docker login -u), even on an OIDC registry.
  await deps.items.write(key, { kind: 'static', serverURL: credentials.ServerURL, username: credentials.Username, secret: credentials.Secret });
}

/** erase (docker logout): the registry's credential goes, and so does its sign-in session. */
async function deleteCredential(deps: CredentialHelperDeps, serverUrl: string): Promise<void> {
  const { key } = parseServerUrl(serverUrl);
  if (deps.settings.peekEntry(key)) {
    await deps.endSignIn(key);
    return;
  }
  await deps.items.remove(key);
}

/** list: every credential's server and username (docker build asks before every build). */
async function listCredentials(deps: CredentialHelperDeps): Promise<Map<string, string>> {
  const listed = async () => {
    const result = new Map<string, string>();
    for (const item of await deps.items.entries()) {
      // One unreadable item must not hide the others from docker build.
      if ('record' in item && item.record.kind !== 'oidc-session') result.set(item.record.serverURL, item.record.username);
    }
    return result;
  };
  // docker build runs list before every build. Its answer (names, no secret) is kept in kernel
  // memory until the keychain changes; not when other stores are in use, whose writes do not
  // end it (the kernel keyring, nothing).
  if (!deps.keychainAnswers || deps.settings.peekOtherStoresInUse().length > 0) return listed();
  const answer = await deps.keychainAnswers.remember(LIST_ANSWER, KERNEL_CACHE_MAX_MS, async () => JSON.stringify([...(await listed())]));
  return new Map(JSON.parse(answer) as Array<[string, string]>);
}
