// Median wall time of `get` on one keyring: our binary, the Go docker-credential-secretservice, and
// bare node start-up (the floor any node-based helper pays). Run inside a Secret Service session:
//   npm run bench      (starts a throw-away keyring through scripts/with-keyring.mjs)
// Each command is spawned the same way (spawnSync, the server URL on stdin), interleaved round by
// round so that machine noise hits all of them alike.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const ours = join(root, 'dist', 'docker-credential-oidc');
const goHelper = '/usr/bin/docker-credential-secretservice';
const rounds = Number(process.env.BENCH_ROUNDS ?? 60);
const warmup = 5;
const server = 'bench.registry.example:5000';

function runOnce(command, args, input) {
  const start = process.hrtime.bigint();
  const result = spawnSync(command, args, { input, encoding: 'utf8' });
  const ms = Number(process.hrtime.bigint() - start) / 1e6;
  if (result.status !== 0) throw new Error(`${command} ${args.join(' ')} failed: ${result.stdout}${result.stderr}`);
  return ms;
}

function median(values) {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

export function measure(cases) {
  const samples = new Map(cases.map((c) => [c.name, []]));
  for (let round = 0; round < warmup + rounds; round++) {
    for (const c of cases) {
      const ms = runOnce(c.command, c.args, c.input);
      if (round >= warmup) samples.get(c.name).push(ms);
    }
  }
  return new Map([...samples].map(([name, values]) => [name, median(values)]));
}

function store(command) {
  const credentials = JSON.stringify({ ServerURL: server, Username: 'bench', Secret: 'bench-secret' });
  runOnce(command, ['store'], credentials);
}

if (!existsSync(ours)) throw new Error('build first: npm run build');
store(ours);
const cases = [
  { name: 'docker-credential-oidc get', command: ours, args: ['get'], input: server },
  { name: 'node -e 0', command: process.execPath, args: ['-e', '0'], input: '' },
];
if (existsSync(goHelper)) {
  store(goHelper);
  cases.push({ name: 'docker-credential-secretservice get (Go)', command: goHelper, args: ['get'], input: server });
}
const medians = measure(cases);
const node = medians.get('node -e 0');
console.log(`median of ${rounds} runs each (after ${warmup} warm-up rounds), same keyring:`);
for (const [name, ms] of medians) {
  console.log(`  ${name.padEnd(44)} ${ms.toFixed(1).padStart(6)} ms   ${(ms / node).toFixed(2)}x node start-up`);
}
