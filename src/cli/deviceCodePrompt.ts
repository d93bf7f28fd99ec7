// What the person sees while signing in: the code, the URL, and a countdown until the code expires
// (a live line on a terminal, one line in a log). On a terminal the URL that carries the code is
// also drawn as a QR code, for signing in from a phone; logs and CI get the one-line form only.
import { renderUnicodeCompact } from 'uqr';
import type { Deps } from '../service/deps.js';
import type { DeviceCode } from '../oidc/deviceFlow.js';
import type { ShowDeviceCode } from '../service/login.js';
import { browserCommand } from './browser.js';

function formatRemaining(seconds: number): string {
  const s = Math.max(0, Math.floor(seconds));
  return `${Math.floor(s / 60)}:${String(s % 60).padStart(2, '0')}`;
}

export function deviceCodePrompt(deps: Pick<Deps, 'env' | 'terminal' | 'nowS'>, registry: string): ShowDeviceCode {
  const io = deps.terminal;
  return (code: DeviceCode, { noBrowser }) => {
    const url = code.verificationUriComplete ?? code.verificationUri;
    io.stderr(`To sign in to ${registry}, open ${code.verificationUri} and enter the code: ${code.userCode}\n`);
    if (code.verificationUriComplete) io.stderr(`(or open ${code.verificationUriComplete} to skip typing the code)\n`);
    if (code.message) io.stderr(`${code.message}\n`);
    // The URL was checked to be plain printable https (oidc/deviceFlow.ts) before it got here.
    if (code.verificationUriComplete && io.isStderrTty)
      io.stderr(`Or scan it with a phone:\n${renderUnicodeCompact(code.verificationUriComplete, { border: 1 })}\n`);
    const browser = noBrowser ? null : browserCommand(deps.env, io.platform);
    if (browser) {
      io.launch(browser[0], [...browser[1], url]);
      io.stderr('Opened your browser.\n');
    }
    const left = () => code.expiresAt - deps.nowS();
    if (!io.isStderrTty) {
      io.stderr(`Waiting for sign-in; the code expires in ${formatRemaining(left())}.\n`);
      return () => undefined;
    }
    const draw = () => io.stderr(`\r\x1b[KWaiting for sign-in… code expires in ${formatRemaining(left())}`);
    draw();
    const timer = setInterval(draw, 1000);
    return () => {
      clearInterval(timer);
      io.stderr('\r\x1b[K');
    };
  };
}
