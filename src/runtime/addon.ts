// Loads a native addon (@napi-rs/keyring for the OS keychain, koffi for the kernel keyring). In the
// single executable, `require` reaches only Node's built-ins, so each addon travels as a SEA asset
// and is written once to a per-user cache (atomically:
// temp file + rename, so concurrent first runs never dlopen a half-written file). A cache on a
// `noexec` mount cannot be mapped ("failed to map segment"), so other directories are tried next.
// Every directory and file is checked before dlopen: ours, private, the exact embedded bytes.
import type * as Keyring from '@napi-rs/keyring';
import { existsSync, lstatSync, mkdirSync, readFileSync, renameSync, statSync, writeFileSync, unlinkSync, type Stats } from 'node:fs';
import { dirname, join } from 'node:path';
import { cacheDirectory, runtimeDirectory } from './paths.js';
import { cacheVariable, ownershipProblem } from './platform.js';
import { HelperError } from '../errors.js';
import { lazyBuiltin } from './lazyBuiltin.js';

export type KeyringModule = typeof Keyring;

/** The addons the binary carries, by the npm package that publishes them. */
const ADDON_PACKAGES = { keyring: '@napi-rs/keyring', koffi: 'koffi' } as const;
type AddonName = keyof typeof ADDON_PACKAGES;
const ADDONS_LOADED = Symbol.for('docker-credential-oidc.addons');

/** Set by scripts/build.mjs in the bundle: each addon asset's name and a content hash. */
declare const __DCO_ADDONS__: Partial<Record<AddonName, AddonAsset>> | undefined;

interface AddonAsset {
  asset: string;
  /** A content hash, in the file name. */
  id: string;
  /** Bytes, so that the hot path can check a cached copy without touching the asset. */
  size: number;
}

/**
 * Per process, not per script: the binary's entry (main.ts) and the program it may hand over to
 * (app/program.ts) are separate scripts, each with its own copy of this module; the addon is opened once.
 */
const loaded: Map<AddonName, unknown> = ((globalThis as { [ADDONS_LOADED]?: Map<AddonName, unknown> })[ADDONS_LOADED] ??= new Map<AddonName, unknown>());

function loadAddon(name: AddonName): unknown {
  if (!loaded.has(name)) {
    loaded.set(
      name,
      typeof __DCO_ADDONS__ === 'undefined'
        ? lazyBuiltin<typeof import('node:module')>('node:module').createRequire(import.meta.url)(ADDON_PACKAGES[name])
        : loadFromSeaAsset(name, carried(__DCO_ADDONS__, name)),
    );
  }
  return loaded.get(name);
}

/** A binary carries only its platform's addons (koffi, for the kernel keyring, only on Linux). */
function carried(addons: Partial<Record<AddonName, AddonAsset>>, name: AddonName): AddonAsset {
  const addon = addons[name];
  if (!addon)
    throw new HelperError(
      'keychain-unavailable',
      `this ${process.platform}-${process.arch} binary carries no ${ADDON_PACKAGES[name]} module: use another --store`,
    );
  return addon;
}

export function loadKeyring(): KeyringModule {
  return loadAddon('keyring') as KeyringModule;
}

/** The part of koffi's API the kernel keyring uses (the native module and the package agree on it). */
export interface KoffiModule {
  load(path: string): { func(signature: string): (...args: unknown[]) => unknown };
  errno(): number;
}

export function loadKoffi(): KoffiModule {
  return loadAddon('koffi') as KoffiModule;
}

/** In order; the last one only when the others failed (node:os is loaded for it, not for every `get`). */
function* candidateDirectories(env: NodeJS.ProcessEnv): Generator<string> {
  yield cacheDirectory(env);
  const runtime = runtimeDirectory(env);
  if (runtime) yield runtime;
  yield join(lazyBuiltin<typeof import('node:os')>('node:os').tmpdir(), `docker-credential-oidc-${process.getuid?.() ?? 'user'}`);
}

function loadFromSeaAsset(name: AddonName, addon: AddonAsset): unknown {
  const fileName = `${name}-${addon.id}.node`;
  let bytes: Uint8Array | undefined;
  const embedded = () => (bytes ??= embeddedAddon(addon.asset));
  // A packager may ship the addon beside the binary; that copy needs no cache at all.
  const beside = join(dirname(process.execPath), fileName);
  if (existsSync(beside)) return dlopen(verifiedAddon(beside, embedded(), name));

  const failures: string[] = [];
  for (const dir of candidateDirectories(process.env)) {
    const file = join(dir, fileName);
    try {
      requirePrivateDirectory(dir);
      if (!isVerified(file, addon.size)) {
        if (!existsSync(file) || !matchesEmbedded(file, embedded())) extract(embedded(), file);
        recordVerified(verifiedAddon(file, embedded(), name));
      }
      return dlopen(file);
    } catch (error) {
      failures.push(`${dir}: ${error instanceof Error ? error.message.split('\n')[0] : String(error)}`);
    }
  }
  throw new HelperError(
    'keychain-unavailable',
    `cannot load the ${name === 'keyring' ? 'keychain' : 'kernel keyring'} module (${failures.join('; ')}): set ${cacheVariable()} to a private, writable directory that allows executables`,
  );
}

function embeddedAddon(asset: string): Uint8Array {
  // getRawAsset maps the bytes inside the executable: no copy is made.
  return new Uint8Array(lazyBuiltin<typeof import('node:sea')>('node:sea').getRawAsset(asset) as ArrayBuffer);
}

/**
 * Code is loaded only from a directory that this user created and nobody else can write to: a
 * shared directory (/tmp) could have been prepared by another local user, whose file would then
 * run inside this user's credential helper. Created 0700 if missing, then checked with lstat.
 */
function requirePrivateDirectory(dir: string): void {
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const info = lstatSync(dir);
  if (info.isSymbolicLink() || !info.isDirectory()) throw new Error(`${dir} is a symlink or not a directory`);
  checkOwnership(info, dir);
}

function checkOwnership(info: Stats, path: string): void {
  const problem = ownershipProblem(path, info);
  if (problem) throw new Error(problem);
}

function matchesEmbedded(file: string, embedded: Uint8Array): boolean {
  return statSync(file).size === embedded.byteLength && Buffer.compare(readFileSync(file), embedded) === 0;
}

/** The file itself: ours, regular, and byte for byte the addon this binary carries (size, then content). */
function verifiedAddon(file: string, embedded: Uint8Array, name: AddonName): string {
  const info = lstatSync(file);
  if (!info.isFile()) throw new Error(`${file} is a symlink or not a regular file`);
  checkOwnership(info, file);
  if (!matchesEmbedded(file, embedded)) throw new Error(`${file} is not the ${name} module this binary carries`);
  return file;
}

/**
 * Comparing 3 MB on every `get` costs ~7 ms (measured), so a file is compared once and then known by
 * its inode, change time and size, kept in a stamp beside it. Any write to the file, or a new file in
 * its place, changes its ctime or inode (which no unprivileged process can set back), and it is
 * compared again before it is loaded.
 */
function stampOf(file: string): string {
  const info = lstatSync(file, { bigint: true });
  return `${info.ino}:${info.ctimeNs}:${info.size}`;
}

function isVerified(file: string, size: number): boolean {
  try {
    const info = lstatSync(file);
    if (!info.isFile() || info.size !== size) return false;
    checkOwnership(info, file);
    return readFileSync(`${file}.verified`, 'utf8') === stampOf(file);
  } catch {
    return false;
  }
}

function recordVerified(file: string): void {
  const temp = `${file}.verified.${process.pid}.tmp`;
  try {
    writeFileSync(temp, stampOf(file), { mode: 0o600 });
    renameSync(temp, `${file}.verified`);
  } catch {
    // Without a stamp the next run compares the file again: slower, never less safe.
  }
}

function extract(embedded: Uint8Array, file: string): void {
  // Only the first run after an install pays for the write. Temp file + rename: concurrent first
  // runs never dlopen a half-written file.
  const temp = `${file}.${process.pid}.tmp`;
  try {
    writeFileSync(temp, embedded, { mode: 0o700, flag: 'wx' });
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

function dlopen(file: string): unknown {
  const module = { exports: {} };
  process.dlopen(module, file);
  return module.exports;
}
