// Token server throughput (npm run bench:token-server): token issuances per second and p50/p99
// latency, measured with autocannon against the built binary on this machine, with the provider's
// JWKS cached (it is fetched once, on the first token). Two workloads, as registries see them:
//  - docker/skopeo with what the helper's exchange mode gives: Basic with our registry refresh token;
//  - password mode: Basic with the provider's JWT access token (signature checked on every request).
// The token server runs as one process (Node is single-threaded); autocannon shares the 2 cores.
// The server's CPU time per issuance is the figure to compare across runs on a loaded machine.
import autocannon from 'autocannon';
import { readFileSync } from 'node:fs';
import { startIdp } from '../test/support/idp.js';
import { assertBuilt } from '../test/support/helperBinary.js';
import { pipelineCredentials, startTokenServerProcess } from '../test/support/tokenServerProcess.js';

const SERVICE = 'registry.example.com';
const DURATION_S = Number(process.env.BENCH_SECONDS ?? 10);
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 16);

assertBuilt();
const idp = await startIdp({ accessTokenTtl: 3600 });
const server = await startTokenServerProcess(
  (paths) => `
listen: ${paths.listen}
service: ${SERVICE}
issuer: registry-token-server
signing: {key: ${paths.key}, certificate: ${paths.cert}}
providers:
  - issuer: ${idp.issuer}
    audience: ${idp.resource}
rules:
  - match: {sub: "*"}
    repositories: ["team/*", "public/*"]
    actions: [pull, push]
rateLimit: {failures: 20, window: 1m}
`,
  // The decision log goes to a pipe this process must drain: keep that cost out of the figures.
);

const { accessToken, refreshToken } = await pipelineCredentials(idp, server);
const basic = (user: string, password: string) => `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`;

/**
 * The server's own CPU time so far, in ms (utime + stime of /proc/PID/stat, in clock ticks of 10 ms):
 * per issuance it hardly moves with the load of a shared machine, unlike issuances/s and latency.
 */
function serverCpuMs(): number {
  const fields = readFileSync(`/proc/${server.child.pid}/stat`, 'utf8')
    .replace(/^.*\) /, '')
    .split(' ');
  return (Number(fields[11]) + Number(fields[12])) * 10;
}

async function measure(name: string, authorization: string): Promise<string> {
  const url = `${server.url}/token?service=${SERVICE}&scope=${encodeURIComponent('repository:team/app:pull,push')}`;
  // Warm up (JIT, JWKS fetch), then measure.
  await autocannon({ url, connections: 4, duration: 2, headers: { authorization } });
  const cpuBefore = serverCpuMs();
  const result = await autocannon({ url, connections: CONNECTIONS, duration: DURATION_S, headers: { authorization } });
  const cpuPerIssuance = (serverCpuMs() - cpuBefore) / result.requests.total;
  if (result.non2xx > 0 || result.errors > 0) throw new Error(`${name}: ${result.non2xx} non-2xx answers, ${result.errors} errors`);
  return `| ${name} | ${Math.round(result.requests.average)} | ${result.latency.p50} ms | ${result.latency.p99} ms | ${cpuPerIssuance.toFixed(2)} ms |`;
}

const rows = [
  await measure('registry refresh token (exchange mode)', basic('00000000-0000-0000-0000-000000000000', refreshToken)),
  await measure('provider JWT access token (password mode)', basic('robot', accessToken)),
];
console.log(
  `token issuances, ${CONNECTIONS} connections, ${DURATION_S} s each, one token-server process on this machine (${(await import('node:os')).cpus().length} cores shared with autocannon):`,
);
console.log('| credential | issuances/s | p50 | p99 | server CPU per issuance |\n| --- | --- | --- | --- | --- |');
for (const row of rows) console.log(row);
await server.stop();
await idp.stop();
