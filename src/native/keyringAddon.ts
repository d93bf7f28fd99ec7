// Loads @napi-rs/keyring's native addon. In the single executable, `require` reaches only Node's
// built-ins, so the addon travels as a SEA asset and is written once to a per-user cache (atomically:
// temp file + rename, so concurrent first runs never dlopen a half-written file). A cache on a
// `noexec` mount cannot be mapped ("failed to map segment"), so other directories are tried next.
import type * as Keyring from '@napi-rs/keyring';
import { createRequire } from 'node:module';
import { existsSync, mkdirSync, renameSync, writeFileSync, unlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { cacheDirectory, runtimeDirectory } from '../config/paths.js';
import { HelperError } from '../errors.js';
import { lazyBuiltin } from '../lazyBuiltin.js';

export type KeyringModule = typeof Keyring;

/** Set by scripts/build.mjs in the bundle: the addon asset's name and a content hash. */
declare const __DCO_ADDON__: { asset: string; id: string } | undefined;

let loaded: KeyringModule | undefined;

export function loadKeyring(): KeyringModule {
  loaded ??= typeof __DCO_ADDON__ === 'undefined' ? loadFromNodeModules() : loadFromSeaAsset(__DCO_ADDON__);
  return loaded;
}

function loadFromNodeModules(): KeyringModule {
  return createRequire(import.meta.url)('@napi-rs/keyring') as KeyringModule;
}

function candidateDirectories(env: NodeJS.ProcessEnv): string[] {
  const runtime = runtimeDirectory(env);
  return [cacheDirectory(env), ...(runtime ? [runtime] : []), join(tmpdir(), `docker-credential-oidc-${process.getuid?.() ?? 'user'}`)];
}

function loadFromSeaAsset(addon: { asset: string; id: string }): KeyringModule {
  const fileName = `keyring-${addon.id}.node`;
  // A packager may ship the addon beside the binary; that copy needs no cache at all.
  const beside = join(dirname(process.execPath), fileName);
  if (existsSync(beside)) return dlopen(beside);

  const failures: string[] = [];
  for (const dir of candidateDirectories(process.env)) {
    const file = join(dir, fileName);
    try {
      if (!existsSync(file)) extract(addon.asset, dir, file);
      return dlopen(file);
    } catch (error) {
      failures.push(`${dir}: ${error instanceof Error ? error.message.split('\n')[0] : String(error)}`);
    }
  }
  throw new HelperError(
    'keychain-unavailable',
    `cannot load the keychain module (${failures.join('; ')}): set XDG_CACHE_HOME to a writable directory that allows executables`,
  );
}

function extract(asset: string, dir: string, file: string): void {
  // Lazy: only the first run after an install pays for the sea module and the write.
  const sea = lazyBuiltin<typeof import('node:sea')>('node:sea');
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const temp = `${file}.${process.pid}.tmp`;
  try {
    writeFileSync(temp, new Uint8Array(sea.getRawAsset(asset) as ArrayBuffer), { mode: 0o700 });
    renameSync(temp, file);
  } catch (error) {
    try {
      unlinkSync(temp);
    } catch {
      // nothing was written
    }
    throw error;
  }
}

function dlopen(file: string): KeyringModule {
  const module = { exports: {} as KeyringModule };
  process.dlopen(module, file);
  return module.exports;
}
