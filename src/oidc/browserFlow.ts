// Authorization code with PKCE on a loopback redirect (RFC 8252 §7.3, RFC 7636 S256): for desktops,
// and for tenants that block the device code (Entra ID Conditional Access). A listener on 127.0.0.1
// takes the one redirect back; openid-client checks state, the code and RFC 9207's `iss` when the
// provider advertises it. The listener is closed however the sign-in ends.
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import * as client from 'openid-client';
import { HelperError, printable, signInAgain } from '../errors.js';
import type { RegistrySettings } from '../model.js';
import { describeProviderError } from './errors.js';
import { audienceParameters } from './tokenMath.js';
import type { TokenResponse } from './tokenResponse.js';

export const DEFAULT_REDIRECT_URI = 'http://127.0.0.1/callback';

export interface BrowserSignIn {
  /** Where the person signs in; opened in the browser. */
  authorizationUrl: string;
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

function page(res: ServerResponse, status: number, title: string, text: string): void {
  const escape = (s: string) => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
  res.writeHead(status, { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store', 'referrer-policy': 'no-referrer' });
  res.end(`<!doctype html><meta charset="utf-8"><title>${escape(title)}</title><h1>${escape(title)}</h1><p>${escape(text)}</p>`);
}

export async function startBrowserSignIn(provider: client.Configuration, settings: RegistrySettings, registry: string, redirectUriSetting?: string): Promise<BrowserSignIn> {
  const wanted = loopbackRedirect(redirectUriSetting ?? DEFAULT_REDIRECT_URI);
  const server = createServer();
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
    authorizationUrl,
    redirectUri,
    async waitForRedirect(signal, deadlineS) {
      const context = { issuer: settings.issuer, registry, step: 'sign-in' as const };
      try {
        return await new Promise<TokenResponse>((resolve, reject) => {
          const timer = setTimeout(
            () => reject(new HelperError('sign-in-expired', `nobody signed in within ${deadlineS} s: ${signInAgain(registry)} again`)),
            deadlineS * 1000,
          );
          const onAbort = () => reject(new HelperError('interrupted', 'sign-in cancelled'));
          if (signal.aborted) onAbort();
          signal.addEventListener('abort', onAbort, { once: true });
          const finish = () => {
            clearTimeout(timer);
            signal.removeEventListener('abort', onAbort);
          };
          server.on('request', (req: IncomingMessage, res: ServerResponse) => {
            const url = new URL(req.url ?? '/', redirectUri);
            if (req.method !== 'GET' || url.pathname !== redirect.pathname) return page(res, 404, 'Not found', 'This address only takes the sign-in redirect.');
            const error = url.searchParams.get('error');
            if (error) {
              const failure =
                error === 'access_denied'
                  ? new HelperError('access-denied', `sign-in to ${registry} was denied at ${settings.issuer}`)
                  : new HelperError('idp-error', `${settings.issuer} refused the sign-in: ${printable(error)}${url.searchParams.get('error_description') ? ` (${printable(url.searchParams.get('error_description')!)})` : ''}`);
              page(res, 400, 'Sign-in failed', `${failure.message}. You can close this tab.`);
              finish();
              return reject(failure);
            }
            client.authorizationCodeGrant(provider, url, { pkceCodeVerifier: verifier, expectedState: state }, audienceParameters(settings)).then(
              (tokens) => {
                page(res, 200, 'Signed in', `You are signed in to ${registry}. You can close this tab and go back to the terminal.`);
                finish();
                resolve(tokens);
              },
              (grantError: unknown) => {
                const failure = describeProviderError(grantError, context);
                page(res, 400, 'Sign-in failed', `${failure.message}. You can close this tab.`);
                finish();
                reject(failure);
              },
            );
          });
        });
      } finally {
        await close();
      }
    },
  };
}
