// Loads the token server's code. In the single executable it is a SEA asset of its own (built by
// scripts/build.mjs), compiled here on demand: bundled into the main script, its libraries (jose,
// picomatch, prom-client) would make every `get` read and deserialise ~150 KB more (measured
// +0.5 ms per call). From source, a plain dynamic import.
import type * as TokenServer from './index.js';

/** Set by scripts/build.mjs in the bundle: the asset holding the token server's script. */
declare const __DCO_TOKEN_SERVER_ASSET__: string | undefined;

export async function loadTokenServer(): Promise<typeof TokenServer> {
  if (typeof __DCO_TOKEN_SERVER_ASSET__ === 'undefined') {
    // Not a literal, so that the bundler leaves it out of the main script.
    const source = './index.js';
    return (await import(source)) as typeof TokenServer;
  }
  const [{ getAsset }, { createRequire }, { Script }] = await Promise.all([import('node:sea'), import('node:module'), import('node:vm')]);
  const filename = `${process.execPath}#${__DCO_TOKEN_SERVER_ASSET__}`;
  const code = getAsset(__DCO_TOKEN_SERVER_ASSET__, 'utf8');
  const wrapper = new Script(`(function (exports, require, module, __filename, __dirname) {${code}\n})`, { filename }).runInThisContext() as (...args: unknown[]) => void;
  const module = { exports: {} as typeof TokenServer };
  wrapper(module.exports, createRequire(process.execPath), module, filename, process.cwd());
  return module.exports;
}
