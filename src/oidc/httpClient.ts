// Every request to a provider or registry goes through undici's fetch with EnvHttpProxyAgent, so
// HTTPS_PROXY / HTTP_PROXY / NO_PROXY work as in curl, and with a CA list that adds --ca-file and
// NODE_EXTRA_CA_CERTS to the public roots (passing `ca` to TLS replaces the defaults, so they are
// listed again).
import { readFileSync } from 'node:fs';
import { rootCertificates } from 'node:tls';
import { EnvHttpProxyAgent, fetch as undiciFetch } from 'undici';
import { HelperError } from '../errors.js';
import type { Fetch } from '../model.js';

function readCa(path: string, what: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch (error) {
    throw new HelperError('invalid-input', `cannot read ${what} ${path}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`);
  }
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
  });
  return ((input: string | URL | Request, init?: RequestInit) =>
    undiciFetch(input as Parameters<typeof undiciFetch>[0], { ...(init as object), dispatcher } as Parameters<typeof undiciFetch>[1])) as unknown as Fetch;
}
