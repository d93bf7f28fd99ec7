// `get` is on the path of every pull and build: what main.ts loads before it answers must not include
// the human commands' or the sign-in's libraries. esbuild's import graph of the real entry point,
// followed along static imports only (a dynamic import() is evaluated only when reached), says what
// start-up evaluates.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { build, type Metafile, type Plugin } from 'esbuild';
// @ts-expect-error: a plain .mjs of the build, without types
import { programOnly } from '../../scripts/programOnly.mjs';
import { join } from 'node:path';
import { repoRoot } from '../support/helperBinary.js';

const COLD = ['commander', 'koffi', 'uqr', 'openid-client', 'oauth4webapi', 'jose', 'undici', 'zod', 'jsonc-parser', 'graceful-fs'];

async function staticallyReached(entry: string): Promise<Set<string>> {
  const result = await build({
    entryPoints: [join(repoRoot, entry)],
    bundle: true,
    write: false,
    metafile: true,
    platform: 'node',
    format: 'esm',
    logLevel: 'silent',
    external: ['@napi-rs/keyring'],
    outdir: '/nonexistent',
  });
  const inputs: Metafile['inputs'] = result.metafile.inputs;
  const reached = new Set<string>();
  const queue = [entry];
  while (queue.length) {
    const file = queue.pop()!;
    if (reached.has(file)) continue;
    reached.add(file);
    for (const imported of inputs[file]?.imports ?? []) {
      if (imported.kind !== 'dynamic-import' && !imported.external) queue.push(imported.path);
    }
  }
  return reached;
}

test('the protocol path loads no CLI, OIDC, HTTP, schema or lock library at start-up', async () => {
  const reached = new Set([...(await staticallyReached('src/main.ts')), ...(await staticallyReached('src/app/program.ts'))]);
  const cold = [...reached].filter((file) => COLD.some((name) => file.includes(`node_modules/${name}/`)));
  assert.deepEqual(cold, []);
  const ours = [...reached].filter((file) => file.startsWith('src/'));
  for (const file of ours)
    assert.doesNotMatch(
      file,
      /^src\/(cli|oidc\/(discovery|deviceFlow|refresh|revocation|providerErrors|httpClient|modes|pipelineGrant|ciToken|clientAuth)|service\/(login|logout|renewCredential|deriveCredential|status|configureDocker|storeChoice|providerEndpoints)|service\/doctor\/(?!doctorHint\.ts)|app\/renewerMain|runtime\/(fileLock|traceFile))/,
    );
  // The trace's writer is loaded only when DOCKER_CREDENTIAL_OIDC_DEBUG asks for it; what stays is the no-op trace().
  assert.ok(ours.includes('src/runtime/trace.ts'));
  assert.ok(ours.includes('src/service/credentialHelper.ts') && ours.includes('src/store/keychainStore.ts'), 'the walk follows our own imports');
});

test('the walk does see a cold library when it is imported statically (the check can fail)', async () => {
  const reached = await staticallyReached('src/cli/commands.ts');
  assert.ok([...reached].some((file) => file.includes('node_modules/commander/')));
});

/** Everything a script carries, dynamic imports included: what every start reads and deserialises. */
async function bundledInto(entry: string, plugins: Plugin[] = []): Promise<string[]> {
  const result = await build({
    entryPoints: [join(repoRoot, entry)],
    bundle: true,
    write: false,
    metafile: true,
    platform: 'node',
    format: 'cjs',
    logLevel: 'silent',
    external: ['@napi-rs/keyring', 'koffi'],
    outdir: '/nonexistent',
    plugins,
  });
  return Object.keys(result.metafile.inputs);
}

test('the entry script (what every get starts) carries the cached answer, not the program', async () => {
  const entry = await bundledInto('src/main.ts', [programOnly]);
  assert.ok(entry.includes('src/app/cachedAnswer.ts') && entry.includes('src/service/credentialHelper.ts'));
  const program = entry.filter(
    (file) =>
      /^src\/(program|cli\/|service\/(renewCredential|logout|renewer|login)|store\/(keychainStore|fileLock)|config\/settingsSchema|runtime\/traceFile)/.test(
        file,
      ) || file.includes('node_modules/'),
  );
  assert.deepEqual(program, []);
  const withoutPlugin = await bundledInto('src/main.ts');
  assert.ok(withoutPlugin.includes('src/service/renewCredential.ts'), "without the build's plugin the renewal would be carried (the check can fail)");
});

test('the token server and undici travel as scripts of their own, not inside the program script', async () => {
  const main = await bundledInto('src/app/program.ts');
  assert.deepEqual(
    main.filter((file) => file.startsWith('src/tokenServer/')),
    ['src/tokenServer/load.ts'],
  );
  assert.deepEqual(
    main.filter((file) => /node_modules\/(prom-client|picomatch|@opentelemetry|undici)\//.test(file)),
    [],
  );
  const own = await bundledInto('src/tokenServer/index.ts');
  assert.ok(
    own.some((file) => file.includes('node_modules/prom-client/')),
    'the walk sees them where they are (the check can fail)',
  );
});
