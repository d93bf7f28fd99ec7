// Reads and atomically rewrites our settings file under the XDG config dir. Writers hold a file lock
// so that two logins at once cannot lose each other's registry.
import { readFileSync } from 'node:fs';
import { HelperError } from '../errors.js';
import type { WithLock } from '../store/fileLock.js';
import { replaceFileAtomically } from './atomicFile.js';
import { emptyConfig, helperConfigSchema, type HelperConfig } from './helperConfig.js';

export function readHelperConfig(path: string): HelperConfig {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return emptyConfig();
    throw new HelperError('config-unreadable', `cannot read ${path}: ${(error as Error).message}`);
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    throw new HelperError('config-invalid', `${path} is not valid JSON: fix or remove it, then run registry-login again`);
  }
  const parsed = helperConfigSchema.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const where = issue?.path.join('.') || '(top level)';
    throw new HelperError('config-invalid', `${path} has an invalid setting at ${where}: ${issue?.message ?? 'unknown problem'}`);
  }
  return parsed.data;
}

/** Read-modify-write under the config lock; returns the new config. */
export async function updateHelperConfig(
  path: string,
  withLock: WithLock,
  change: (config: HelperConfig) => HelperConfig,
): Promise<HelperConfig> {
  return withLock('config', async () => {
    const next = change(readHelperConfig(path));
    replaceFileAtomically(path, `${JSON.stringify(next, null, 2)}\n`);
    return next;
  });
}
