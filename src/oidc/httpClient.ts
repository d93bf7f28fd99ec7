// Every request to a provider or registry goes through undici's fetch: Node's own when nothing
// special is needed, else npm undici with EnvHttpProxyAgent, so HTTPS_PROXY / HTTP_PROXY / NO_PROXY
// work as in curl, and with a CA list that adds --ca-file and NODE_EXTRA_CA_CERTS to the public roots
// (passing `ca` to TLS replaces the defaults, so they are listed again). Whatever answers is treated as hostile: no redirect is ever followed (a request
// that carries a token must not re-send it to another host, or over http), and headers and bodies
// are bounded (a 300 MiB answer once took `get` to 1 GB).
import { readFileSync } from 'node:fs';
import { rootCertificates } from 'node:tls';
import { HelperError } from '../errors.js';
import type { Fetch } from '../model.js';
import { observeServerDate } from './clockSkew.js';
import { loadScript } from '../runtime/scriptAsset.js';
import { trace, tracing } from '../runtime/trace.js';

/** Token, discovery, device and exchange answers are a few KiB; JWKS documents a few tens. */
export const MAX_RESPONSE_BYTES = 256 * 1024;
const MAX_HEADER_BYTES = 16 * 1024;

function readCa(path: string, what: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch (error) {
    throw new HelperError('invalid-input', `cannot read ${what} ${path}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`);
  }
}

function tooLarge(url: URL): HelperError {
  return new HelperError('idp-error', `${url.origin} sent an answer larger than ${MAX_RESPONSE_BYTES / 1024} KiB: refused`);
}

/** The same response with a body that fails as soon as it grows past the limit. */
function bounded(response: Response, url: URL): Response {
  const declared = Number(response.headers.get('content-length'));
  if (Number.isFinite(declared) && declared > MAX_RESPONSE_BYTES) {
    void response.body?.cancel();
    throw tooLarge(url);
  }
  if (!response.body) return response;
  let seen = 0;
  const body = response.body.pipeThrough(
    new TransformStream<Uint8Array, Uint8Array>({
      transform(chunk, controller) {
        seen += chunk.byteLength;
        if (seen > MAX_RESPONSE_BYTES) controller.error(tooLarge(url));
        else controller.enqueue(chunk);
      },
    }),
  );
  return new Response(body, { status: response.status, statusText: response.statusText, headers: response.headers });
}

/** The variables undici's EnvHttpProxyAgent reads (curl's, both cases). */
const PROXY_VARIABLES = ['HTTPS_PROXY', 'https_proxy', 'HTTP_PROXY', 'http_proxy'];

type Send = (input: Parameters<Fetch>[0], init: RequestInit) => Promise<Response>;

/**
 * Node's own fetch (the undici inside the runtime) when neither a proxy nor a CA file is in play:
 * the npm undici that can take an agent costs ~20 ms more to load on every refresh (measured in the
 * binary: 21 ms to load and set up before the first request). Node's fetch reads NODE_EXTRA_CA_CERTS
 * itself. With a proxy or --ca-file, undici's EnvHttpProxyAgent with the CA list as before.
 */
function sender(options: { caFile?: string | undefined; env: NodeJS.ProcessEnv }, timeoutMs: number): Send {
  const proxied = PROXY_VARIABLES.some((name) => options.env[name]);
  if (!proxied && !options.caFile && typeof globalThis.fetch === 'function') {
    return (input, init) => {
      const deadline = AbortSignal.timeout(timeoutMs);
      return globalThis.fetch(input, { ...init, signal: init.signal ? AbortSignal.any([init.signal, deadline]) : deadline });
    };
  }
  const extra: string[] = [];
  if (options.env.NODE_EXTRA_CA_CERTS) extra.push(readCa(options.env.NODE_EXTRA_CA_CERTS, 'NODE_EXTRA_CA_CERTS'));
  if (options.caFile) extra.push(readCa(options.caFile, '--ca-file'));
  let agent: Promise<{ fetch: typeof import('undici').fetch; dispatcher: import('undici').Dispatcher }> | undefined;
  return async (input, init) => {
    // Not a literal, so that the bundler leaves undici out of the main script.
    const source = '../runtime/undiciEntry.js';
    agent ??= loadScript('undici', () => import(source) as Promise<typeof import('../runtime/undiciEntry.js')>).then(({ EnvHttpProxyAgent, fetch }) => ({
      fetch,
      dispatcher: new EnvHttpProxyAgent({
        connect: extra.length ? { ca: [...rootCertificates, ...extra] } : {},
        headersTimeout: timeoutMs,
        bodyTimeout: timeoutMs,
        connectTimeout: Math.min(timeoutMs, 10_000),
        maxHeaderSize: MAX_HEADER_BYTES,
      }),
    }));
    const { fetch, dispatcher } = await agent;
    return await fetch(input as Parameters<typeof fetch>[0], { ...(init as object), dispatcher });
  };
}

/** "fetch failed: connect ECONNREFUSED 127.0.0.1:9", for the trace. */
function causeChain(error: unknown): string {
  const messages: string[] = [];
  for (let current = error, depth = 0; current instanceof Error && depth < 5; depth++, current = (current as { cause?: unknown }).cause)
    messages.push(current.message);
  return messages.join(': ');
}

export function createFetch(options: { caFile?: string | undefined; env: NodeJS.ProcessEnv; timeoutMs?: number }): Fetch {
  const send = sender(options, options.timeoutMs ?? 30_000);
  return async (input, init) => {
    const url = new URL(input instanceof Request ? input.url : String(input));
    const started = Date.now();
    // The trace shows where a request went, never its query (a code, a state) or its headers.
    const traced = () => ({
      method: init?.method ?? (input instanceof Request ? input.method : 'GET'),
      url: `${url.origin}${url.pathname}`,
      ms: Date.now() - started,
    });
    let response: Response;
    try {
      // 'manual' whatever the caller asked: a redirect is an answer we refuse, never one we follow.
      response = await send(input, { ...init, redirect: 'manual' });
    } catch (error) {
      if (tracing()) trace('http', { ...traced(), error: causeChain(error) });
      throw error;
    }
    if (tracing()) trace('http', { ...traced(), status: response.status });
    if (response.status >= 300 && response.status < 400) {
      void response.body?.cancel();
      const location = response.headers.get('location') ?? 'elsewhere';
      throw new HelperError(
        'idp-error',
        `${url.origin} answered with a redirect (HTTP ${response.status} to ${location.slice(0, 200)}): refused, a request that carries a token never follows a redirect; check the URL`,
      );
    }
    observeServerDate(response.headers.get('date'));
    return bounded(response, url);
  };
}
