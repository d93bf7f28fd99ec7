// `get` latency, measured on one throw-away Secret Service (npm run bench):
//  - median wall time of a cached answer (from the kernel cache, as every get after the first finds
//    it; and with that cache off, or missed right after a change, from the Secret Service): a
//    docker-login password and an OIDC token, against the Go
//    docker-credential-secretservice on the same keyring and bare `node -e 0` (the floor of any
//    node-based helper), interleaved round by round so noise hits all alike. NODE_EXTRA_CA_CERTS is
//    unset for all of them (people rarely have it; node 20 parsed it eagerly and hid our own cost),
//    and the one-certificate case is measured separately, for us and for node alike;
//  - the `docker build` path with the legacy builder: `list`, then `get` for each of 20 registries,
//    against the Go helper doing the same (and ours with the kernel cache off);
//  - median wall time of a `get` that must refresh, and how many HTTP round trips it makes
//    (password mode: the refresh grant; acr mode: refresh grant + /oauth2/exchange), and our own work:
//    the wall time less the time the provider and the exchange spent serving (arrival to last byte).
// BENCH_BASELINE names another build's binary to measure beside this one (before/after a change).
import { spawnSync } from 'node:child_process';
import { existsSync, rmSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startKeyring } from '../test/support/keyring.js';
import { helperBinary, repoRoot, run } from '../test/support/helperBinary.js';
import { startIdp, personLoginArgs } from '../test/support/idp.js';
import { signIn } from '../test/support/signIn.js';
import { startAcrDouble } from '../test/support/acrDouble.js';
import { verifyOidcAccessToken } from '../test/support/tokenServer.js';
import { makeTestCa } from '../test/support/testCa.js';

const GO_HELPER = '/usr/bin/docker-credential-secretservice';
const RUNTIME_NODE = join(repoRoot, 'node_modules', `node-linux-${process.arch}`, 'bin', 'node');
const rounds = Number(process.env.BENCH_ROUNDS ?? 60);
const refreshRounds = Number(process.env.BENCH_REFRESH_ROUNDS ?? 8);
const TTL = 2;

function timed(command: string, args: string[], input: string, env: NodeJS.ProcessEnv): number {
  const start = process.hrtime.bigint();
  const result = spawnSync(command, args, { input, env, encoding: 'utf8' });
  const ms = Number(process.hrtime.bigint() - start) / 1e6;
  if (result.status !== 0) throw new Error(`${command} ${args.join(' ')}: ${result.stdout}${result.stderr}`);
  return ms;
}

/** Same measurement without blocking this process: the provider the refresh talks to runs here. */
async function timedAsync(command: string, args: string[], input: string, env: NodeJS.ProcessEnv): Promise<number> {
  const start = process.hrtime.bigint();
  const result = await run(command, args, { input, env });
  const ms = Number(process.hrtime.bigint() - start) / 1e6;
  if (result.code !== 0) throw new Error(`${command} ${args.join(' ')}: ${result.stdout}${result.stderr}`);
  return ms;
}

const median = (values: number[]) => {
  const s = [...values].sort((a, b) => a - b);
  return s.length % 2 ? s[s.length >> 1] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};
const sum = (values: number[]) => values.reduce((a, b) => a + b, 0);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

if (!existsSync(helperBinary)) throw new Error('build first: npm run build');
const keyring = await startKeyring();
const home = await mkdtemp(join(tmpdir(), 'dco-bench-'));
const env: NodeJS.ProcessEnv = { ...keyring.env, HOME: home, XDG_CONFIG_HOME: join(home, '.config'), XDG_CACHE_HOME: join(home, '.cache') };
delete env.NODE_EXTRA_CA_CERTS;
// One certificate, as a person with a private CA would set it (the test CA).
const oneCertFile = join(home, 'one-ca.pem');
await writeFile(oneCertFile, (await makeTestCa()).ca);
const withOneCert = { ...env, NODE_EXTRA_CA_CERTS: oneCertFile };
const idp = await startIdp({ accessTokenTtl: TTL });
const acr = await startAcrDouble((token) => verifyOidcAccessToken(token, idp));
// A second ACR whose tokens live 3 s, so that every round of the refresh measurement is stale.
const shortAcr = await startAcrDouble((token) => verifyOidcAccessToken(token, idp), 3);
try {
  const server = 'bench.registry.example:5000';
  const creds = JSON.stringify({ ServerURL: server, Username: 'bench', Secret: 'bench-secret' });
  timed(helperBinary, ['store'], creds, env);
  if (existsSync(GO_HELPER)) timed(GO_HELPER, ['store'], creds, env);
  const oidcRegistry = 'oidc.registry.example';
  const common = [...personLoginArgs(idp), '--no-browser'];
  const login = await signIn(idp, oidcRegistry, common, env);
  if (login.code !== 0) throw new Error(login.stderr);
  for (const host of [acr.host, shortAcr.host]) {
    const acrLogin = await signIn(idp, host, [...common, '--mode', 'acr'], env);
    if (acrLogin.code !== 0) throw new Error(acrLogin.stderr);
  }

  // Cached answers: keep the OIDC token fresh by measuring right after a refresh cycle.
  const cacheOff = { ...env, DOCKER_CREDENTIAL_OIDC_KERNEL_CACHE: 'off' };
  // The missed case renews its generation every round: it gets a cache directory (so a generation)
  // and an item of its own, or every other case would miss too.
  const missServer = 'bench-miss.registry.example:5000';
  timed(helperBinary, ['store'], JSON.stringify({ ServerURL: missServer, Username: 'bench', Secret: 'bench-secret' }), env);
  const missEnv = { ...env, XDG_CACHE_HOME: join(home, '.cache-miss') };
  const generationFile = join(home, '.cache-miss', 'docker-credential-oidc', 'keychain-generation');
  const cases: Array<{ name: string; command: string; args: string[]; input: string; env: NodeJS.ProcessEnv; before?: () => void }> = [
    { name: 'docker-credential-oidc get (docker login password)', command: helperBinary, args: ['get'], input: server, env },
    { name: 'docker-credential-oidc get, kernel cache off', command: helperBinary, args: ['get'], input: server, env: cacheOff },
    // As the first get after any store, erase or renewal: a new generation, so a miss that refills.
    {
      name: 'docker-credential-oidc get, kernel cache missed',
      command: helperBinary,
      args: ['get'],
      input: missServer,
      env: missEnv,
      before: () => rmSync(generationFile, { force: true }),
    },
    { name: 'docker-credential-oidc get (cached ACR token)', command: helperBinary, args: ['get'], input: acr.host, env },
    { name: 'node -e 0', command: process.execPath, args: ['-e', '0'], input: '', env },
    // The runtime inside the binary, bare: the floor of anything built on it.
    { name: 'node 24 (the runtime inside) -e 0', command: RUNTIME_NODE, args: ['-e', '0'], input: '', env },
    { name: 'docker-credential-oidc get, one-cert NODE_EXTRA_CA_CERTS', command: helperBinary, args: ['get'], input: server, env: withOneCert },
    { name: 'node -e 0, one-cert NODE_EXTRA_CA_CERTS', command: process.execPath, args: ['-e', '0'], input: '', env: withOneCert },
  ];
  if (existsSync(GO_HELPER)) cases.push({ name: 'docker-credential-secretservice get (Go)', command: GO_HELPER, args: ['get'], input: server, env });
  // BENCH_BASELINE=path/to/another/build's docker-credential-oidc: the A/B of a change, interleaved.
  const baseline = process.env.BENCH_BASELINE;
  if (baseline) {
    cases.push({ name: 'BASELINE get (docker login password)', command: baseline, args: ['get'], input: server, env });
    cases.push({ name: 'BASELINE get, kernel cache off', command: baseline, args: ['get'], input: server, env: cacheOff });
  }
  const samples = new Map(cases.map((c) => [c.name, [] as number[]]));
  for (let round = 0; round < rounds + 5; round++) {
    for (const c of cases) {
      c.before?.();
      const ms = timed(c.command, c.args, c.input, c.env);
      if (round >= 5) samples.get(c.name)!.push(ms);
    }
  }

  // docker build with the legacy builder: list, then get for every registry listed (20 here).
  const buildRegistries = Array.from({ length: 20 }, (_, i) => `build-${i}.registry.example:5000`);
  for (const registry of buildRegistries) {
    const creds = JSON.stringify({ ServerURL: registry, Username: 'builder', Secret: `secret-${registry}` });
    timed(helperBinary, ['store'], creds, env);
    if (existsSync(GO_HELPER)) timed(GO_HELPER, ['store'], creds, env);
  }
  const buildPath =
    (command: string, runEnv = env) =>
    () => {
      const start = process.hrtime.bigint();
      timed(command, ['list'], 'unused', runEnv);
      for (const registry of buildRegistries) timed(command, ['get'], registry, runEnv);
      return Number(process.hrtime.bigint() - start) / 1e6;
    };
  const buildSamples = { ours: [] as number[], oursCacheOff: [] as number[], go: [] as number[] };
  for (let round = 0; round < Math.max(5, Math.floor(rounds / 6)); round++) {
    buildSamples.ours.push(buildPath(helperBinary)());
    buildSamples.oursCacheOff.push(buildPath(helperBinary, cacheOff)());
    if (existsSync(GO_HELPER)) buildSamples.go.push(buildPath(GO_HELPER)());
  }

  const refreshTimes: number[] = [];
  const acrTimes: number[] = [];
  // Our own work: the wall time less what the provider (and the registry's exchange) spent serving.
  const refreshOwn: number[] = [];
  const acrOwn: number[] = [];
  const refreshTrips: number[] = [];
  const acrTrips: number[] = [];
  for (let i = 0; i < refreshRounds; i++) {
    await sleep(TTL * 1000 + 100);
    const before = idp.stats.tokenRequests.refresh_token ?? 0;
    const served = idp.stats.tokenServeMs.length;
    const ms = await timedAsync(helperBinary, ['get'], oidcRegistry, env);
    refreshTimes.push(ms);
    refreshOwn.push(ms - sum(idp.stats.tokenServeMs.slice(served)));
    refreshTrips.push((idp.stats.tokenRequests.refresh_token ?? 0) - before);
  }
  for (let i = 0; i < refreshRounds; i++) {
    await sleep(3000 + 100);
    const before = (idp.stats.tokenRequests.refresh_token ?? 0) + shortAcr.exchanges;
    const served = [idp.stats.tokenServeMs.length, shortAcr.serveMs.length] as const;
    const ms = await timedAsync(helperBinary, ['get'], shortAcr.host, env);
    acrTimes.push(ms);
    acrOwn.push(ms - sum(idp.stats.tokenServeMs.slice(served[0])) - sum(shortAcr.serveMs.slice(served[1])));
    acrTrips.push((idp.stats.tokenRequests.refresh_token ?? 0) + shortAcr.exchanges - before);
  }

  const node = median(samples.get('node -e 0')!);
  const nodeOneCert = median(samples.get('node -e 0, one-cert NODE_EXTRA_CA_CERTS')!);
  console.log(
    `median of ${rounds} runs each, same keyring, NODE_EXTRA_CA_CERTS unset unless named (${new Date().toISOString().slice(0, 10)}, node ${process.version} for node -e 0):`,
  );
  for (const [name, values] of samples) {
    const ms = median(values);
    const base = name.includes('one-cert') ? nodeOneCert : node;
    console.log(`  ${name.padEnd(60)} ${ms.toFixed(1).padStart(6)} ms  ${(ms / base).toFixed(2)}x node -e 0${name.includes('one-cert') ? ' (one-cert)' : ''}`);
  }
  if (buildSamples.go.length) {
    const ours = median(buildSamples.ours);
    const go = median(buildSamples.go);
    const off = median(buildSamples.oursCacheOff);
    console.log(
      `  ${'docker build path: list + 20 gets'.padEnd(60)} ${ours.toFixed(0).padStart(6)} ms  ${(ours / go).toFixed(2)}x the Go helper (${go.toFixed(0)} ms)`,
    );
    console.log(`  ${'docker build path, kernel cache off'.padEnd(60)} ${off.toFixed(0).padStart(6)} ms  ${(off / go).toFixed(2)}x the Go helper`);
  }
  console.log(
    `  ${'docker-credential-oidc get that refreshes (password)'.padEnd(60)} ${median(refreshTimes).toFixed(1).padStart(6)} ms  HTTP round trips: ${[...new Set(refreshTrips)].join('/')}, our own work ${median(refreshOwn).toFixed(1)} ms`,
  );
  console.log(
    `  ${'docker-credential-oidc get that refreshes (acr)'.padEnd(60)} ${median(acrTimes).toFixed(1).padStart(6)} ms  HTTP round trips: ${[...new Set(acrTrips)].join('/')}, our own work ${median(acrOwn).toFixed(1)} ms`,
  );
} finally {
  await acr.stop();
  await shortAcr.stop();
  await idp.stop();
  await keyring.stop();
  await rm(home, { recursive: true, force: true });
}
