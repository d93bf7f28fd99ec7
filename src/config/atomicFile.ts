// Replaces a file so that a crash leaves the old content or the new one, never half of one: write a
// temp file in the same directory, fsync, rename over, fsync the directory. A symlink is written
// through to its target; an existing file keeps its mode; a new one is 0600 in a 0700 directory.
import { chmodSync, closeSync, fsyncSync, lstatSync, mkdirSync, openSync, realpathSync, renameSync, statSync, unlinkSync, writeFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { HelperError } from '../errors.js';

function writeTarget(path: string): string {
  try {
    if (lstatSync(path).isSymbolicLink()) return realpathSync(path);
  } catch {
    // missing: written where asked
  }
  return path;
}

function fsyncPath(path: string): void {
  const fd = openSync(path, 'r');
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

export function replaceFileAtomically(path: string, text: string): void {
  const target = writeTarget(path);
  const dir = dirname(target);
  let mode = 0o600;
  try {
    mode = statSync(target).mode & 0o777;
  } catch {
    mkdirSync(dir, { recursive: true, mode: 0o700 });
  }
  const temp = join(dir, `.${basename(target)}.${process.pid}.tmp`);
  try {
    writeFileSync(temp, text, { mode });
    chmodSync(temp, mode); // writeFileSync's mode is filtered by the umask
    fsyncPath(temp);
    renameSync(temp, target);
    fsyncPath(dir);
  } catch (error) {
    try {
      unlinkSync(temp);
    } catch {
      // never created
    }
    throw new HelperError(
      'config-unwritable',
      `cannot write ${target} (${(error as NodeJS.ErrnoException).code ?? (error as Error).message}): it was left as it was`,
    );
  }
}
