// Loads a Node built-in on first use. A single executable's main script has `require` for built-ins
// but no dynamic import() ("A dynamic import callback was not specified"), so the human commands'
// rarely used built-ins come through require, which works in the bundle and under tsx alike.
// process.getBuiltinModule needs nothing loaded first (createRequire would load node:module, ~0.1 ms
// of every `get`).
export function lazyBuiltin<T>(name: `node:${string}`): T {
  return process.getBuiltinModule(name) as T;
}
