// A private Secret Service for one test file: its own D-Bus session bus and gnome-keyring-daemon,
// with a fresh 'login' collection unlocked non-interactively (as ../shared/with-keyring.sh does).
import { spawn, execFile } from 'node:child_process';
import { mkdtemp, mkdir, rm, chmod } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

export interface TestKeyring {
  /** Environment for child processes that must reach this keyring. */
  env: NodeJS.ProcessEnv;
  /** Throw-away directory holding the keyring files (scanned for leaked secrets by some tests). */
  dir: string;
  lock(): Promise<void>;
  stop(): Promise<void>;
}

export async function startKeyring(): Promise<TestKeyring> {
  const dir = await mkdtemp(join(tmpdir(), 'dco-keyring-'));
  const dataHome = join(dir, 'data');
  const runtimeDir = join(dir, 'run');
  await mkdir(dataHome, { recursive: true });
  await mkdir(runtimeDir, { recursive: true });
  await chmod(runtimeDir, 0o700);

  const bus = spawn('dbus-daemon', ['--session', '--nofork', '--print-address=1', '--nopidfile'], {
    stdio: ['ignore', 'pipe', 'ignore'],
  });
  const address = await new Promise<string>((resolve, reject) => {
    let out = '';
    bus.stdout!.on('data', (chunk: Buffer) => {
      out += chunk.toString();
      const line = out.split('\n')[0];
      if (out.includes('\n') && line) resolve(line.trim());
    });
    bus.once('error', reject);
    bus.once('exit', (code) => reject(new Error(`dbus-daemon exited with ${code}`)));
  });

  const env: NodeJS.ProcessEnv = {
    ...process.env,
    DBUS_SESSION_BUS_ADDRESS: address,
    XDG_DATA_HOME: dataHome,
    XDG_RUNTIME_DIR: runtimeDir,
  };
  delete env.DISPLAY;
  delete env.WAYLAND_DISPLAY;

  // --unlock reads the password on stdin, creates the 'login' collection if needed and unlocks it.
  const daemon = spawn('gnome-keyring-daemon', ['--unlock', '--components=secrets'], {
    env,
    stdio: ['pipe', 'ignore', 'ignore'],
  });
  daemon.stdin!.end('test-keyring-password');
  await new Promise((resolve) => daemon.once('exit', resolve));

  // --unlock returns just before the daemon owns the name; poll without activating a second daemon.
  for (let i = 0; ; i++) {
    const { stdout } = await run('dbus-send', [
      '--session', '--print-reply', '--dest=org.freedesktop.DBus', '/org/freedesktop/DBus',
      'org.freedesktop.DBus.NameHasOwner', 'string:org.freedesktop.secrets',
    ], { env }).catch(() => ({ stdout: '' }));
    if (stdout.includes('boolean true')) break;
    if (i > 200) throw new Error('gnome-keyring-daemon did not take org.freedesktop.secrets');
    await new Promise((r) => setTimeout(r, 25));
  }

  return {
    env,
    dir,
    async lock() {
      await run('dbus-send', [
        '--session', '--print-reply', '--dest=org.freedesktop.secrets', '/org/freedesktop/secrets',
        'org.freedesktop.Secret.Service.Lock', 'array:objpath:/org/freedesktop/secrets/collection/login',
      ], { env });
    },
    async stop() {
      // gnome-keyring-daemon exits by itself when its session bus goes away.
      bus.kill('SIGTERM');
      await rm(dir, { recursive: true, force: true });
    },
  };
}
