// Reading and safely rewriting docker's config.json (see atomicFile.ts for how it is replaced).
import { readFileSync } from 'node:fs';
import { HelperError } from '../errors.js';
import { replaceFileAtomically } from './atomicFile.js';

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

export function writeDockerConfigFile(path: string, text: string): void {
  replaceFileAtomically(path, text);
}
