// What differs between operating systems, in one place: where a user's files live, what makes a
// directory private enough to load code from, how a lock tells a live holder from a reused pid, and
// what keeps tokens out of crash dumps. Everything else in the program is the same on Linux, macOS
// and Windows (exit codes, the protocol, CRLF on stdin, the detached renewer's spawn options).
// Each rule takes the platform as an argument so that unit tests check Windows' rules on Linux.
import { lstatSync, readFileSync, writeFileSync, type Stats } from 'node:fs';
import { posix, win32, type PlatformPath } from 'node:path';
import { lazyBuiltin } from './lazyBuiltin.js';

export const APP = 'docker-credential-oidc';

export function pathsOf(platform: NodeJS.Platform): PlatformPath {
  return platform === 'win32' ? win32 : posix;
}

/** The user's home: $HOME (%USERPROFILE% on Windows) as os.homedir() answers it; node:os (on the hot path) only without it. */
export function homedir(env: NodeJS.ProcessEnv, platform: NodeJS.Platform): string {
  return (platform === 'win32' ? env.USERPROFILE : env.HOME) || lazyBuiltin<typeof import('node:os')>('node:os').homedir();
}

export interface UserDirectories {
  /** Our settings (never secret): XDG_CONFIG_HOME, or %APPDATA% (roaming) on Windows. */
  settings: string;
  /** The keychain addon and other caches: XDG_CACHE_HOME, ~/Library/Caches, or %LOCALAPPDATA% (never roaming). */
  cache: string;
  /** Logs (the debug trace): XDG_STATE_HOME ("actions history (logs, ...)"), ~/.local/state, ~/Library/Logs, %LOCALAPPDATA%. */
  state: string;
  /** A per-user tmpfs (XDG_RUNTIME_DIR) where there is one; Windows and macOS have none. */
  runtime?: string;
  /** docker's own directory: $DOCKER_CONFIG, else ~/.docker (%USERPROFILE%\.docker on Windows, as the docker CLI). */
  docker: string;
}

export function userDirectories(env: NodeJS.ProcessEnv, platform: NodeJS.Platform = process.platform): UserDirectories {
  const paths = pathsOf(platform);
  const join = (...parts: string[]) => paths.join(...parts);
  const home = () => homedir(env, platform);
  const docker = env.DOCKER_CONFIG || join(home(), '.docker');
  if (platform === 'win32') {
    return {
      settings: join(env.APPDATA || join(home(), 'AppData', 'Roaming'), APP),
      cache: join(localAppData(env, platform), APP),
      state: env.XDG_STATE_HOME ? join(env.XDG_STATE_HOME, APP) : join(localAppData(env, platform), APP),
      docker,
    };
  }
  return {
    settings: join(env.XDG_CONFIG_HOME || join(home(), '.config'), APP),
    cache: join(env.XDG_CACHE_HOME || (platform === 'darwin' ? join(home(), 'Library', 'Caches') : join(home(), '.cache')), APP),
    state: join(env.XDG_STATE_HOME || (platform === 'darwin' ? join(home(), 'Library', 'Logs') : join(home(), '.local', 'state')), APP),
    ...(env.XDG_RUNTIME_DIR ? { runtime: join(env.XDG_RUNTIME_DIR, APP) } : {}),
    docker,
  };
}

function localAppData(env: NodeJS.ProcessEnv, platform: NodeJS.Platform): string {
  return env.LOCALAPPDATA || pathsOf(platform).join(homedir(env, platform), 'AppData', 'Local');
}

/** What the user sets to move the cache, for the one-line error when no directory would do. */
export function cacheVariable(platform: NodeJS.Platform = process.platform): string {
  return platform === 'win32' ? 'LOCALAPPDATA' : 'XDG_CACHE_HOME';
}

/**
 * Why `path` (a directory we load code from, or a file in one) could have been written by another
 * user; null when it could not. POSIX: owned by us (or root) and not group/other-writable.
 * Windows: Node reports every writable file as 0o666 and has no ACL API, so the mode bits say
 * nothing. The guarantee comes from where the directory is instead: inside the user's own
 * %LOCALAPPDATA% under %USERPROFILE%, whose ACL Windows creates granting only the user, SYSTEM and
 * Administrators (what new folders inside inherit), reached through no symlink or junction (which
 * could lead anywhere, C:\ProgramData included). A %LOCALAPPDATA% pointed outside the profile is refused.
 */
export function ownershipProblem(
  path: string,
  info: Stats,
  platform: NodeJS.Platform = process.platform,
  env: NodeJS.ProcessEnv = process.env,
  lstat: (path: string) => Stats = lstatSync,
): string | null {
  if (platform !== 'win32') {
    const uid = process.getuid?.();
    if (uid !== undefined && info.uid !== uid && info.uid !== 0) return `${path} belongs to uid ${info.uid}, not to you`;
    if ((info.mode & 0o022) !== 0) return `${path} is writable by other users`;
    return null;
  }
  const relative = (from: string, to: string) => win32.relative(from, to);
  const isAbsolute = (path: string) => win32.isAbsolute(path);
  const join = (...parts: string[]) => win32.join(...parts);
  const sep = win32.sep;
  const profile = homedir(env, platform);
  const local = localAppData(env, platform);
  const inside = (parent: string, child: string) => {
    const rest = relative(parent.toLowerCase(), child.toLowerCase());
    return rest !== '' && !rest.startsWith('..') && !isAbsolute(rest) ? relative(parent, child) : null;
  };
  if (inside(profile, local) === null)
    return `%LOCALAPPDATA% (${local}) is not inside your profile (${profile}), so nothing says other users cannot write to it`;
  const rest = inside(local, path);
  if (rest === null) return `${path} is not inside your %LOCALAPPDATA% (${local}), the one place whose permissions Windows keeps to you`;
  // From the profile down: no component may be a symlink or junction (lstat reports both as links).
  let current = profile;
  for (const part of relative(profile, path).split(sep)) {
    current = join(current, part);
    if (lstat(current).isSymbolicLink()) return `${current} is a symbolic link or junction`;
  }
  return null;
}

/**
 * Whether a rename is made durable by fsync on its directory. Windows cannot open a directory as a
 * file (EISDIR) and has no such call: NTFS journals the rename itself.
 */
export function directoriesCanBeSynced(platform: NodeJS.Platform = process.platform): boolean {
  return platform !== 'win32';
}

/**
 * What tells a lock's live holder from a later process that got its pid: on Linux, the start time
 * (clock ticks after boot, /proc/PID/stat field 22); null when no such process runs. Elsewhere ''
 * (no /proc: macOS and Windows locks check the pid alone, with kill(pid, 0) / OpenProcess, and fall
 * back on the holder's deadline).
 */
export function processStart(pid: number, platform: NodeJS.Platform = process.platform): string | null {
  if (platform !== 'linux') return '';
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    if (fields[0] === 'Z' || fields[0] === 'X') return null; // exited, not yet reaped
    return fields[19] ?? null;
  } catch {
    return null;
  }
}

/**
 * A helper that crashes must not leave tokens in a core file. Node cannot call setrlimit(RLIMIT_CORE)
 * or prctl(PR_SET_DUMPABLE); Linux lets a process exclude every memory mapping from its own core
 * dumps instead (proc(5), coredump_filter = 0), whatever ulimit -c or a core_pattern pipe says.
 * macOS writes no core files unless configured to (ulimit -c, /cores). Windows has no such switch
 * reachable from Node: a crash dump is written by Windows Error Reporting only where an administrator
 * configured LocalDumps (HKLM\SOFTWARE\Microsoft\Windows\Windows Error Reporting\LocalDumps), and
 * that is where to look (docs/install.md, Windows).
 */
export function limitCoreDumps(platform: NodeJS.Platform = process.platform): void {
  if (platform !== 'linux') return;
  try {
    writeFileSync('/proc/self/coredump_filter', '0');
  } catch {
    // No /proc (a minimal chroot): nothing to tell the kernel.
  }
}
