// The browser sign-in's loopback listener (RFC 8252 §7.3). Every local account can read a browser's
// argv in /proc and connect to 127.0.0.1, so:
// - the browser is opened on the listener's own start page, which sends it on to the provider once:
//   state and the PKCE challenge never appear in any argv;
// - it answers only connections of the user who signs in (loopbackPeer.ts, Linux);
// - a callback without this sign-in's state (a forgery, a stale tab, an error nobody asked for) is
//   answered 400 and ignored: the sign-in keeps waiting until its deadline;
// - the answer is taken once; any request-target, however malformed, gets an answer, never a crash.
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { timingSafeEqual } from 'node:crypto';
import { HelperError, signInAgain } from '../errors.js';
import { loopbackPeer } from './loopbackPeer.js';

export interface SignInListener {
  /** The redirect URI with the port the listener got. */
  redirectUri: string;
  /** What the browser is opened on: no state, no PKCE challenge in it. */
  startUrl: string;
  /**
   * Sends the browser on to `authorizationUrl` from the start page, and hands `onAnswer` the one
   * callback that carries `state` (a code or an error); every other request is answered and ignored.
   */
  serve(authorizationUrl: string, state: string, onAnswer: (callback: URL, res: ServerResponse) => void): void;
  close(): Promise<void>;
}

const HTML_HEADERS = { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store', 'referrer-policy': 'no-referrer' };

export function page(res: ServerResponse, status: number, title: string, text: string): void {
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

/** Listens on the loopback address of `wanted` (port 0: a free one). */
export async function openSignInListener(wanted: URL, registry: string): Promise<SignInListener> {
  const server = createServer({ requestTimeout: 30_000, headersTimeout: 10_000 });
  // Asked of the system as each connection opens, while the client's socket surely exists.
  const peers = new WeakMap<Socket, Promise<'same' | 'other' | 'unknown'>>();
  server.on('connection', (socket: Socket) => peers.set(socket, loopbackPeer(socket)));
  await new Promise<void>((resolve, reject) => {
    server.once('error', (error: NodeJS.ErrnoException) =>
      reject(
        new HelperError(
          'invalid-input',
          `cannot listen on ${wanted.hostname}:${wanted.port || 'a free port'} for the sign-in redirect (${error.code ?? error.message}): choose another --redirect-uri port`,
        ),
      ),
    );
    server.listen(Number(wanted.port || 0), wanted.hostname === 'localhost' ? '127.0.0.1' : wanted.hostname.replace(/^\[|\]$/g, ''), resolve);
  });
  // Listening: a later server error (EMFILE under a flood of connections) must not end the sign-in.
  server.on('error', () => undefined);
  const redirect = new URL(wanted.toString());
  redirect.port = String((server.address() as AddressInfo).port);
  const start = new URL(redirect.pathname === '/start' ? '/start-sign-in' : '/start', redirect);

  function serve(authorizationUrl: string, state: string, onAnswer: (callback: URL, res: ServerResponse) => void): void {
    let sentOn = false;
    let answered = false;
    const route = async (req: IncomingMessage, res: ServerResponse, url: URL) => {
      if ((await peers.get(req.socket)) === 'other') {
        res.setHeader('connection', 'close'); // another account's connections are not kept
        return page(res, 403, 'Forbidden', 'This sign-in belongs to another user of this machine.');
      }
      if (req.method !== 'GET' || (url.pathname !== redirect.pathname && url.pathname !== start.pathname))
        return page(res, 404, 'Not found', 'This address only takes the sign-in redirect.');
      if (url.pathname === start.pathname) {
        if (sentOn) return page(res, 410, 'Already opened', `This sign-in page was opened already: go back to that tab, or ${signInAgain(registry)} again.`);
        sentOn = true;
        res.writeHead(302, { ...HTML_HEADERS, location: authorizationUrl });
        return res.end();
      }
      if (answered) return page(res, 400, 'Already answered', 'This sign-in already has its answer. You can close this tab.');
      if (!sameSecret(url.searchParams.get('state'), state))
        return page(
          res,
          400,
          'Sign-in not recognised',
          'This is not the answer this sign-in waits for (it belongs to another sign-in, or to none). You can close this tab.',
        );
      answered = true;
      onAnswer(url, res);
    };
    server.on('request', (req: IncomingMessage, res: ServerResponse) => {
      // Answered at once: Node drops a late answer to a client that has half-closed.
      const url = targetOf(req, redirect.toString());
      if (!url) return page(res, 400, 'Bad request', 'This address only takes the sign-in redirect.');
      route(req, res, url).catch(() => (res.headersSent ? res.destroy() : page(res, 500, 'Sign-in failed', 'Something went wrong here; the sign-in goes on.')));
    });
  }

  return {
    redirectUri: redirect.toString(),
    startUrl: start.toString(),
    serve,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
