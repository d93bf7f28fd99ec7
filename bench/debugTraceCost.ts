// What the debug trace costs a cached `get` (issue 28), interleaved round by round on one throw-away
// Secret Service: this build with DOCKER_CREDENTIAL_OIDC_DEBUG unset, the same with it set, and,
// when BENCH_BASELINE names another build's binary (e.g. main's dist/docker-credential-oidc), that
// build with the variable unset: "off costs nothing measurable" is this build against the baseline.
//   BENCH_BASELINE=/path/to/other/dist/docker-credential-oidc node --import tsx bench/debugTraceCost.ts
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startKeyring } from '../test/support/keyring.js';
import { helperBinary } from '../test/support/helperBinary.js';

const rounds = Number(process.env.BENCH_ROUNDS ?? 60);
const baseline = process.env.BENCH_BASELINE;
if (!existsSync(helperBinary)) throw new Error('build first: npm run build');
if (baseline && !existsSync(baseline)) throw new Error(`BENCH_BASELINE ${baseline} does not exist`);

function timed(binary: string, env: NodeJS.ProcessEnv, input: string, args = ['get']): number {
  const start = process.hrtime.bigint();
  const result = spawnSync(binary, args, { input, env, encoding: 'utf8' });
  const ms = Number(process.hrtime.bigint() - start) / 1e6;
  if (result.status !== 0) throw new Error(`${binary} ${args.join(' ')}: ${result.stdout}${result.stderr}`);
  return ms;
}
const median = (values: number[]) => {
  const s = [...values].sort((a, b) => a - b);
  return s.length % 2 ? s[s.length >> 1] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};

const keyring = await startKeyring();
const home = await mkdtemp(join(tmpdir(), 'dco-bench-trace-'));
try {
  const env: NodeJS.ProcessEnv = {
    ...keyring.env,
    HOME: home,
    XDG_CONFIG_HOME: join(home, '.config'),
    XDG_CACHE_HOME: join(home, '.cache'),
    XDG_STATE_HOME: join(home, '.state'),
  };
  delete env.NODE_EXTRA_CA_CERTS;
  delete env.DOCKER_CREDENTIAL_OIDC_DEBUG;
  const server = 'bench-trace.example';
  timed(helperBinary, env, JSON.stringify({ ServerURL: server, Username: 'u', Secret: 'bench-password' }), ['store']);
  const variants: Array<[string, string, NodeJS.ProcessEnv]> = [
    ['this build, trace off', helperBinary, env],
    ['this build, trace on (=1)', helperBinary, { ...env, DOCKER_CREDENTIAL_OIDC_DEBUG: '1' }],
    ...(baseline ? [['baseline, trace off', baseline, env] as [string, string, NodeJS.ProcessEnv]] : []),
  ];
  for (const [, binary, variantEnv] of variants) timed(binary, variantEnv, server); // warm the kernel cache and the page cache
  const samples = variants.map(() => [] as number[]);
  for (let round = 0; round < rounds; round++) variants.forEach(([, binary, variantEnv], i) => samples[i].push(timed(binary, variantEnv, server)));
  console.log(`cached get, median of ${rounds} interleaved rounds:`);
  variants.forEach(([name], i) => console.log(`  ${name.padEnd(28)} ${median(samples[i]).toFixed(1)} ms`));
} finally {
  await keyring.stop();
  await rm(home, { recursive: true, force: true });
}
