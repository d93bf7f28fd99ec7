// Authorization code with PKCE on a loopback redirect (RFC 8252 §7.3, RFC 7636 S256): for desktops,
// and for tenants that block the device code (Entra ID Conditional Access). A listener on 127.0.0.1
// takes the redirect back; openid-client checks state, the code and RFC 9207's `iss` when the
// provider advertises it. The listener is closed however the sign-in ends.
//
// Every local account can read a browser's argv in /proc and connect to 127.0.0.1, so:
// - the browser is opened on the listener's own start page, which sends it on to the provider once:
//   state and the PKCE challenge never appear in any argv;
// - the listener answers only connections of the user who signs in (loopbackPeer.ts, Linux);
// - a callback without this sign-in's state (a forgery, a stale tab, an error nobody asked for) is
//   answered 400 and ignored: the listener keeps waiting until the deadline;
// - the code is taken once; any request-target, however malformed, gets an answer, never a crash.
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { timingSafeEqual } from 'node:crypto';
import * as client from 'openid-client';
import { HelperError, printable, signInAgain } from '../errors.js';
import type { RegistrySettings } from '../model.js';
import { describeProviderError } from './errors.js';
import { loopbackPeer } from './loopbackPeer.js';
import { audienceParameters } from './tokenMath.js';
import type { TokenResponse } from './tokenResponse.js';

export const DEFAULT_REDIRECT_URI = 'http://127.0.0.1/callback';

export interface BrowserSignIn {
  /** What the browser is opened on: the listener's start page (no state, no PKCE challenge in it). */
  startUrl: string;
  /** The redirect URI the listener answers (with the port it got). */
  redirectUri: string;
  /** Resolves with the tokens of the redirect back; rejects with a HelperError. Closes the listener. */
  waitForRedirect(signal: AbortSignal, deadlineS: number): Promise<TokenResponse>;
}

/** A loopback http URI (RFC 8252 §7.3): the only kind a native app can listen on. */
function loopbackRedirect(value: string): URL {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new HelperError('invalid-input', `--redirect-uri ${JSON.stringify(value)} is not a URL`);
  }
  if (url.protocol !== 'http:' || !['127.0.0.1', 'localhost', '[::1]'].includes(url.hostname)) {
    throw new HelperError('invalid-input', `--redirect-uri ${value} must be http://127.0.0.1:PORT/PATH or http://localhost:PORT/PATH (a loopback address this machine listens on)`);
  }
  return url;
}

const HTML_HEADERS = { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store', 'referrer-policy': 'no-referrer' };

function page(res: ServerResponse, status: number, title: string, text: string): void {
  const escape = (s: string) => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
  res.writeHead(status, HTML_HEADERS);
  res.end(`<!doctype html><meta charset="utf-8"><title>${escape(title)}</title><h1>${escape(title)}</h1><p>${escape(text)}</p>`);
}

/** The request-target as a URL; null when it is none (`//[`, `http://%zz/`: `new URL` throws on them). */
function targetOf(req: IncomingMessage, base: string): URL | null {
  try {
    return new URL(req.url ?? '/', base);
  } catch {
    return null;
  }
}

function sameSecret(received: string | null, expected: string): boolean {
  if (received === null) return false;
  const a = Buffer.from(received);
  const b = Buffer.from(expected);
  return a.length === b.length && timingSafeEqual(a, b);
}

export async function startBrowserSignIn(provider: client.Configuration, settings: RegistrySettings, registry: string, redirectUriSetting?: string): Promise<BrowserSignIn> {
  const wanted = loopbackRedirect(redirectUriSetting ?? DEFAULT_REDIRECT_URI);
  const server = createServer({ requestTimeout: 30_000, headersTimeout: 10_000 });
  // Asked of the system as each connection opens, while the client's socket surely exists.
  const peers = new WeakMap<Socket, Promise<'same' | 'other' | 'unknown'>>();
  server.on('connection', (socket: Socket) => peers.set(socket, loopbackPeer(socket)));
  await new Promise<void>((resolve, reject) => {
    server.once('error', (error: NodeJS.ErrnoException) =>
      reject(new HelperError('invalid-input', `cannot listen on ${wanted.hostname}:${wanted.port || 'a free port'} for the sign-in redirect (${error.code ?? error.message}): choose another --redirect-uri port`)),
    );
    server.listen(Number(wanted.port || 0), wanted.hostname === 'localhost' ? '127.0.0.1' : wanted.hostname.replace(/^\[|\]$/g, ''), resolve);
  });
  const port = (server.address() as AddressInfo).port;
  const redirect = new URL(wanted.toString());
  redirect.port = String(port);
  const redirectUri = redirect.toString();
  const start = new URL(redirect.pathname === '/start' ? '/start-sign-in' : '/start', redirect);

  const verifier = client.randomPKCECodeVerifier();
  const state = client.randomState();
  const authorizationUrl = client
    .buildAuthorizationUrl(provider, {
      redirect_uri: redirectUri,
      scope: settings.scope,
      code_challenge: await client.calculatePKCECodeChallenge(verifier),
      code_challenge_method: 'S256',
      state,
      ...audienceParameters(settings),
    })
    .toString();
  const close = () =>
    new Promise<void>((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    });

  return {
    startUrl: start.toString(),
    redirectUri,
    async waitForRedirect(signal, deadlineS) {
      const context = { issuer: settings.issuer, registry, step: 'sign-in' as const };
      let sentOn = false;
      let answered = false;
      try {
        return await new Promise<TokenResponse>((resolve, reject) => {
          const timer = setTimeout(
            () => reject(new HelperError('sign-in-expired', `nobody signed in within ${deadlineS} s: ${signInAgain(registry)} again`)),
            deadlineS * 1000,
          );
          const onAbort = () => reject(new HelperError('interrupted', 'sign-in cancelled'));
          if (signal.aborted) onAbort();
          signal.addEventListener('abort', onAbort, { once: true });
          const end = (outcome: () => void) => {
            clearTimeout(timer);
            signal.removeEventListener('abort', onAbort);
            outcome();
          };

          /** The redirect back with this sign-in's state: a denial ends the sign-in, a code is redeemed once. */
          const takeAnswer = (url: URL, res: ServerResponse) => {
            answered = true;
            const error = url.searchParams.get('error');
            if (error) {
              const failure =
                error === 'access_denied'
                  ? new HelperError('access-denied', `sign-in to ${registry} was denied at ${settings.issuer}`)
                  : new HelperError('idp-error', `${settings.issuer} refused the sign-in: ${printable(error)}${url.searchParams.get('error_description') ? ` (${printable(url.searchParams.get('error_description')!)})` : ''}`);
              page(res, 400, 'Sign-in failed', `${failure.message}. You can close this tab.`);
              return end(() => reject(failure));
            }
            client.authorizationCodeGrant(provider, url, { pkceCodeVerifier: verifier, expectedState: state }, audienceParameters(settings)).then(
              (tokens) => {
                page(res, 200, 'Signed in', `You are signed in to ${registry}. You can close this tab and go back to the terminal.`);
                end(() => resolve(tokens));
              },
              (grantError: unknown) => {
                const failure = describeProviderError(grantError, context);
                page(res, 400, 'Sign-in failed', `${failure.message}. You can close this tab.`);
                end(() => reject(failure));
              },
            );
          };

          const route = async (req: IncomingMessage, res: ServerResponse, url: URL) => {
            if ((await peers.get(req.socket)) === 'other') return page(res, 403, 'Forbidden', 'This sign-in belongs to another user of this machine.');
            if (req.method !== 'GET' || (url.pathname !== redirect.pathname && url.pathname !== start.pathname)) return page(res, 404, 'Not found', 'This address only takes the sign-in redirect.');
            if (url.pathname === start.pathname) {
              if (sentOn) return page(res, 410, 'Already opened', `This sign-in page was opened already: go back to that tab, or ${signInAgain(registry)} again.`);
              sentOn = true;
              res.writeHead(302, { ...HTML_HEADERS, location: authorizationUrl });
              return res.end();
            }
            if (answered) return page(res, 400, 'Already answered', 'This sign-in already has its answer. You can close this tab.');
            if (!sameSecret(url.searchParams.get('state'), state)) return page(res, 400, 'Sign-in not recognised', 'This is not the answer this sign-in waits for (it belongs to another sign-in, or to none). You can close this tab.');
            takeAnswer(url, res);
          };
          server.on('request', (req: IncomingMessage, res: ServerResponse) => {
            // Answered at once: Node drops a late answer to a client that has half-closed.
            const url = targetOf(req, redirectUri);
            if (!url) return page(res, 400, 'Bad request', 'This address only takes the sign-in redirect.');
            route(req, res, url).catch(() => (res.headersSent ? res.destroy() : page(res, 500, 'Sign-in failed', 'Something went wrong here; the sign-in goes on.')));
          });
        });
      } finally {
        await close();
      }
    },
  };
}
