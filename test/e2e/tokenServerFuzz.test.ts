// The token server's HTTP fuzz target (test/fuzz/httpProperties.ts) with a fixed seed and a bounded
// number of cases, against the built binary; `npm run fuzz` runs it with random seeds and no bound.
import { after, before, test } from 'node:test';
import fc from 'fast-check';
import { assertBuilt } from '../support/helperBinary.js';
import { startHttpFuzzTarget, type HttpFuzzTarget } from '../fuzz/httpProperties.js';

const SEED = 20261207;
let target: HttpFuzzTarget;

before(async () => {
  assertBuilt();
  target = await startHttpFuzzTarget();
});
after(async () => {
  await target?.stop();
});

test('property: random request lines, targets, headers, bodies and scopes get well-formed HTTP, and the server stays up', async () => {
  await fc.assert(target.property, { seed: SEED, numRuns: 400 });
});
