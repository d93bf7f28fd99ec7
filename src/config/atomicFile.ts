// Replaces a file so that a crash leaves the old content or the new one, never half of one: write a
// temp file in the same directory, fsync, rename over, fsync the directory. A symlink (a dotfiles
// checkout) is written through to its target, even when the target does not exist yet; an existing
// file keeps its mode; a new one is 0600 in a 0700 directory.
import {
  chmodSync,
  closeSync,
  fsyncSync,
  lstatSync,
  mkdirSync,
  openSync,
  readFileSync,
  readlinkSync,
  renameSync,
  statSync,
  unlinkSync,
  writeFileSync,
} from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { HelperError } from '../errors.js';
import { directoriesCanBeSynced } from '../runtime/platform.js';

/** Follows symlinks by hand: realpath fails on a dangling link, whose target is still where to write. */
function writeTarget(path: string): string {
  let current = path;
  for (let hops = 0; hops < 40; hops++) {
    let isLink: boolean;
    try {
      isLink = lstatSync(current).isSymbolicLink();
    } catch {
      return current; // missing: written where asked (or where the link points)
    }
    if (!isLink) return current;
    current = resolve(dirname(current), readlinkSync(current));
  }
  throw new HelperError('config-unwritable', `cannot write ${path}: too many levels of symbolic links; it was left as it was`);
}

/** A file is opened for writing to be flushed: Windows' FlushFileBuffers refuses a read-only handle (EPERM). */
function fsyncPath(path: string, flags: 'r' | 'r+'): void {
  const fd = openSync(path, flags);
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

function readOrNull(path: string): string | null {
  try {
    return readFileSync(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw error;
  }
}

/**
 * Writes `text` in place of `path`. With `unchangedSince` (the content the new text was computed
 * from, null for a file that did not exist), the file is read again right before the rename and
 * nothing is replaced if another program changed it meanwhile: the caller re-reads and re-applies.
 * Returns false in that case.
 */
export function replaceFileAtomically(path: string, text: string, options: { unchangedSince?: string | null } = {}): boolean {
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
    fsyncPath(temp, 'r+');
    if (options.unchangedSince !== undefined && readOrNull(target) !== options.unchangedSince) {
      unlinkSync(temp);
      return false;
    }
    renameSync(temp, target);
    if (directoriesCanBeSynced()) fsyncPath(dir, 'r');
    return true;
  } catch (error) {
    try {
      unlinkSync(temp);
    } catch {
      // never created, or already gone
    }
    throw new HelperError(
      'config-unwritable',
      `cannot write ${target} (${(error as NodeJS.ErrnoException).code ?? (error as Error).message}): it was left as it was`,
    );
  }
}
