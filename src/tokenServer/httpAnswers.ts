// What the token server writes back: JSON, never cached, and one builder for every error body, in
// the shape the client asked in (Distribution's `{"errors":[{code, message}]}`, or RFC 6749 §5.2's
// `{error, error_description}` for the OAuth2 form).
import type { ServerResponse } from 'node:http';

export type ErrorShape = 'distribution' | 'oauth';

/** Distribution's error codes (docs/spec/api.md, "Errors"), by HTTP status. */
const DISTRIBUTION_CODES: Record<number, string> = { 401: 'UNAUTHORIZED', 429: 'TOOMANYREQUESTS', 500: 'UNKNOWN', 503: 'UNAVAILABLE' };
const OAUTH_CODES: Record<number, string> = { 401: 'invalid_grant', 429: 'slow_down', 500: 'server_error', 503: 'temporarily_unavailable' };

export function errorBody(status: number, message: string, shape: ErrorShape = 'distribution'): Record<string, unknown> {
  if (shape === 'oauth') return { error: OAUTH_CODES[status] ?? 'invalid_request', error_description: message };
  return { errors: [{ code: DISTRIBUTION_CODES[status] ?? 'DENIED', message }] };
}

export function json(response: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  const text = JSON.stringify(body);
  response.writeHead(status, { 'content-type': 'application/json', 'cache-control': 'no-store', 'content-length': Buffer.byteLength(text), ...headers });
  response.end(text);
}

/** An answer written straight to a socket the HTTP parser gave up on (it has no ServerResponse). */
export function rawErrorAnswer(status: number, reason: string, message: string): string {
  const text = JSON.stringify(errorBody(status, message));
  return `HTTP/1.1 ${status} ${reason}\r\ncontent-type: application/json\r\ncache-control: no-store\r\ncontent-length: ${Buffer.byteLength(text)}\r\nconnection: close\r\n\r\n${text}`;
}
