// Where DOCKER_CREDENTIAL_OIDC_DEBUG writes the trace, and the writer: one line per step, appended
// synchronously (a protocol verb ends with process.exit, which would drop buffered lines), to a file
// created 0600 in a 0700 directory and rotated to FILE.1 once it would pass TRACE_MAX_BYTES, so a
// forgotten variable on a build machine never fills a disk. Loaded only when the variable is set.
import { closeSync, fchmodSync, fstatSync, mkdirSync, openSync, renameSync, statSync, writeSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { stateDirectory } from './paths.js';
import { printable } from '../errors.js';
import { DEBUG_VARIABLE, installTraceSink, traceRequested, type TraceFields, type TraceValue } from './trace.js';

/** Each of debug.log and debug.log.1 stays under this. */
export const TRACE_MAX_BYTES = 1024 * 1024;
const MAX_VALUE_CHARS = 400;

/** Where the trace goes, or undefined when it is off. `=1` (or true, on, yes): debug.log in the state dir. */
export function traceDestination(env: NodeJS.ProcessEnv, platform: NodeJS.Platform = process.platform): string | undefined {
  if (!traceRequested(env)) return undefined;
  const value = env[DEBUG_VARIABLE]!.trim();
  if (/^(1|true|on|yes)$/i.test(value)) return join(stateDirectory(env, platform), 'debug.log');
  return resolve(value);
}

/**
 * The trace never holds a secret because no caller passes one; this is the second line of defence
 * for a value that should not have been there: a field named like a secret, or anything shaped
 * like a JWT, is replaced.
 */
const SECRET_FIELD = /token|secret|password|cookie|authorization|assertion/i;
const JWT_SHAPE = /eyJ[\w-]{4,}\.[\w-]{4,}\.[\w-]*/g;

function formatValue(key: string, value: TraceValue): string {
  if (SECRET_FIELD.test(key) && typeof value === 'string') return '[redacted]';
  let text = printable(String(value)).replace(JWT_SHAPE, '[redacted jwt]');
  if (text.length > MAX_VALUE_CHARS) text = `${text.slice(0, MAX_VALUE_CHARS)}…`;
  return text === '' || /[\s"=]/.test(text) ? JSON.stringify(text) : text;
}

/** `2026-12-07T07:12:41.123Z 4242 http method=GET url=https://idp/token status=200 ms=35` */
export function formatTraceLine(nowMs: number, pid: number, step: string, fields: TraceFields): string {
  const parts = [new Date(nowMs).toISOString(), String(pid), step];
  for (const [key, value] of Object.entries(fields)) if (value !== undefined) parts.push(`${key}=${formatValue(key, value)}`);
  return `${parts.join(' ')}\n`;
}

/** Appends lines to `path`, rotating to `path.1`; other processes of the same user may append too. */
export class TraceFile {
  private fd: number | undefined;
  private inode = 0;

  constructor(
    readonly path: string,
    private readonly maxBytes = TRACE_MAX_BYTES,
  ) {}

  append(line: string): void {
    const bytes = Buffer.byteLength(line);
    let current: { ino: number; size: number } | undefined;
    try {
      current = statSync(this.path);
    } catch {
      current = undefined;
    }
    if (current && current.size > 0 && current.size + bytes > this.maxBytes) {
      renameSync(this.path, `${this.path}.1`);
      current = undefined;
    }
    // Not ours any more (another process rotated it, or it was removed): open the file by its name again.
    if (this.fd === undefined || !current || current.ino !== this.inode) this.open();
    writeSync(this.fd!, line);
  }

  close(): void {
    if (this.fd !== undefined) closeSync(this.fd);
    this.fd = undefined;
  }

  private open(): void {
    this.close();
    mkdirSync(dirname(this.path), { recursive: true, mode: 0o700 });
    const fd = openSync(this.path, 'a', 0o600);
    // A file that was there before (a PATH the person named) is narrowed to its owner as well.
    if (process.platform !== 'win32') {
      try {
        fchmodSync(fd, 0o600);
      } catch {
        // Not ours to change (a shared file): written as it is.
      }
    }
    this.fd = fd;
    this.inode = fstatSync(fd).ino;
  }
}

/**
 * Installs the trace for this process when the variable asks for one; returns its path. A trace
 * that cannot be written is said once on stderr and then left off: it never fails the command.
 */
export function startTrace(env: NodeJS.ProcessEnv, warn: (text: string) => void): string | undefined {
  const path = traceDestination(env);
  if (!path) return undefined;
  const file = new TraceFile(path);
  const pid = process.pid;
  installTraceSink((step, fields) => {
    try {
      file.append(formatTraceLine(Date.now(), pid, step, fields));
    } catch (error) {
      installTraceSink(undefined);
      warn(
        `docker-credential-oidc: cannot write the debug trace to ${path} (${(error as NodeJS.ErrnoException).code ?? (error as Error).message}): tracing is off\n`,
      );
    }
  });
  return path;
}
