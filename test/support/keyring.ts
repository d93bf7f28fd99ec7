// A private Secret Service for one test file: its own D-Bus session bus and gnome-keyring-daemon,
// with a fresh 'login' collection unlocked non-interactively (the recipe in docs/measured-facts.md).
import { spawn, execFile } from 'node:child_process';
import { openSync, closeSync, readFileSync } from 'node:fs';
import { mkdtemp, mkdir, rm, chmod } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { promisify } from 'node:util';

/** How a keyring daemon's death is announced on stderr; scripts/run-tests.mjs looks for it. */
export const KEYRING_DEATH_MARK = '[test keyring died]';

const run = promisify(execFile);

export interface TestKeyring {
  /** Environment for child processes that must reach this keyring. */
  env: NodeJS.ProcessEnv;
  /** Throw-away directory holding the keyring files (scanned for leaked secrets by some tests). */
  dir: string;
  lock(): Promise<void>;
  /**
   * Why the daemon is gone, or null while it runs. gnome-keyring 42..50 aborts when a client
   * disconnects in the middle of OpenSession (GNOME/gnome-keyring#190, #196, #199: "assertion
   * 'client' failed"); a test that kills clients at random moments can hit that upstream race.
   */
  daemonDeath(): Promise<string | null>;
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
    bus.stdout.on('data', (chunk: Buffer) => {
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
  // Its stderr (inherited by the forked daemon) goes to a file, to say why it died if it does.
  const daemonLog = join(dir, 'daemon.log');
  const logFd = openSync(daemonLog, 'a');
  const daemon = spawn('gnome-keyring-daemon', ['--unlock', '--components=secrets'], {
    env,
    stdio: ['pipe', 'ignore', logFd],
  });
  daemon.stdin!.end('test-keyring-password');
  await new Promise((resolve) => daemon.once('exit', resolve));
  closeSync(logFd);

  // --unlock returns just before the daemon owns the name; poll without activating a second daemon.
  for (let i = 0; ; i++) {
    const { stdout } = await run(
      'dbus-send',
      [
        '--session',
        '--print-reply',
        '--dest=org.freedesktop.DBus',
        '/org/freedesktop/DBus',
        'org.freedesktop.DBus.NameHasOwner',
        'string:org.freedesktop.secrets',
      ],
      { env },
    ).catch(() => ({ stdout: '' }));
    if (stdout.includes('boolean true')) break;
    if (i > 200) throw new Error('gnome-keyring-daemon did not take org.freedesktop.secrets');
    await new Promise((r) => setTimeout(r, 25));
  }

  // Asked of the bus itself, which never activates a service (a zombie would still answer kill -0).
  const ownerPid = async () => {
    const { stdout } = await run(
      'dbus-send',
      [
        '--session',
        '--print-reply',
        '--dest=org.freedesktop.DBus',
        '/org/freedesktop/DBus',
        'org.freedesktop.DBus.GetConnectionUnixProcessID',
        'string:org.freedesktop.secrets',
      ],
      { env },
    ).catch(() => ({ stdout: '' }));
    return Number(/uint32 (\d+)/.exec(stdout)?.[1] ?? NaN);
  };
  const daemonPid = await ownerPid();

  const daemonDeath = async () => {
    if ((await ownerPid()) === daemonPid) return null;
    const log = readFileSync(daemonLog, 'utf8').trim().split('\n').slice(-6).join(' | ');
    return `gnome-keyring-daemon ${daemonPid} is gone: ${log || '(nothing on its stderr)'}`;
  };

  return {
    env,
    dir,
    daemonDeath,
    async lock() {
      await run(
        'dbus-send',
        [
          '--session',
          '--print-reply',
          '--dest=org.freedesktop.secrets',
          '/org/freedesktop/secrets',
          'org.freedesktop.Secret.Service.Lock',
          'array:objpath:/org/freedesktop/secrets/collection/login',
        ],
        { env },
      );
    },
    async stop() {
      // A daemon that died under a test is said in the log, with its last words and the test file
      // (scripts/run-tests.mjs reruns a failed file once when, and only when, its daemon died).
      const death = await daemonDeath();
      if (death) process.stderr.write(`${KEYRING_DEATH_MARK} (${relative(process.cwd(), process.argv[1] ?? '?')}) ${death}\n`);
      // gnome-keyring-daemon exits by itself when its session bus goes away.
      bus.kill('SIGTERM');
      await rm(dir, { recursive: true, force: true });
    },
  };
}
