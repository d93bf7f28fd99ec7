// The fuzz target with a fixed seed and a bounded number of cases (npm run fuzz runs it unbounded).
import { test } from 'node:test';
import fc from 'fast-check';
import { ALL_PROPERTIES } from '../../fuzz/protocolProperties.js';

const SEED = 20261124;

for (const [name, property] of Object.entries(ALL_PROPERTIES)) {
  test(`property: ${name}`, async () => {
    await fc.assert(property as fc.IAsyncProperty<unknown[]>, { seed: SEED, numRuns: 300 });
  });
}
