// What registry-login shows and opens for each way of signing in: the device code with its
// countdown (cli/deviceCodePrompt.ts), or the browser on the authorization URL.
import type { Deps } from '../service/deps.js';
import type { SignInPresenter } from '../service/login.js';
import { browserCommand } from './browser.js';
import { deviceCodePrompt } from './deviceCodePrompt.js';

export function signInPresenter(deps: Pick<Deps, 'env' | 'terminal' | 'nowS'>, registry: string): SignInPresenter {
  const io = deps.terminal;
  const browser = browserCommand(deps.env, io.platform);
  return {
    canOpenBrowser: browser !== null,
    showDeviceCode: deviceCodePrompt(deps, registry),
    openBrowser(url, { noBrowser }) {
      io.stderr(`To sign in to ${registry}, open this address in a browser on this machine:\n${url}\n`);
      if (browser && !noBrowser) {
        io.launch(browser[0], [...browser[1], url]);
        io.stderr('Opened your browser; waiting for the sign-in to come back.\n');
      }
    },
    say: (line) => io.stderr(`${line}\n`),
  };
}
