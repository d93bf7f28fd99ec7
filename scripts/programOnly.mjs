// An esbuild plugin of scripts/build.mjs, shared with test/unit/hotPath.test.ts.
/**
 * The entry's modules import the rest of the program dynamically (a renewal, a logout, the settings
 * schema); in the entry script those imports are never reached (src/app/cachedAnswer.ts hands over
 * to the program first), so they are left out: reaching one would only fail, and hand over.
 */
export const programOnly = {
  name: 'program-only',
  setup(b) {
    b.onResolve({ filter: /^\./ }, (args) => (args.kind === 'dynamic-import' ? { path: args.path, namespace: 'program-only' } : undefined));
    b.onLoad({ filter: /.*/, namespace: 'program-only' }, () => ({ contents: 'throw new Error("not part of the entry script");', loader: 'js' }));
  },
};
