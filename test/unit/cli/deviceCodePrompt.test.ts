import { test } from 'node:test';
import assert from 'node:assert/strict';
import { encode } from 'uqr';
import { deviceCodePrompt } from '../../../src/cli/deviceCodePrompt.js';
import type { Terminal } from '../../../src/service/deps.js';
import { testDeps } from '../../support/testDeps.js';

function recordingIo(overrides: Partial<Terminal> & { env?: NodeJS.ProcessEnv }) {
  const { env, ...terminal } = overrides;
  const world = testDeps({ terminal, ...(env ? { env } : {}) });
  world.clock.now = 1000;
  return { io: world.deps, stderr: world.stderr, launched: world.launched };
}

const code = {
  userCode: 'ABCD-EFGH',
  verificationUri: 'https://idp/device',
  verificationUriComplete: 'https://idp/device?user_code=ABCD-EFGH',
  expiresAt: 1000 + 599,
};

test('in a log: the URL, the code, the complete URL and one line with the expiry', () => {
  const { io, stderr, launched } = recordingIo({});
  const stop = deviceCodePrompt(io, 'reg.example')(code, { noBrowser: false });
  stop();
  assert.deepEqual(stderr, [
    'To sign in to reg.example, open https://idp/device and enter the code: ABCD-EFGH\n',
    '(or open https://idp/device?user_code=ABCD-EFGH to skip typing the code)\n',
    'Waiting for sign-in; the code expires in 9:59.\n',
  ]);
  assert.deepEqual(launched, [], 'no desktop, no browser');
});

test('on a terminal at a desktop: the browser opens the complete URL and a live countdown runs until stopped', async () => {
  let now = 1000;
  const { io, stderr, launched } = recordingIo({ isStderrTty: true, env: { DISPLAY: ':0' } });
  io.nowS = () => now;
  const stop = deviceCodePrompt(io, 'reg.example')(code, { noBrowser: false });
  assert.deepEqual(launched, [['xdg-open', 'https://idp/device?user_code=ABCD-EFGH']]);
  now += 2;
  await new Promise((r) => setTimeout(r, 1100));
  stop();
  const countdown = stderr.filter((line) => line.startsWith('\r\x1b[KWaiting'));
  assert.deepEqual(countdown.slice(0, 2), ['\r\x1b[KWaiting for sign-in… code expires in 9:59', '\r\x1b[KWaiting for sign-in… code expires in 9:57']);
  assert.equal(stderr.at(-1), '\r\x1b[K', 'the countdown line is cleared');
});

test('--no-browser never launches anything', () => {
  const { io, launched } = recordingIo({ env: { DISPLAY: ':0' } });
  deviceCodePrompt(io, 'reg.example')(code, { noBrowser: true })();
  assert.deepEqual(launched, []);
});

/** The modules a compact Unicode QR drawing shows: each character is two rows (▀ top, ▄ bottom, █ both). */
function modulesOf(drawing: string): boolean[][] {
  const rows: boolean[][] = [];
  for (const line of drawing.split('\n').filter(Boolean)) {
    const chars = [...line];
    rows.push(
      chars.map((c) => c === '▀' || c === '█'),
      chars.map((c) => c === '▄' || c === '█'),
    );
  }
  return rows;
}

test('on a terminal the complete URL is also drawn as a QR code of exactly that URL; logs get none', () => {
  const tty = recordingIo({ isStderrTty: true });
  deviceCodePrompt(tty.io, 'reg.example')(code, { noBrowser: true })();
  const drawing = tty.stderr.find((line) => line.startsWith('Or scan it with a phone:\n'));
  assert.ok(drawing, tty.stderr.join(''));
  const shown = modulesOf(drawing.slice('Or scan it with a phone:\n'.length));
  // The QR symbol of the URL with the drawing's one-module border; for a dark terminal the light
  // modules are the ones drawn.
  const symbol = encode(code.verificationUriComplete, { border: 1 }).data;
  const flat = (m: boolean[][]) =>
    m
      .slice(0, symbol.length)
      .map((row) =>
        row
          .slice(0, symbol.length)
          .map((x) => (x ? 1 : 0))
          .join(''),
      )
      .join('\n');
  assert.ok(shown.length >= symbol.length);
  assert.equal(flat(shown), flat(symbol.map((row) => row.map((dark) => !dark))));
  const log = recordingIo({});
  deviceCodePrompt(log.io, 'reg.example')(code, { noBrowser: true })();
  assert.ok(!log.stderr.some((line) => /[▀▄█]/.test(line)), 'no drawing in a log');
});
