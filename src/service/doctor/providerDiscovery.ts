// The provider's OpenID discovery document, fetched through the fetch get uses (deps.fetchFor: proxy
// variables, the registry's --ca-file, NODE_EXTRA_CA_CERTS), and its Date header for the clock check.
import type { Deps } from '../deps.js';
import { ok, problem, type CheckResult, type DoctorTarget } from './check.js';
import { classifyFailure, extraCas, fixFor, proxyFor } from './networkFailure.js';

const CHECK = 'provider';
const TIMEOUT_MS = 10_000;

export interface DiscoveryOutcome {
  result: CheckResult;
  /** The provider's clock minus ours, in seconds, when it answered with a Date header. */
  skewS?: number;
  /** The provider answered (whatever it said). */
  answered: boolean;
}

function via(url: URL, target: DoctorTarget, env: NodeJS.ProcessEnv): string {
  const proxy = proxyFor(url, env);
  const cas = extraCas(target.entry.caFile, env);
  return [proxy ? `through the proxy ${proxy}` : 'direct', ...(cas.length ? [`trusting ${cas.join(' and ')}`] : [])].join(', ');
}

export async function checkDiscovery(deps: Deps, target: DoctorTarget): Promise<DiscoveryOutcome> {
  const { issuer, caFile } = target.entry;
  let url: URL;
  try {
    url = new URL(`${issuer.replace(/\/+$/, '')}/.well-known/openid-configuration`);
  } catch {
    return { result: problem('failed', CHECK, `the issuer ${issuer} is not a URL`, `sign in again with a valid --issuer`, target.registry), answered: false };
  }
  const fetch = deps.fetchFor(caFile);
  const sentMs = Date.now();
  let response: Response;
  try {
    response = await fetch(url, { method: 'GET', headers: { accept: 'application/json' }, signal: AbortSignal.timeout(TIMEOUT_MS) });
  } catch (error) {
    const failure = classifyFailure(error);
    const what =
      failure.kind === 'tls'
        ? `TLS error: ${issuer} presented a certificate that does not verify: ${failure.what}`
        : `cannot reach ${issuer} (${failure.what}; ${via(url, target, deps.env)})`;
    return { result: problem('failed', CHECK, what, fixFor(failure, url, caFile, deps.env), target.registry), answered: false };
  }
  const tookMs = Date.now() - sentMs;
  const date = Date.parse(response.headers.get('date') ?? '');
  const skew = Number.isFinite(date) ? { skewS: (date - (sentMs + tookMs / 2)) / 1000 } : {};
  let document: { issuer?: unknown; token_endpoint?: unknown } | undefined;
  try {
    document = response.status === 200 ? ((await response.json()) as typeof document) : undefined;
    if (response.status !== 200) void response.body?.cancel();
  } catch {
    document = undefined;
  }
  if (response.status !== 200) {
    return {
      result: problem(
        'failed',
        CHECK,
        `${issuer} answered discovery with HTTP ${response.status}`,
        'check --issuer: its /.well-known/openid-configuration must answer',
        target.registry,
      ),
      ...skew,
      answered: true,
    };
  }
  if (!document || typeof document !== 'object' || typeof document.token_endpoint !== 'string') {
    return {
      result: problem('failed', CHECK, `${issuer}'s discovery document is not JSON with a token_endpoint`, 'check --issuer', target.registry),
      ...skew,
      answered: true,
    };
  }
  if (typeof document.issuer !== 'string' || document.issuer.replace(/\/+$/, '') !== issuer.replace(/\/+$/, '')) {
    return {
      result: problem(
        'failed',
        CHECK,
        `${issuer}'s discovery document names another issuer (${String(document.issuer).slice(0, 200)})`,
        'sign in again with --issuer set to exactly that URL',
        target.registry,
      ),
      ...skew,
      answered: true,
    };
  }
  return {
    result: ok(CHECK, `${issuer} answers discovery (HTTP 200 in ${tookMs} ms, ${via(url, target, deps.env)})`, target.registry),
    ...skew,
    answered: true,
  };
}

/** Beyond this a JWT's iat/nbf/exp checks fail on one side (the same bound as oidc/providerErrors.ts's). */
const SKEW_LIMIT_S = 120;

export function checkClockSkew(target: DoctorTarget, outcome: DiscoveryOutcome): CheckResult[] {
  const check = 'clock';
  if (!outcome.answered) return [];
  if (outcome.skewS === undefined)
    return [problem('warning', check, `${target.entry.issuer} sends no Date header: the clocks cannot be compared`, undefined, target.registry)];
  const skew = outcome.skewS;
  const off = Math.abs(skew);
  if (off <= SKEW_LIMIT_S) return [ok(check, `within ${Math.max(1, Math.round(off))} s of ${target.entry.issuer}'s`, target.registry)];
  const how = skew > 0 ? 'behind' : 'ahead of';
  const amount = off >= 90 ? `${Math.round(off / 60)} min` : `${Math.round(off)} s`;
  return [
    problem(
      'failed',
      check,
      `this machine's clock is ${amount} ${how} ${target.entry.issuer}'s, so its tokens look invalid`,
      'set the clock right (e.g. timedatectl set-ntp true)',
      target.registry,
    ),
  ];
}
