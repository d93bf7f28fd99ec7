// Credentials for tools that cannot run a helper: a Kubernetes pull secret, or a config.json with
// inline `auths` (kaniko, BuildKit pods, GitLab's DOCKER_AUTH_CONFIG). Obtained exactly as `get`
// obtains them; the result is a secret and is only ever returned to be printed, never written.
import type { Deps } from './deps.js';
import { HelperError, signInAgain } from '../errors.js';
import { isPipelineGrant } from '../model.js';
import { decodeJwtPayload } from '../oidc/tokenMath.js';
import { hostWithPort, parseServerUrl } from '../protocol/registryAddress.js';
import { credentialHelper } from './credentialHelper.js';
import type { CredentialHelper } from '../protocol/handleCommand.js';
import type { Credentials } from '../protocol/wire.js';

export interface ExportedCredential {
  /** host[:port], the key of `auths`. */
  registry: string;
  username: string;
  secret: string;
  /** Epoch seconds; null when it does not expire (a docker login password) or nobody says. */
  expiresAt: number | null;
}

/** A pull secret is made to last: a credential that dies within the hour would break pulls silently. */
export const MIN_EXPORT_VALIDITY_S = 3600;

export async function exportCredentials(deps: Deps, servers: string[]): Promise<ExportedCredential[]> {
  if (servers.length === 0) throw new HelperError('invalid-input', 'name at least one registry');
  const helper = credentialHelper(deps);
  const result: ExportedCredential[] = [];
  for (const server of servers) {
    const address = parseServerUrl(server);
    const entry = deps.settings.peekEntry(address.key);
    const registry = hostWithPort(address);
    if (entry && isPipelineGrant(entry.grant)) {
      const { renewCredential } = await import('./renewCredential.js');
      const credential = await renewCredential(deps, address.key);
      if (credential) {
        result.push({ registry, username: credential.username, secret: credential.secret, expiresAt: credential.expiresAt });
        continue;
      }
    }
    const answer = entry ? await helper.get(server) : await dockerLoginPassword(helper, server, registry);
    const record = await deps.items.read(address.key);
    let expiresAt: number | null = null;
    if (record?.kind === 'derived' && record.secret === answer.Secret) expiresAt = record.expiresAt;
    else if (record?.kind !== 'static') {
      const exp = decodeJwtPayload(answer.Secret)?.exp;
      expiresAt = typeof exp === 'number' ? exp : null;
    }
    result.push({ registry, username: answer.Username, secret: answer.Secret, expiresAt });
  }
  return result;
}

/**
 * A registry we do not configure can only hold a `docker login` password, which lives in the
 * keychain. When there is none (or no keychain at all: a CI agent, a server) the useful answer is
 * that the registry is not configured, not the keychain's own complaint.
 */
async function dockerLoginPassword(helper: CredentialHelper, server: string, registry: string): Promise<Credentials> {
  try {
    return await helper.get(server);
  } catch (error) {
    if (error instanceof HelperError && (error.code === 'credentials-not-found' || error.code === 'keychain-unavailable')) {
      throw new HelperError(
        'not-configured',
        `${registry} is not configured and has no docker login password: ${signInAgain(registry)} (or docker login ${registry})`,
        { cause: error },
      );
    }
    throw error;
  }
}

/** docker's config.json `auths`, with `auth` (what kaniko and the kubelet read) beside the fields. */
export function dockerConfigOf(credentials: ExportedCredential[]): { auths: Record<string, { username: string; password: string; auth: string }> } {
  const auths = Object.create(null) as Record<string, { username: string; password: string; auth: string }>;
  for (const c of credentials) {
    auths[c.registry] = { username: c.username, password: c.secret, auth: Buffer.from(`${c.username}:${c.secret}`).toString('base64') };
  }
  return { auths: { ...auths } };
}

/** Registries whose credential dies sooner than MIN_EXPORT_VALIDITY_S, with the seconds they have. */
export function shortLived(credentials: ExportedCredential[], nowS: number): Array<{ registry: string; seconds: number }> {
  return credentials
    .filter((c) => c.expiresAt !== null && c.expiresAt - nowS < MIN_EXPORT_VALIDITY_S)
    .map((c) => ({ registry: c.registry, seconds: Math.max(0, c.expiresAt! - nowS) }));
}
