// Reading what a client sent, all of it hostile: the request-target (origin or absolute form, never
// handed to `new URL`, which throws on `//[` or `//x:99999`), the form body (bounded), the Basic
// credentials and the client's address. Every problem is an HttpFailure with its status.
import type { IncomingMessage } from 'node:http';
import { REFRESH_TOKEN_USERNAME, type Credential } from './tokenService.js';

const MAX_BODY = 64 * 1024;

export class HttpFailure extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

export interface Target {
  pathname: string;
  query: URLSearchParams;
}

/** RFC 3986 pchar: what a path segment may hold. */
const PATH = /^(?:\/(?:[A-Za-z0-9\-._~!$&'()*+,;=:@]|%[0-9A-Fa-f]{2})*)+$/;
/** An authority without userinfo (RFC 9110 §4.2.4): a reg-name or IP literal, a port up to 65535. */
const AUTHORITY = /^(?:(?:[A-Za-z0-9\-._~!$&'()*+,;=]|%[0-9A-Fa-f]{2})*|\[[0-9A-Fa-f:.]+\])(?::(\d{0,5}))?$/;
const BAD_ESCAPE = /%(?![0-9A-Fa-f]{2})/;

/**
 * RFC 9112 §3.2: origin form (`/token?x`), or absolute form (`http://host/token?x`), whose authority
 * is checked and then ignored (we serve one site). A malformed target is a 400, decided here by
 * pattern, so nothing a client sends can make a URL parser throw.
 */
export function parseTarget(target: string | undefined): Target {
  let rest = target ?? '';
  const absolute = /^[A-Za-z][A-Za-z0-9+.-]*:\/\/([^/?#]*)/.exec(rest);
  if (absolute) {
    const port = AUTHORITY.exec(absolute[1]);
    if (!port || Number(port[1] ?? 0) > 65_535) throw new HttpFailure(400, 'malformed request target: the authority is not a host[:port]');
    rest = rest.slice(absolute[0].length) || '/';
  }
  const fragment = rest.indexOf('#');
  if (fragment >= 0) rest = rest.slice(0, fragment);
  const question = rest.indexOf('?');
  const [pathname, query] = question < 0 ? [rest, ''] : [rest.slice(0, question), rest.slice(question + 1)];
  if (!PATH.test(pathname)) throw new HttpFailure(400, 'malformed request target: send a path such as /token');
  if (BAD_ESCAPE.test(query)) throw new HttpFailure(400, 'malformed request target: a % in the query is not followed by two hex digits');
  return { pathname, query: new URLSearchParams(query) };
}

export async function readForm(request: IncomingMessage): Promise<URLSearchParams> {
  const type = request.headers['content-type'] ?? '';
  if (!type.startsWith('application/x-www-form-urlencoded')) throw new HttpFailure(415, 'send application/x-www-form-urlencoded');
  let size = 0;
  const chunks: Buffer[] = [];
  for await (const chunk of request as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > MAX_BODY) throw new HttpFailure(413, `body larger than ${MAX_BODY} bytes`);
    chunks.push(chunk);
  }
  return new URLSearchParams(Buffer.concat(chunks).toString('utf8'));
}

/** Basic credentials: the null-GUID user carries our refresh token, anyone else an OIDC token. */
export function credentialOf(header: string | undefined): Credential {
  if (!header) return { kind: 'none' };
  const match = /^Basic\s+([A-Za-z0-9+/=]+)\s*$/i.exec(header);
  if (!match) throw new HttpFailure(401, 'only HTTP Basic credentials are accepted');
  const decoded = Buffer.from(match[1], 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  if (colon < 0) throw new HttpFailure(401, 'malformed Basic credentials');
  const [user, password] = [decoded.slice(0, colon), decoded.slice(colon + 1)];
  if (!password) throw new HttpFailure(401, 'empty password');
  return user === REFRESH_TOKEN_USERNAME ? { kind: 'refresh', token: password } : { kind: 'oidc', token: password, user };
}

/** The credential of an OAuth2 form (POST /token): the refresh_token or password grant. */
export function formCredential(form: URLSearchParams): Credential & { kind: 'oidc' | 'refresh' } {
  const grant = form.get('grant_type');
  let credential: Credential & { kind: 'oidc' | 'refresh' };
  if (grant === 'refresh_token') credential = { kind: 'refresh', token: form.get('refresh_token') ?? '' };
  else if (grant === 'password') {
    const password = form.get('password') ?? '';
    const user = form.get('username') ?? '';
    credential = user === REFRESH_TOKEN_USERNAME ? { kind: 'refresh', token: password } : { kind: 'oidc', token: password, user };
  } else throw new HttpFailure(400, 'grant_type must be refresh_token or password');
  if (!credential.token) throw new HttpFailure(400, `${grant === 'password' ? 'password' : 'refresh_token'} is missing`);
  return credential;
}

export function clientAddress(request: IncomingMessage, trustForwardedFor: boolean): string {
  if (trustForwardedFor) {
    // The ingress appends the address it saw: the last entry is the one nobody else could forge.
    const forwarded = String(request.headers['x-forwarded-for'] ?? '')
      .split(',')
      .map((part) => part.trim())
      .filter(Boolean)
      .at(-1);
    if (forwarded) return forwarded.slice(0, 64);
  }
  return request.socket.remoteAddress ?? 'unknown';
}
