// What stopped a request, named as a person can act on it: a certificate nobody trusts (a company's
// private CA), a host that does not resolve, a port nobody answers on, a proxy in the way.
import { HelperError, printable } from '../../errors.js';

/** Node's (OpenSSL's) codes for a certificate chain that does not verify. */
const TLS_CODES =
  /^(UNABLE_TO_VERIFY_LEAF_SIGNATURE|UNABLE_TO_GET_ISSUER_CERT(_LOCALLY)?|SELF_SIGNED_CERT_IN_CHAIN|DEPTH_ZERO_SELF_SIGNED_CERT|CERT_HAS_EXPIRED|CERT_NOT_YET_VALID|ERR_TLS_CERT_ALTNAME_INVALID|CERT_SIGNATURE_FAILURE|ERR_SSL_.*)$/;

interface Failure {
  kind: 'tls' | 'unreachable' | 'refused-by-us';
  /** One phrase: "self-signed certificate in certificate chain (SELF_SIGNED_CERT_IN_CHAIN)". */
  what: string;
}

export function classifyFailure(error: unknown): Failure {
  let current: unknown = error;
  const messages: string[] = [];
  for (let depth = 0; current instanceof Error && depth < 6; depth++) {
    if (current instanceof HelperError) return { kind: 'refused-by-us', what: current.message };
    const code = (current as { code?: unknown }).code;
    // Node's own advice after the ";" (--use-system-ca) is not an option of this program.
    if (typeof code === 'string' && TLS_CODES.test(code)) return { kind: 'tls', what: `${printable(current.message.split(';')[0])} (${code})` };
    if (current.name === 'TimeoutError' || current.name === 'AbortError') return { kind: 'unreachable', what: 'no answer within 10 s' };
    if (current.message && current.message !== 'fetch failed') messages.push(current.message);
    current = (current as { cause?: unknown }).cause;
  }
  return { kind: 'unreachable', what: printable(messages.at(-1) ?? 'network error') };
}

const PROXY_VARIABLES = ['HTTPS_PROXY', 'https_proxy', 'HTTP_PROXY', 'http_proxy'];

/** The proxy a request to `url` goes through (credentials left out), or undefined when it goes direct. */
export function proxyFor(url: URL, env: NodeJS.ProcessEnv): string | undefined {
  const names = url.protocol === 'https:' ? PROXY_VARIABLES : PROXY_VARIABLES.slice(2);
  const value = names.map((name) => env[name]).find(Boolean);
  if (!value) return undefined;
  const noProxy = (env.NO_PROXY ?? env.no_proxy ?? '').split(/[\s,]+/).filter(Boolean);
  const host = url.hostname.toLowerCase();
  if (noProxy.some((entry) => entry === '*' || host === entry.replace(/^\./, '').split(':')[0] || host.endsWith(`.${entry.replace(/^\./, '').split(':')[0]}`)))
    return undefined;
  try {
    const proxy = new URL(value);
    return proxy.host;
  } catch {
    return '(unparseable proxy variable)';
  }
}

/** Which CAs besides the public ones a request trusts. */
export function extraCas(caFile: string | undefined, env: NodeJS.ProcessEnv): string[] {
  return [...(caFile ? [`--ca-file ${caFile}`] : []), ...(env.NODE_EXTRA_CA_CERTS ? [`NODE_EXTRA_CA_CERTS=${env.NODE_EXTRA_CA_CERTS}`] : [])];
}

/** The fix for a failure to reach `url`. */
export function fixFor(failure: Failure, url: URL, caFile: string | undefined, env: NodeJS.ProcessEnv): string {
  if (failure.kind === 'tls') {
    const trusted = extraCas(caFile, env);
    return trusted.length
      ? `the extra CAs (${trusted.join(', ')}) do not include the one that signed ${url.host}'s certificate: point --ca-file (registry-login) or NODE_EXTRA_CA_CERTS at that CA`
      : `${url.host}'s certificate is signed by a CA this machine does not trust (a company's private CA?): sign in again with --ca-file PATH-TO-CA.pem, or set NODE_EXTRA_CA_CERTS`;
  }
  if (failure.kind === 'refused-by-us') return 'check the URL';
  const proxy = proxyFor(url, env);
  return proxy
    ? `check that the proxy ${proxy} (HTTPS_PROXY/HTTP_PROXY) reaches ${url.host}, or list the host in NO_PROXY`
    : `check the URL and the network; behind a company proxy set HTTPS_PROXY (and NO_PROXY)`;
}
