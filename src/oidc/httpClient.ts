// Every request to a provider or registry goes through undici's fetch with EnvHttpProxyAgent, so
// HTTPS_PROXY / HTTP_PROXY / NO_PROXY work as in curl, and with a CA list that adds --ca-file and
// NODE_EXTRA_CA_CERTS to the public roots (passing `ca` to TLS replaces the defaults, so they are
// listed again). Whatever answers is treated as hostile: no redirect is ever followed (a request
// that carries a token must not re-send it to another host, or over http), and headers and bodies
// are bounded (a 300 MiB answer once took `get` to 1 GB).
import { readFileSync } from 'node:fs';
import { rootCertificates } from 'node:tls';
import { EnvHttpProxyAgent, fetch as undiciFetch } from 'undici';
import { HelperError } from '../errors.js';
import type { Fetch } from '../model.js';
import { observeServerDate } from './clockSkew.js';

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

export function createFetch(options: { caFile?: string | undefined; env: NodeJS.ProcessEnv; timeoutMs?: number }): Fetch {
  const extra: string[] = [];
  if (options.env.NODE_EXTRA_CA_CERTS) extra.push(readCa(options.env.NODE_EXTRA_CA_CERTS, 'NODE_EXTRA_CA_CERTS'));
  if (options.caFile) extra.push(readCa(options.caFile, '--ca-file'));
  const timeoutMs = options.timeoutMs ?? 30_000;
  const dispatcher = new EnvHttpProxyAgent({
    connect: extra.length ? { ca: [...rootCertificates, ...extra] } : {},
    headersTimeout: timeoutMs,
    bodyTimeout: timeoutMs,
    connectTimeout: Math.min(timeoutMs, 10_000),
    maxHeaderSize: MAX_HEADER_BYTES,
  });
  return async (input, init) => {
    const url = new URL(input instanceof Request ? input.url : String(input));
    // 'manual' whatever the caller asked: a redirect is an answer we refuse, never one we follow.
    const response = (await undiciFetch(input as Parameters<typeof undiciFetch>[0], {
      ...(init as object),
      redirect: 'manual',
      dispatcher,
    } as Parameters<typeof undiciFetch>[1])) as unknown as Response;
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
