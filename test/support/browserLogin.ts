// registry-login run as a person at a desktop runs it, with a stub browser (BROWSER) that records the
// URL it was asked to open; without a display the helper prints the URL instead, which is read too.
import { spawn } from 'node:child_process';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { loginBinary, type RunResult } from './helperBinary.js';

export interface BrowserLogin {
  /** The URL the helper sent the person to. */
  url: Promise<string>;
  done: Promise<RunResult>;
  /** The environment the stub browser was started with ('' if it was not started). */
  browserEnvironment(): Promise<string>;
  /** Lets a lingering stub browser (lingeringBrowser) exit. */
  releaseBrowser(): Promise<void>;
}

/** Writes the stub browser into `dir`; returns its path. */
export async function stubBrowser(dir: string): Promise<string> {
  const launcher = join(dir, 'browser.sh');
  await writeFile(launcher, '#!/bin/sh\nenv > "$BROWSER_LOG.env"\nprintf "%s" "$1" > "$BROWSER_LOG"\n', { mode: 0o755 });
  return launcher;
}

/**
 * A stub browser that stays running (as a real one does) until the test releases it, or for 60 s:
 * its argv stays in /proc for everyone to read.
 */
export async function lingeringBrowser(dir: string): Promise<string> {
  const launcher = join(dir, 'lingering-browser.sh');
  await writeFile(
    launcher,
    '#!/bin/sh\nprintf "%s" "$1" > "$BROWSER_LOG"\ni=0\nwhile [ ! -e "$BROWSER_LOG.done" ] && [ $i -lt 600 ]; do sleep 0.1; i=$((i+1)); done\n',
    { mode: 0o755 },
  );
  return launcher;
}

/**
 * What the browser finds at the address the helper opened: the provider's authorization URL it is
 * sent on to (one GET, as the browser's first; the redirect is not followed).
 */
export async function authorizationUrlBehind(opened: string): Promise<string> {
  const answer = await fetch(opened, { redirect: 'manual' });
  await answer.arrayBuffer();
  const location = answer.headers.get('location');
  if (answer.status !== 302 || !location) throw new Error(`${opened} answered HTTP ${answer.status}, not a redirect`);
  return location;
}

let counter = 0;

export function startBrowserLogin(args: string[], env: NodeJS.ProcessEnv, launcher: string, logDir: string): BrowserLogin {
  const log = join(logDir, `browser-${process.pid}-${++counter}.log`);
  const child = spawn(loginBinary, args, { env: { ...env, BROWSER: launcher, BROWSER_LOG: log }, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
  child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
  const done = new Promise<RunResult>((resolve) => child.once('close', (code) => resolve({ code, stdout, stderr })));
  const url = (async () => {
    for (let i = 0; i < 300; i++) {
      const opened = await readFile(log, 'utf8').catch(() => '');
      if (opened) return opened;
      const printed = /open this address in a browser on this machine:\n(\S+)/.exec(stderr)?.[1];
      if (printed) return printed;
      if (child.exitCode !== null) throw new Error(`login ended before opening a browser: ${stderr}`);
      await new Promise((r) => setTimeout(r, 50));
    }
    throw new Error(`no browser URL: ${stderr}`);
  })();
  // A flow that never opens a browser (the device code) must not leave an unhandled rejection.
  url.catch(() => undefined);
  return { url, done, browserEnvironment: () => readFile(`${log}.env`, 'utf8').catch(() => ''), releaseBrowser: () => writeFile(`${log}.done`, '') };
}
