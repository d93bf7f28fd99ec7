// What both entry points do with the process's own descriptors: read stdin whole (bounded) and print.
// Synchronous on the descriptors: process.stdin and process.stdout are streams whose first touch loads node:net and node:stream (~4 ms of every pull, measured).
import { readSync, writeSync } from 'node:fs';
import { basename } from 'node:path';
import { HelperError } from '../errors.js';
import { PROGRAM_NAME } from '../version.js';

/** Docker never sends more than a URL or one credential; a flood on stdin is refused, not buffered. */
const MAX_STDIN_BYTES = 1024 * 1024;

export function readStdin(): string {
  const chunks: Buffer[] = [];
  let total = 0;
  const buffer = Buffer.allocUnsafe(64 * 1024);
  for (;;) {
    let n: number;
    try {
      n = readSync(0, buffer, 0, buffer.length, null);
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if (code === 'EAGAIN') {
        // A non-blocking pipe with nothing in it yet: wait a little instead of spinning.
        Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 5);
        continue;
      }
      if (code === 'EOF' || code === 'EBADF' || code === 'ENXIO') break; // no stdin at all
      throw error;
    }
    if (n === 0) break;
    total += n;
    if (total > MAX_STDIN_BYTES) {
      throw new HelperError('input-too-large', `input on stdin is larger than ${MAX_STDIN_BYTES} bytes: refused`);
    }
    chunks.push(Buffer.from(buffer.subarray(0, n)));
  }
  return Buffer.concat(chunks).toString('utf8');
}

export function print(fd: 1 | 2, text: string): void {
  if (text) writeSync(fd, text);
}

/** The name we were run as: docker-credential-oidc, or registry-login (a link to it). */
export function invokedAs(): string {
  return basename(process.argv0 || process.argv[1] || PROGRAM_NAME).replace(/\.(exe|cjs|js|ts)$/i, '');
}

/** The name of the first stop signal (SIGTERM from a supervisor, SIGINT from Ctrl-C) the process gets. */
export function stopRequested(): Promise<string> {
  return new Promise((resolve) => {
    const stop = (signal: string) => {
      process.off('SIGTERM', stop);
      process.off('SIGINT', stop);
      resolve(signal);
    };
    process.once('SIGTERM', stop);
    process.once('SIGINT', stop);
  });
}

/** A server's faults that escaped every handler go to `report`; the process lives on. */
export function onEscapedFault(report: (kind: string, error: unknown) => void): void {
  process.on('uncaughtException', (error) => report('uncaught exception', error));
  process.on('unhandledRejection', (error) => report('unhandled rejection', error));
}
