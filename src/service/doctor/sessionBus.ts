// The D-Bus session bus the Secret Service lives on (Linux). Without DBUS_SESSION_BUS_ADDRESS the
// keychain library falls back to $XDG_RUNTIME_DIR/bus, as libdbus and zbus do; a server reached over
// SSH, a cron job or a container often has neither (docker-credential-helpers #132, docker/cli #7148).
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { lazyBuiltin } from '../../runtime/lazyBuiltin.js';
import { ok, problem, type CheckResult, type DoctorContext } from './check.js';

const CHECK = 'session bus';
const START_ONE =
  'start a session with "dbus-run-session -- $SHELL" and a keychain in it ("gnome-keyring-daemon --unlock", the password on stdin), or keep tokens in the kernel keyring (registry-login --store kernel)';

/** The first socket of a D-Bus address list ("unix:path=/run/user/1000/bus,guid=..."), if it names one. */
export function busSocketOf(address: string): { path: string; abstract: boolean } | { other: string } | undefined {
  for (const entry of address.split(';')) {
    const [transport, params = ''] = entry.split(/:(.*)/s, 2) as [string, string?];
    const values = Object.fromEntries(params.split(',').map((pair) => pair.split(/=(.*)/s, 2) as [string, string]));
    const decode = (value: string) => value.replace(/%([0-9a-f]{2})/gi, (_, hex: string) => String.fromCharCode(parseInt(hex, 16)));
    if (transport === 'unix' && values.path) return { path: decode(values.path), abstract: false };
    if (transport === 'unix' && values.abstract) return { path: decode(values.abstract), abstract: true };
    if (transport) return { other: transport };
  }
  return undefined;
}

function connects(path: string): Promise<string | undefined> {
  const { createConnection } = lazyBuiltin<typeof import('node:net')>('node:net');
  return new Promise((resolve) => {
    const socket = createConnection({ path });
    const done = (why: string | undefined) => {
      socket.destroy();
      resolve(why);
    };
    socket.setTimeout(2000, () => done('no answer within 2 s'));
    socket.once('connect', () => done(undefined));
    socket.once('error', (error: NodeJS.ErrnoException) => done(error.code ?? error.message));
  });
}

export async function checkSessionBus(context: DoctorContext): Promise<CheckResult[]> {
  if (process.platform !== 'linux') return [];
  const severity = context.keychainNeeded ? 'failed' : 'warning';
  const env = context.deps.env;
  let address = env.DBUS_SESSION_BUS_ADDRESS;
  if (!address) {
    const fallback = env.XDG_RUNTIME_DIR ? join(env.XDG_RUNTIME_DIR, 'bus') : undefined;
    if (!fallback || !existsSync(fallback)) {
      return [
        problem(
          severity,
          CHECK,
          `no D-Bus session bus: DBUS_SESSION_BUS_ADDRESS is not set${fallback ? ` and there is no ${fallback}` : ' and neither is XDG_RUNTIME_DIR'}`,
          START_ONE,
        ),
      ];
    }
    address = `unix:path=${fallback}`;
  }
  const socket = busSocketOf(address);
  if (!socket) return [problem(severity, CHECK, `DBUS_SESSION_BUS_ADDRESS names no bus (${address.slice(0, 200)})`, START_ONE)];
  if ('other' in socket) return [ok(CHECK, `${socket.other} bus at ${address.slice(0, 200)} (not tried)`)];
  const failure = await connects(socket.abstract ? `\0${socket.path}` : socket.path);
  if (failure) return [problem(severity, CHECK, `cannot connect to the session bus at ${socket.path} (${failure})`, START_ONE)];
  return [ok(CHECK, `reachable at ${socket.abstract ? '@' : ''}${socket.path}`)];
}
