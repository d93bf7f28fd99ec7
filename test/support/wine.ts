// A Windows to run the win32-x64 binary in: a fresh Wine prefix per test file (Debian's Wine 8.0,
// from scripts/install-system-deps.sh). Real Windows needs none of what follows; Wine 8.0 needs three
// adaptations, and they are made HERE, in the harness, never in the product:
//   1. the prefix says Windows 10 (node.exe 24 refuses the default Windows 7: exit 216);
//   2. V8 reserves memory with MEM_RESERVE_PLACEHOLDER when VirtualAlloc2 exists, which Wine 8.0
//      rejects ("Fatal process out of memory"): a TEST COPY of the .exe has its one "VirtualAlloc2"
//      import-by-name string renamed, GetProcAddress fails and V8 takes its older path;
//   3. the keychain addon (Rust std) imports ProcessPrng from bcryptprimitives.dll, which Wine 8.0
//      lacks: a stand-in DLL exporting it over RtlGenRandom is built with mingw into system32;
//   4. Wine 8.0 fails a TCP connect ("connect UNKNOWN") when SO_KEEPALIVE was set on the socket
//      before it connected, which undici (fetch) does; net.connect without it works (measured with the
//      plain node.exe under Wine). A preload given through NODE_OPTIONS defers setKeepAlive to the
//      connect event.
// Two more facts of Wine 8.0 the harness works around: its services inherit the stdio of the first
// wine call, so the server is started first with stdio ignored and stopped at the end (otherwise a
// piped child never reports `close`); and Node under Wine cannot open a Unix pipe as a stream
// (process.stdin/stdout/stderr fail with "open EBADF" in new Socket; docker's pipes work on real
// Windows), so the commands that touch those streams (sign-in, configure-docker) get files for their
// stdin, stdout and stderr, read back when they exit (stderr polled meanwhile). The protocol verbs
// write to the descriptors directly and get pipes, as from docker.
import { execFile, spawn } from 'node:child_process';
import { closeSync, mkdirSync, mkdtempSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { promisify } from 'node:util';
import { run, type RunResult } from './helperBinary.js';

const WINE64 = '/usr/lib/wine/wine64';

const PROCESS_PRNG_C = `#include <windows.h>
BOOLEAN WINAPI SystemFunction036(PVOID buffer, ULONG length);
/* Wine 8.0 has no bcryptprimitives.dll; Rust's std (>= 1.78) takes its random bytes from here. */
BOOL WINAPI ProcessPrng(PBYTE data, SIZE_T length) {
  while (length > 0) {
    ULONG chunk = length > 0x10000000 ? 0x10000000 : (ULONG)length;
    if (!SystemFunction036(data, chunk)) return FALSE;
    data += chunk;
    length -= chunk;
  }
  return TRUE;
}
`;

export interface WineWorld {
  /** The prefix's environment for wine and for the .exe (Windows variables are Wine's own). */
  env: NodeJS.ProcessEnv;
  prefix: string;
  /** The Linux path of a file on the prefix's C: drive. */
  driveC(...parts: string[]): string;
  /** The Windows user's name inside the prefix (C:\users\NAME). */
  user: string;
  /**
   * Runs a copy of `exe` (adaptation 2) under Wine: argv, stdin, answer; `onStderr` sees stderr as it
   * grows (polled), for a caller that must act on a line (the device code) before the exit.
   */
  run(exe: string, args: string[], options?: { input?: string; timeoutMs?: number; files?: boolean; onStderr?: (text: string) => void }): Promise<RunResult>;
  /** `reg query` of a key, its output (empty when the key is absent). */
  regQuery(key: string): Promise<string>;
  stop(): Promise<void>;
}

const execFileAsync = promisify(execFile);

/** Adaptation 4, loaded by node.exe before our program (NODE_OPTIONS=--require). */
const KEEPALIVE_AFTER_CONNECT_CJS = `const net = require('node:net');
const setKeepAlive = net.Socket.prototype.setKeepAlive;
net.Socket.prototype.setKeepAlive = function (...args) {
  if (this.connecting) {
    this.once('connect', () => setKeepAlive.apply(this, args));
    return this;
  }
  return setKeepAlive.apply(this, args);
};
`;

/** The Windows name of a Linux path (Wine maps / to Z:). */
const windowsPath = (path: string) => `Z:${path.replace(/\//g, '\\')}`;

/**
 * Adaptation 2: a test copy whose VirtualAlloc2 lookup fails (same length, so no offset moves), under
 * the same file name (registry-login.exe must still be called that).
 */
function wineCopyOf(exe: string, dir: string): string {
  mkdirSync(dir, { recursive: true });
  const copy = join(dir, basename(exe));
  const image = readFileSync(exe);
  const from = Buffer.from('\0VirtualAlloc2\0', 'latin1');
  const at = image.indexOf(from);
  if (at < 0 || image.indexOf(from, at + 1) >= 0) throw new Error(`${exe}: expected exactly one VirtualAlloc2 import name`);
  Buffer.from('\0WineNoPlcHold\0', 'latin1').copy(image, at);
  writeFileSync(copy, image, { mode: 0o755 });
  return copy;
}

export async function startWine(name: string): Promise<WineWorld> {
  const prefix = mkdtempSync(join(tmpdir(), `dco-wine-${name}-`));
  const work = mkdtempSync(join(tmpdir(), `dco-wine-${name}-work-`));
  const env: NodeJS.ProcessEnv = {
    PATH: process.env.PATH,
    USER: 'dco',
    HOME: work,
    WINEPREFIX: prefix,
    WINEDEBUG: '-all',
    // No Mono or Gecko installer dialogs, no display: a console-only Windows.
    WINEDLLOVERRIDES: 'mscoree,mshtml=',
    DISPLAY: '',
  };
  const wine = (args: string[]) => execFileAsync(WINE64, args, { env, timeout: 120_000 });
  // Both with stdio ignored: the server (and the services wineboot starts) would hold a pipe open.
  const quietly = (file: string, args: string[]) =>
    new Promise<void>((resolve, reject) => {
      const child = spawn(file, args, { env, stdio: 'ignore' });
      child.once('error', reject);
      child.once('exit', (code) => (code === 0 ? resolve() : reject(new Error(`${file} ${args.join(' ')} exited ${code}`))));
    });
  await quietly('wineserver', ['-p']);
  await quietly(WINE64, ['wineboot', '-i']);
  await wine(['reg', 'add', 'HKCU\\Software\\Wine', '/v', 'Version', '/d', 'win10', '/f']); // adaptation 1
  // Adaptation 3.
  writeFileSync(join(work, 'processprng.c'), PROCESS_PRNG_C);
  writeFileSync(join(work, 'processprng.def'), 'LIBRARY bcryptprimitives\nEXPORTS\nProcessPrng\n');
  await execFileAsync('x86_64-w64-mingw32-gcc', [
    '-shared',
    '-O2',
    '-o',
    join(prefix, 'drive_c', 'windows', 'system32', 'bcryptprimitives.dll'),
    join(work, 'processprng.c'),
    join(work, 'processprng.def'),
    '-ladvapi32',
  ]);
  writeFileSync(join(work, 'keepalive-after-connect.cjs'), KEEPALIVE_AFTER_CONNECT_CJS);
  env.NODE_OPTIONS = `--require ${windowsPath(join(work, 'keepalive-after-connect.cjs'))}`;
  const user = (await wine(['cmd', '/c', 'echo %USERNAME%'])).stdout.trim();
  const copies = new Map<string, string>();
  const copyOf = (exe: string) => {
    if (!copies.has(exe)) copies.set(exe, wineCopyOf(exe, join(work, `exe-${copies.size}`)));
    return copies.get(exe)!;
  };
  return {
    env,
    prefix,
    user,
    driveC: (...parts) => join(prefix, 'drive_c', ...parts),
    async run(exe, args, options = {}) {
      if (!options.files && !options.onStderr)
        return run(WINE64, [copyOf(exe), ...args], { input: options.input ?? '', env, timeoutMs: options.timeoutMs ?? 60_000 });
      const io = mkdtempSync(join(work, 'io-'));
      const [stdin, stdout, stderr] = ['stdin', 'stdout', 'stderr'].map((name) => join(io, name)) as [string, string, string];
      writeFileSync(stdin, options.input ?? '');
      const fds = [openSync(stdin, 'r'), openSync(stdout, 'w'), openSync(stderr, 'w')];
      const child = spawn(WINE64, [copyOf(exe), ...args], { env, stdio: fds });
      for (const fd of fds) closeSync(fd);
      const timer = setTimeout(() => child.kill('SIGKILL'), options.timeoutMs ?? 60_000);
      const poll = options.onStderr && setInterval(() => options.onStderr!(readFileSync(stderr, 'utf8')), 200);
      try {
        const code = await new Promise<number | null>((resolve, reject) => {
          child.once('error', reject);
          child.once('exit', resolve);
        });
        return { code, stdout: readFileSync(stdout, 'utf8'), stderr: readFileSync(stderr, 'utf8') };
      } finally {
        clearTimeout(timer);
        if (poll) clearInterval(poll);
        rmSync(io, { recursive: true, force: true });
      }
    },
    async regQuery(key) {
      try {
        return (await wine(['reg', 'query', key, '/s'])).stdout;
      } catch {
        return ''; // reg exits 1 for a key that does not exist
      }
    },
    async stop() {
      await execFileAsync('wineserver', ['-k'], { env }).catch(() => undefined);
      rmSync(prefix, { recursive: true, force: true });
      rmSync(work, { recursive: true, force: true });
    },
  };
}

/** The win32-x64 build's executables, cross-built into `out` by scripts/build.mjs. */
export function windowsBuild(out: string): { helper: string; login: string } {
  return { helper: join(out, 'docker-credential-oidc.exe'), login: join(out, 'registry-login.exe') };
}
