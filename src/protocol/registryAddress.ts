// Server URLs arrive in many spellings for the same registry: docker login stores `reg:5000`, docker
// logout erases `reg:5000`, `http://reg:5000` and `https://reg:5000`, Docker Hub is always
// `https://index.docker.io/v1/`. Like docker-credential-helpers' registryurl.Parse, the scheme is
// optional; unlike it, we key items by host, port and path only, so every spelling finds the same
// item while a different host or port never does.
import { HelperError } from '../errors.js';

export interface RegistryAddress {
  /** Lower-cased host name or bracketed IPv6 literal. */
  host: string;
  /** Port digits as given, or '' when absent. */
  port: string;
  /** Path without trailing slashes ('' for none), e.g. '/v1' for Docker Hub. */
  path: string;
  /** The identity used as the keychain account: host[:port][path]. */
  key: string;
}

const HOST_NAME = /^[a-z0-9_](?:[a-z0-9_-]*[a-z0-9_])?(?:\.[a-z0-9_](?:[a-z0-9_-]*[a-z0-9_])?)*$/;
const IPV6_LITERAL = /^\[[0-9a-f:.]+(?:%[0-9a-z._~-]+)?\]$/;

export function parseServerUrl(input: string): RegistryAddress {
  const raw = input.trim();
  const invalid = (why: string) => new HelperError('invalid-server-url', `invalid server URL ${JSON.stringify(raw)}: ${why}`);

  // The keychain cuts a string at NUL ("reg/a\0x" would be "reg/a"); no control character is part of a URL.
  if (/[\u0000-\u001f\u007f]/.test(raw)) throw invalid('control characters are not allowed');
  let rest = raw;
  const scheme = /^([a-z][a-z0-9+.-]*):\/\//i.exec(rest);
  if (scheme) {
    const name = scheme[1].toLowerCase();
    if (name !== 'https' && name !== 'http') throw invalid(`unsupported scheme: ${name}`);
    rest = rest.slice(scheme[0].length);
  } else if (rest.startsWith('//')) {
    rest = rest.slice(2);
  }

  const end = rest.search(/[/?#]/);
  const authority = end === -1 ? rest : rest.slice(0, end);
  let path = end === -1 ? '' : rest.slice(end);
  path = path.replace(/[?#].*$/s, '').replace(/\/+$/, '');
  if (/[\s\\]/.test(path)) throw invalid('the path has spaces or backslashes');

  // user:password@host would let "good.example@evil.example" look like good.example.
  if (authority.includes('@')) throw invalid('user information is not allowed in a registry address');

  let host: string;
  let port: string;
  if (authority.startsWith('[')) {
    const close = authority.indexOf(']');
    host = authority.slice(0, close + 1);
    const after = authority.slice(close + 1);
    if (close === -1 || (after !== '' && !after.startsWith(':'))) throw invalid('malformed IPv6 address');
    port = after.slice(1);
    if (after === ':') throw invalid('empty port');
  } else {
    const colon = authority.lastIndexOf(':');
    host = colon === -1 ? authority : authority.slice(0, colon);
    port = colon === -1 ? '' : authority.slice(colon + 1);
    if (colon !== -1 && port === '') throw invalid('empty port');
  }
  host = host.toLowerCase();

  if (host === '') throw invalid('no hostname');
  if (!HOST_NAME.test(host) && !IPV6_LITERAL.test(host)) throw invalid(`bad hostname ${JSON.stringify(host)}`);
  if (port !== '' && (!/^\d{1,5}$/.test(port) || Number(port) < 1 || Number(port) > 65535)) {
    throw invalid(`bad port ${JSON.stringify(port)}`);
  }

  return { host, port, path, key: host + (port ? `:${port}` : '') + path };
}

/** host[:port] as docker writes it in config.json `auths`/`credHelpers` keys. */
export function hostWithPort(address: RegistryAddress): string {
  return address.host + (address.port ? `:${address.port}` : '');
}
