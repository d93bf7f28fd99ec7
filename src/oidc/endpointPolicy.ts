// Tokens travel to the provider and to the registry: plain http is refused except on loopback,
// where nothing crosses a network (local test providers, port-forwards).
import { HelperError } from '../errors.js';

export function isLoopbackHost(hostname: string): boolean {
  const host = hostname.replace(/^\[|\]$/g, '').toLowerCase();
  return host === 'localhost' || host.endsWith('.localhost') || host === '::1' || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(host);
}

/** https, or http to a loopback host. */
export function isSecureUrl(url: URL): boolean {
  return url.protocol === 'https:' || (url.protocol === 'http:' && isLoopbackHost(url.hostname));
}

/** A registry's origin: https, except a loopback registry (test doubles, port-forwards) speaks http. */
export function registryOrigin(registryHost: string): string {
  return `${isLoopbackHost(registryHost.replace(/:\d+$/, '')) ? 'http' : 'https'}://${registryHost}`;
}

export function requireSecureUrl(value: string, what: string): URL {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new HelperError('invalid-input', `${what} ${JSON.stringify(value)} is not a URL`);
  }
  if (isSecureUrl(url)) return url;
  throw new HelperError('invalid-input', `${what} ${value} must use https (plain http is allowed only on loopback)`);
}
