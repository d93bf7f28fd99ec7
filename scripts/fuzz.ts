// npm run fuzz [-- SECONDS]: the protocol properties with random seeds until the time is up (default
// 10 minutes) or a counter-example is found, which is printed with its seed and path to replay.
import fc from 'fast-check';
import { ALL_PROPERTIES } from '../test/fuzz/protocolProperties.js';

const seconds = Number(process.argv[2] ?? process.env.FUZZ_SECONDS ?? 600);
const until = Date.now() + seconds * 1000;
let rounds = 0;
while (Date.now() < until) {
  for (const [name, property] of Object.entries(ALL_PROPERTIES)) {
    const seed = Math.floor(Math.random() * 2 ** 31);
    const details = await fc.check(property as fc.IAsyncProperty<unknown[]>, { seed, numRuns: 2_000 });
    if (details.failed) {
      console.error(`${name} failed (seed ${seed}, path ${details.counterexamplePath}):\n${fc.defaultReportMessage(details)}`);
      process.exit(1);
    }
  }
  rounds++;
  console.log(`round ${rounds}: every property held for 2,000 cases each`);
}
