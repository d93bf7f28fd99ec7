// What every CI platform's token source shares: the request, the shape of a platform, and the checks
// every token and every platform answer go through. The platforms' request endpoints answer a bearer
// token, so they get the same treatment as a provider (https except loopback, no redirects, bounded
// answers); the token is a secret and goes only into the grant request, never into a message.
import { HelperError, printable } from '../../errors.js';
import type { Fetch } from '../../model.js';
import type { CiTokenSource } from '../../config/ciTokenSource.js';
import { describeNetworkError } from '../providerErrors.js';

/** A JWT of a CI platform is a few KiB; anything much larger is not one. */
export const MAX_CI_TOKEN_BYTES = 64 * 1024;

export interface CiTokenRequest {
  source: string;
  /** The audience the token is asked for (GitHub Actions; ignored where the platform fixes it). */
  audience?: string | undefined;
  env: NodeJS.ProcessEnv;
  fetch: Fetch;
  /** The pod's service-account token the kubelet sent with this request (--ci-token kubelet). */
  podToken?: string | undefined;
}

/** One CI platform: whether the environment shows it (for auto), and how its token is obtained. */
export interface CiTokenPlatform<Source extends CiTokenSource> {
  /** The source `--ci-token auto` picks when this platform's variables are set. */
  detect?(env: NodeJS.ProcessEnv): Source | undefined;
  /** The platform's name in messages. */
  name(source: Source): string;
  /**
   * Throws the one-line error token() would give when what the platform needs is not here (its
   * variables, its file): for `doctor`, which checks presence and never asks for a token.
   */
  ready?(source: Source, env: NodeJS.ProcessEnv): void | Promise<void>;
  token(source: Source, request: CiTokenRequest): Promise<string>;
}

/** A token as a platform gave it: one printable line of bounded size, or a one-line error saying `fix`. */
export function checkedToken(token: string | undefined, what: string, fix: string): string {
  const value = token?.trim();
  if (!value) throw new HelperError('not-configured', `${what} holds no token here: ${fix}`);
  if (value.length > MAX_CI_TOKEN_BYTES || !/^[\x21-\x7e]+$/.test(value)) {
    throw new HelperError('invalid-input', `${what} does not hold a token (not one printable line of at most ${MAX_CI_TOKEN_BYTES / 1024} KiB)`);
  }
  return value;
}

/** Two variables a platform sets together, or a one-line error naming the missing ones. */
export function requireVariables(env: NodeJS.ProcessEnv, names: [string, string], fix: string): [string, string] {
  const missing = names.filter((name) => !env[name]);
  if (missing.length > 0) throw new HelperError('not-configured', `${missing.join(' and ')} ${missing.length > 1 ? 'are' : 'is'} not set: ${fix}`);
  return [env[names[0]]!, env[names[1]]!];
}

/** A platform's token endpoint's JSON object answer; refusals and garbage as one-line errors. */
export async function askPlatform(fetch: Fetch, url: URL, platform: string, init: RequestInit): Promise<Record<string, unknown>> {
  let response: Response;
  try {
    response = await fetch(url, init);
  } catch (error) {
    if (error instanceof HelperError) throw error;
    throw new HelperError('idp-unreachable', `cannot reach ${platform} for its OIDC token (${url.origin}): ${describeNetworkError(error)}`, { cause: error });
  }
  const text = await response.text();
  if (!response.ok) {
    throw new HelperError(
      'idp-error',
      `${platform} refused the OIDC token request (HTTP ${response.status}${text ? `: ${printable(text).slice(0, 200)}` : ''}): check the job's permissions and --ci-token-audience`,
    );
  }
  try {
    const body: unknown = JSON.parse(text);
    if (body && typeof body === 'object' && !Array.isArray(body)) return body as Record<string, unknown>;
  } catch {
    // reported below
  }
  throw new HelperError('idp-error', `${platform} answered the OIDC token request with something that is not a JSON object`);
}
