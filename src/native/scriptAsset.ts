// Parts of the program that `get` never uses travel in the single executable as scripts of their
// own (SEA assets built by scripts/build.mjs), compiled only when needed: bundled into the main
// script, every `get` would read and deserialise them (measured: +150 KB cost 0.5 ms per call, and
// undici alone is 520 KB). From source (tsx), the module is imported as usual.

/** The separate scripts, by name (their entries are listed in scripts/build.mjs, SCRIPTS). */
export type ScriptName = 'token-server' | 'undici';

/** Set by scripts/build.mjs in the bundle: each script's asset name. */
declare const __DCO_SCRIPTS__: Record<ScriptName, string> | undefined;

/** The script's exports; `fromSource` imports it when running from source. */
export async function loadScript<T>(name: ScriptName, fromSource: () => Promise<T>): Promise<T> {
  if (typeof __DCO_SCRIPTS__ === 'undefined') return fromSource();
  const [{ getAsset }, { createRequire }, { Script }] = await Promise.all([import('node:sea'), import('node:module'), import('node:vm')]);
  const asset = __DCO_SCRIPTS__[name];
  const filename = `${process.execPath}#${asset}`;
  const code = getAsset(asset, 'utf8');
  const wrapper = new Script(`(function (exports, require, module, __filename, __dirname) {${code}\n})`, { filename }).runInThisContext() as (...args: unknown[]) => void;
  const module = { exports: {} as T };
  wrapper(module.exports, createRequire(process.execPath), module, filename, process.cwd());
  return module.exports;
}
