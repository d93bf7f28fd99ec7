// Documented deviations of real providers, accepted deliberately and nothing else, through
// openid-client's fetch seam (its customFetch) rather than a fork:
// - Google's device endpoint answers `verification_url` where RFC 8628 says `verification_uri`
//   ("OAuth 2.0 for TV and Limited-Input Device Applications", developers.google.com/identity/
//   protocols/oauth2/limited-input-device: "verification_url ... The URL that the user must
//   navigate to"). The answer is given the RFC's name too; nothing else changes.
import type { Fetch } from '../model.js';

export function withProviderQuirks(fetch: Fetch, deviceAuthorizationEndpoint: string | undefined): Fetch {
  if (!deviceAuthorizationEndpoint) return fetch;
  return async (input, init) => {
    const response = await fetch(input, init);
    const url = input instanceof Request ? input.url : String(input);
    if (url !== deviceAuthorizationEndpoint || !response.ok) return response;
    const text = await response.text();
    let body: unknown;
    try {
      body = JSON.parse(text);
    } catch {
      body = undefined;
    }
    if (body && typeof body === 'object' && !('verification_uri' in body) && typeof (body as { verification_url?: unknown }).verification_url === 'string') {
      (body as Record<string, unknown>).verification_uri = (body as { verification_url: string }).verification_url;
    }
    const headers = new Headers(response.headers);
    headers.delete('content-length'); // the body may have grown
    return new Response(body === undefined ? text : JSON.stringify(body), { status: response.status, statusText: response.statusText, headers });
  };
}
