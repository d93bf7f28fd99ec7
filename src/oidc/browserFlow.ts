// Authorization code with PKCE on a loopback redirect (RFC 8252 §7.3, RFC 7636 S256): for desktops,
// and for tenants that block the device code (Entra ID Conditional Access). A listener on 127.0.0.1
// takes the redirect back; openid-client checks state, the code and RFC 9207's `iss` when the
// provider advertises it. The listener is closed however the sign-in ends.
// The listener itself, and what it does against other local accounts: signInListener.ts.
import type { ServerResponse } from 'node:http';
import * as client from 'openid-client';
import { HelperError, printable, signInAgain } from '../errors.js';
import type { RegistrySettings } from '../model.js';
import { describeProviderError } from './providerErrors.js';
import { openSignInListener, page } from './signInListener.js';
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
    throw new HelperError(
      'invalid-input',
      `--redirect-uri ${value} must be http://127.0.0.1:PORT/PATH or http://localhost:PORT/PATH (a loopback address this machine listens on)`,
    );
  }
  return url;
}

export async function startBrowserSignIn(
  provider: client.Configuration,
  settings: RegistrySettings,
  registry: string,
  redirectUriSetting?: string,
): Promise<BrowserSignIn> {
  const listener = await openSignInListener(loopbackRedirect(redirectUriSetting ?? DEFAULT_REDIRECT_URI), registry);
  const verifier = client.randomPKCECodeVerifier();
  const state = client.randomState();
  const authorizationUrl = client
    .buildAuthorizationUrl(provider, {
      redirect_uri: listener.redirectUri,
      scope: settings.scope,
      code_challenge: await client.calculatePKCECodeChallenge(verifier),
      code_challenge_method: 'S256',
      state,
      ...audienceParameters(settings),
    })
    .toString();

  return {
    startUrl: listener.startUrl,
    redirectUri: listener.redirectUri,
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
          const end = (outcome: () => void) => {
            clearTimeout(timer);
            signal.removeEventListener('abort', onAbort);
            outcome();
          };
          // The redirect back with this sign-in's state: a denial ends the sign-in, a code is redeemed.
          listener.serve(authorizationUrl, state, (url: URL, res: ServerResponse) => {
            const error = url.searchParams.get('error');
            if (error) {
              const failure =
                error === 'access_denied'
                  ? new HelperError('access-denied', `sign-in to ${registry} was denied at ${settings.issuer}`)
                  : new HelperError(
                      'idp-error',
                      `${settings.issuer} refused the sign-in: ${printable(error)}${url.searchParams.get('error_description') ? ` (${printable(url.searchParams.get('error_description')!)})` : ''}`,
                    );
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
          });
        });
      } finally {
        await listener.close();
      }
    },
  };
}
