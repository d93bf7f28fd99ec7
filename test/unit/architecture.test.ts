// The house rules of src/ (docs/architecture.md), checked on every test run so that the layout a
// newcomer reads about is the layout there is: data flows one way, the process edge has a name, and
// no two files share a name.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { basename, dirname, join, relative, resolve } from 'node:path';

const SRC = resolve(import.meta.dirname, '../../src');

/**
 * Each part of src/ and its floor: an import may go to the same floor or lower, never higher.
 * Parts on one floor may import each other only without a cycle (checked below).
 */
const FLOORS: Record<string, number> = {
  'main.ts': 0, // the binary's entry
  app: 1, // the process edge: argv, stdin, signals, exit codes, the real Deps, the renewer's main
  cli: 2, // commands: parse flags, call a use case, print what it returned
  service: 3, // use cases
  tokenServer: 3, // the token server's use case and its HTTP edge
  protocol: 4, // the credential-helper wire format, registry addresses
  kubelet: 4, // the kubelet's credential provider API
  oidc: 4, // talking to OpenID providers and CI platforms
  store: 4, // where secrets are kept
  config: 4, // settings, docker's config.json
  runtime: 5, // native addons, script assets, per-user paths, file locks: below everything
  'model.ts': 6, // the shared vocabulary
  'errors.ts': 6,
  'version.ts': 6,
};

interface SourceFile {
  path: string;
  part: string;
  imports: string[];
}

function sourceFiles(dir = SRC): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return sourceFiles(path);
    return /\.m?ts$/.test(entry.name) && !entry.name.endsWith('.d.ts') ? [path] : [];
  });
}

function partOf(path: string): string {
  return relative(SRC, path).split('/')[0];
}

const IMPORT = /(?:\bfrom\s+|\bimport\s*\(\s*|\bimport\s+)['"](\.{1,2}\/[^'"]+)['"]/g;

function parse(path: string): SourceFile {
  const text = readFileSync(path, 'utf8');
  const imports = [...text.matchAll(IMPORT)].map((match) =>
    resolve(dirname(path), match[1])
      .replace(/\.js$/, '.ts')
      .replace(/\.mjs$/, '.mts'),
  );
  return { path, part: partOf(path), imports };
}

const files = sourceFiles().map(parse);

test('src/ has only the parts docs/architecture.md names, and at its root only main, model, errors and version', () => {
  const parts = new Set(files.map((file) => file.part));
  assert.deepEqual(
    [...parts].filter((part) => !(part in FLOORS)),
    [],
    'a new part of src/ gets its floor here and its line in docs/architecture.md',
  );
});

test('every import goes to the same floor or lower: entry → app → cli → service → protocol/oidc/store/config → runtime → model', () => {
  const upward = files.flatMap((file) =>
    file.imports
      .filter((target) => target.startsWith(SRC))
      .filter((target) => FLOORS[partOf(target)] < FLOORS[file.part])
      .map((target) => `${relative(SRC, file.path)} → ${relative(SRC, target)}`),
  );
  assert.deepEqual(upward, []);
});

test('the parts of one floor import each other without a cycle', () => {
  const edges = new Map<string, Set<string>>();
  for (const file of files) {
    for (const target of file.imports) {
      const to = partOf(target);
      if (to !== file.part && FLOORS[to] === FLOORS[file.part]) (edges.get(file.part) ?? edges.set(file.part, new Set()).get(file.part)!).add(to);
    }
  }
  const cycles: string[] = [];
  const visit = (part: string, path: string[]) => {
    for (const next of edges.get(part) ?? []) {
      if (path.includes(next)) cycles.push([...path.slice(path.indexOf(next)), next].join(' → '));
      else visit(next, [...path, next]);
    }
  };
  for (const part of edges.keys()) visit(part, [part]);
  assert.deepEqual(cycles, []);
});

test('no two source files share a name', () => {
  const byName = new Map<string, string[]>();
  for (const file of files) byName.set(basename(file.path), [...(byName.get(basename(file.path)) ?? []), relative(SRC, file.path)]);
  const shared = [...byName.values()].filter((paths) => paths.length > 1 && !paths.every((path) => basename(path) === 'index.ts'));
  assert.deepEqual(shared, []);
});

test('only the entry and the process edge read argv and stdin, handle signals and set exit codes', () => {
  const PROCESS_EDGE = /\bprocess\.(argv|stdin|exit\(|exitCode|on\(|once\()/;
  // Signalling another process is how the file lock checks that its holder lives (runtime/fileLock.ts).
  const SIGNALS_OTHERS = /\bprocess\.kill\(/;
  const outside = files
    .filter((file) => file.part !== 'main.ts' && file.part !== 'app')
    .filter((file) => {
      const text = readFileSync(file.path, 'utf8');
      return PROCESS_EDGE.test(text) || (file.part !== 'runtime' && SIGNALS_OTHERS.test(text));
    })
    .map((file) => relative(SRC, file.path));
  assert.deepEqual(outside, []);
});
