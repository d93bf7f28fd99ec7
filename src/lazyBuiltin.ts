// Loads a Node built-in on first use. A single executable's main script has `require` for built-ins
// but no dynamic import() ("A dynamic import callback was not specified"), so the human commands'
// rarely used built-ins come through require, which works in the bundle and under tsx alike.
import { createRequire } from 'node:module';

declare const __filename: string | undefined;

const requireFromHere = createRequire(typeof __filename === 'string' && __filename ? __filename : import.meta.url);

export function lazyBuiltin<T>(name: `node:${string}`): T {
  return requireFromHere(name) as T;
}
