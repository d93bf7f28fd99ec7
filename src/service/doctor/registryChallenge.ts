// What the registry's /v2/ challenge says about how it wants to be authenticated, against the mode
// get hands out: Basic (the token as a password), a token realm (Distribution's token auth), one
// that offers the exchange (Azure Container Registry, or docker-credential-oidc token-server), or a
// Keycloak docker-v2 realm, which takes only Keycloak passwords (service/registryProbe.ts).
import { registryOrigin } from '../../oidc/endpointPolicy.js';
import type { Deps } from '../deps.js';
import type { Fetch } from '../../model.js';
import { keycloakDockerRealm, parseBearerChallenge, probeRegistry } from '../registryProbe.js';
import { fromError, ok, problem, type CheckResult, type DoctorTarget } from './check.js';
import { classifyFailure, fixFor } from './networkFailure.js';

const CHECK = 'registry';

const KEYCLOAK_DOCKER_V2 = /\/protocol\/docker-v2\/auth\/?$/;

export async function checkRegistryChallenge(deps: Deps, target: DoctorTarget): Promise<CheckResult[]> {
  const { registry, entry } = target;
  const fetch = deps.fetchFor(entry.caFile);
  const url = new URL(`${registryOrigin(registry)}/v2/`);
  // get itself talks to the registry only in acr mode (the exchange): elsewhere an unreachable
  // registry is the client's problem, not ours.
  const severity = entry.mode === 'acr' ? 'failed' : 'warning';
  let response: Response;
  try {
    response = await fetch(url, { method: 'GET', signal: AbortSignal.timeout(10_000) });
    void response.body?.cancel();
  } catch (error) {
    const failure = classifyFailure(error);
    return [
      problem(
        severity,
        CHECK,
        `cannot reach ${url.href} (${failure.kind === 'tls' ? `TLS error: ${failure.what}` : failure.what})`,
        fixFor(failure, url, entry.caFile, deps.env),
        registry,
      ),
    ];
  }
  if (response.status === 200) return [ok(CHECK, `${url.href} asks for no credential`, registry)];
  const header = response.headers.get('www-authenticate');
  if (response.status !== 401 || !header) {
    return [
      problem(
        'warning',
        CHECK,
        `${url.href} answered HTTP ${response.status}${header ? '' : ' without a challenge'}: not a registry's answer`,
        'check the registry address',
        registry,
      ),
    ];
  }
  return answerToChallenge(header, target, fetch);
}

/** What the registry's challenge (its WWW-Authenticate) implies for the mode get hands out. */
async function answerToChallenge(header: string, target: DoctorTarget, fetch: Fetch): Promise<CheckResult[]> {
  const { registry, entry } = target;
  if (/^\s*basic\b/i.test(header)) {
    if (entry.mode === 'acr')
      return [
        problem(
          'failed',
          CHECK,
          `${registry} asks for Basic credentials, not the token exchange that --mode acr needs`,
          `sign in again with registry-login ${registry} --mode password`,
          registry,
        ),
      ];
    return [
      ok(
        CHECK,
        `${registry} asks for Basic credentials: get hands it the token as the ${entry.mode === 'identity-token' ? 'identity token' : 'password'}`,
        registry,
      ),
    ];
  }
  const challenge = parseBearerChallenge(header);
  if (!challenge?.realm)
    return [problem('warning', CHECK, `${registry}'s challenge names no token realm`, "check the registry's auth configuration", registry)];
  if (KEYCLOAK_DOCKER_V2.test(challenge.realm)) return [fromError('failed', CHECK, keycloakDockerRealm(registry, challenge.realm), registry)];
  let exchange: string | undefined;
  try {
    const probed = await probeRegistry(registry, fetch);
    if (probed.mode === 'acr') exchange = probed.exchangeUrl ?? `${registryOrigin(registry)}/oauth2/exchange`;
  } catch (error) {
    return [fromError('failed', CHECK, error, registry)];
  }
  const realm = challenge.realm.slice(0, 300);
  if (exchange) {
    const who = /\.azurecr\.(io|cn|us)$/i.test(registry)
      ? 'Azure Container Registry'
      : 'a token server with the exchange (docker-credential-oidc token-server, or ACR)';
    if (entry.mode === 'acr') return [ok(CHECK, `token realm ${realm}: ${who}; get exchanges the sign-in's token at ${exchange}`, registry)];
    return [
      ok(CHECK, `token realm ${realm}: ${who}; get hands out --mode ${entry.mode} (--mode acr would let docker renew its own registry tokens)`, registry),
    ];
  }
  if (entry.mode === 'acr')
    return [
      problem(
        'failed',
        CHECK,
        `token realm ${realm} offers no /oauth2/exchange, which --mode acr needs`,
        `sign in again with registry-login ${registry} --mode password`,
        registry,
      ),
    ];
  return [ok(CHECK, `token realm ${realm}: the realm must accept the OIDC token as the password`, registry)];
}
