// Reading and safely rewriting docker's config.json: through a symlink to its target, to a temp
// file in the same directory, fsync, rename, fsync the directory; the file's mode is kept, a new
// file is 0600 in a 0700 directory. A crash leaves the old file or the new one, never half of one.
import { chmodSync, closeSync, fsyncSync, lstatSync, mkdirSync, openSync, readFileSync, realpathSync, renameSync, statSync, unlinkSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, join, basename } from 'node:path';
import { HelperError } from '../errors.js';

export function dockerConfigPath(env: NodeJS.ProcessEnv): string {
  return join(env.DOCKER_CONFIG || join(homedir(), '.docker'), 'config.json');
}

export interface DockerConfigFile {
  path: string;
  text: string;
  exists: boolean;
}

export function readDockerConfigFile(path: string): DockerConfigFile {
  try {
    return { path, text: readFileSync(path, 'utf8'), exists: true };
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') return { path, text: '', exists: false };
    throw new HelperError('config-unreadable', `cannot read ${path} (${code ?? (error as Error).message}): nothing was changed`);
  }
}

/** The file a write must replace: the target of a symlinked config.json, not the link. */
function writeTarget(path: string): string {
  try {
    if (lstatSync(path).isSymbolicLink()) return realpathSync(path);
  } catch {
    // missing: written where asked
  }
  return path;
}

export function writeDockerConfigFile(path: string, text: string): void {
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
    const fd = openSync(temp, 'r');
    try {
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    renameSync(temp, target);
    const dirFd = openSync(dir, 'r');
    try {
      fsyncSync(dirFd);
    } finally {
      closeSync(dirFd);
    }
  } catch (error) {
    try {
      unlinkSync(temp);
    } catch {
      // never created
    }
    throw new HelperError('config-unwritable', `cannot write ${target} (${(error as NodeJS.ErrnoException).code ?? (error as Error).message}): it was left as it was`);
  }
}
