// npm run fuzz [-- SECONDS]: the protocol properties and the token server's HTTP property
// (test/fuzz/httpProperties.ts, against the built binary) with random seeds until the time is up
// (default 10 minutes) or a counter-example is found, which is printed with its seed and path to replay.
import fc from 'fast-check';
import { ALL_PROPERTIES } from '../test/fuzz/protocolProperties.js';
import { startHttpFuzzTarget } from '../test/fuzz/httpProperties.js';

const seconds = Number(process.argv[2] ?? process.env.FUZZ_SECONDS ?? 600);
const until = Date.now() + seconds * 1000;
const http = await startHttpFuzzTarget();
type AnyProperty = fc.IAsyncProperty<unknown[]>;
/** Name, property, cases per round (an HTTP case is a connection to the binary: fewer per round). */
const properties: Array<[string, AnyProperty, number]> = [
  ...Object.entries(ALL_PROPERTIES).map(([name, property]): [string, AnyProperty, number] => [name, property as AnyProperty, 2_000]),
  ['token server HTTP', http.property, 500],
];
let rounds = 0;
try {
  while (Date.now() < until) {
    for (const [name, property, numRuns] of properties) {
      const seed = Math.floor(Math.random() * 2 ** 31);
      const details = await fc.check(property, { seed, numRuns });
      if (details.failed) {
        console.error(`${name} failed (seed ${seed}, path ${details.counterexamplePath}):\n${fc.defaultReportMessage(details)}`);
        process.exitCode = 1;
        break;
      }
    }
    if (process.exitCode) break;
    rounds++;
    console.log(`round ${rounds}: every property held (2,000 cases each, 500 for the token server's HTTP)`);
  }
} finally {
  await http.stop();
}
