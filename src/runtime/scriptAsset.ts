// Parts of the program that `get` of a cached answer never uses travel in the single executable as
// scripts of their own (SEA assets built by scripts/build.mjs), compiled only when needed: bundled
// into the main script, every start would read and deserialise them (measured: a SEA carrying the
// 355 KB program and exiting at once took 1.1 ms longer than an empty one; +150 KB cost 0.5 ms per
// call). Each comes with a V8 code cache made at build time by the same Node.js: compiling the
// program's script takes ~10 ms, from its cache ~1 ms (measured, node 24). From source (tsx), the
// module is imported as usual.
import { lazyBuiltin } from './lazyBuiltin.js';

/** The separate scripts, by name (their entries are listed in scripts/build.mjs, SCRIPTS). */
export type ScriptName = 'program' | 'token-server' | 'undici';

/** Set by scripts/build.mjs in the bundle: each script's asset and its code cache's asset. */
declare const __DCO_SCRIPTS__: Record<ScriptName, { script: string; cache: string }> | undefined;

/** How scripts/build.mjs and this loader both wrap a script: the code cache is for exactly this text. */
export function wrapScript(code: string): string {
  return `(function (exports, require, module, __filename, __dirname) {${code}\n})`;
}

/** The script's exports; `fromSource` imports it when running from source. */
export async function loadScript<T>(name: ScriptName, fromSource: () => Promise<T>): Promise<T> {
  if (typeof __DCO_SCRIPTS__ === 'undefined') return fromSource();
  const { getAsset } = lazyBuiltin<typeof import('node:sea')>('node:sea');
  const { Script } = lazyBuiltin<typeof import('node:vm')>('node:vm');
  const { script, cache } = __DCO_SCRIPTS__[name];
  const filename = `${process.execPath}#${script}`;
  // A cache that V8 rejects (another build of the runtime) only costs the compile it would have saved.
  const cachedData = Buffer.from(getAsset(cache));
  const compiled = new Script(wrapScript(getAsset(script, 'utf8')), { filename, ...(cachedData.length ? { cachedData } : {}) });
  const wrapper = compiled.runInThisContext() as (...args: unknown[]) => void;
  const module = { exports: {} as T };
  // The scripts require only Node's built-ins (the addons are opened by runtime/addon.ts): the main
  // script's own require (a SEA's reaches exactly those) serves them without loading node:module.
  wrapper(module.exports, require, module, filename, process.cwd());
  return module.exports;
}
