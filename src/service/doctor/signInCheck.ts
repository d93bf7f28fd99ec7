// The sign-in get answers from: held or not, its token against --min-validity, and whether the
// provider renews it now. The renewal is real (a refresh-token grant at the token endpoint, never a
// prompt): a provider that rotates refresh tokens hands out a new one, so it runs exactly as get's
// does, under the sign-in's lock, and the result is stored before anything else.
import type { Deps } from '../deps.js';
import { notSignedIn, signInAgain } from '../../errors.js';
import { DEFAULT_MIN_VALIDITY_S, freshUntilS, isPipelineGrant, sessionKeyOf, type OidcSession } from '../../model.js';
import type { StoredRecord } from '../../store/record.js';
import { keep, renewSession } from '../deriveCredential.js';
import { configuredRegistry } from '../configuredRegistry.js';
import { fromError, ok, problem, type CheckResult, type DoctorTarget } from './check.js';
import { checkPipelineCredential } from './ciTokenPresence.js';

const CHECK = 'sign-in';
const REFRESH = 'refresh';

const at = (epochS: number) =>
  new Date(epochS * 1000)
    .toISOString()
    .replace('T', ' ')
    .replace(/\.\d+Z$/, ' UTC');

function minutes(seconds: number): string {
  return seconds >= 5400 ? `${Math.round(seconds / 3600)} h` : seconds >= 90 ? `${Math.round(seconds / 60)} min` : `${Math.round(seconds)} s`;
}

async function refreshNow(deps: Deps, target: DoctorTarget): Promise<number> {
  const { entry, registry } = target;
  const sessionKey = sessionKeyOf(entry);
  const started = Date.now();
  await deps.withLock(sessionKey, async () => {
    const current = await deps.items.readKind(sessionKey, 'oidc-session');
    if (!current) throw notSignedIn(registry);
    const renewed = await renewSession(deps, configuredRegistry(entry), current, deps.fetchFor(entry.caFile));
    await keep(deps, entry, sessionKey, renewed, renewed);
  });
  return Date.now() - started;
}

export async function checkSignIn(deps: Deps, target: DoctorTarget): Promise<CheckResult[]> {
  const { key, registry, entry } = target;
  if (isPipelineGrant(entry.grant)) return [await checkPipelineCredential(entry, registry, deps.env)];
  let record: StoredRecord | null;
  let session: OidcSession | null;
  try {
    record = await deps.items.read(key);
    session = await deps.items.readKind(sessionKeyOf(entry), 'oidc-session');
  } catch (error) {
    return [fromError('failed', CHECK, error, registry)];
  }
  if (record?.kind === 'static') return [ok(CHECK, `a password from docker login is kept for ${registry}; get answers it, not the sign-in`, registry)];
  if (!session) return [problem('failed', CHECK, `not signed in to ${registry}`, signInAgain(registry), registry)];
  const now = deps.nowS();
  const minValidity = entry.minValidity ?? DEFAULT_MIN_VALIDITY_S;
  const token = record?.kind === 'derived' ? record : session.accessToken;
  const left = token ? token.expiresAt - now : 0;
  // get hands a token out while it has --min-validity left (capped at half its lifetime), then renews it.
  const renewAt = token ? freshUntilS(token, minValidity) : 0;
  const state = !token
    ? 'no token yet'
    : left <= 0
      ? `the token expired at ${at(token.expiresAt)}`
      : `the token is valid until ${at(token.expiresAt)} (${minutes(left)} left); get ${renewAt > now ? `hands it out until ${at(renewAt)}, then renews it` : 'renews it now'} (--min-validity ${minutes(minValidity)})`;
  const results: CheckResult[] = [];
  if (session.refreshExpiresAt !== undefined && session.refreshExpiresAt <= now) {
    return [problem('failed', CHECK, `the sign-in to ${registry} ended at ${at(session.refreshExpiresAt)}`, signInAgain(registry), registry)];
  }
  if (!session.refreshToken) {
    const usable = token !== undefined && renewAt > now;
    results.push(
      problem(
        usable ? 'warning' : 'failed',
        CHECK,
        `signed in without a refresh token: ${state}, and nothing can renew it`,
        `${signInAgain(registry)} with offline_access in --scope`,
        registry,
      ),
    );
    return results;
  }
  results.push(ok(CHECK, `signed in${session.refreshExpiresAt ? ` until ${at(session.refreshExpiresAt)}` : ''}; ${state}`, registry));
  try {
    const tookMs = await refreshNow(deps, target);
    results.push(ok(REFRESH, `${entry.issuer} renewed the sign-in just now (${tookMs} ms); the new tokens are stored`, registry));
  } catch (error) {
    results.push(fromError('failed', REFRESH, error, registry));
  }
  return results;
}
