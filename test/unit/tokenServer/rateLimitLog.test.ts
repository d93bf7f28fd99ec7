// Rate-limited requests are summarised in the log: one line when an address is first turned away,
// then one line per address per interval with how many more were refused.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { RateLimitLog } from '../../../src/tokenServer/rateLimitLog.js';

test('1,000 refused requests from one address and 3 from another are 2 lines, then 2 summary lines with their counts', () => {
  const lines: Array<Record<string, unknown>> = [];
  const log = new RateLimitLog((line) => lines.push(line), 60_000);
  for (let i = 0; i < 1_000; i++) log.note('10.0.0.1', '/token', 30);
  for (let i = 0; i < 3; i++) log.note('10.0.0.2', '/token', 30);
  assert.deepEqual(
    lines.map((line) => [line.client, line.refused]),
    [
      ['10.0.0.1', undefined],
      ['10.0.0.2', undefined],
    ],
  );
  log.flush();
  assert.deepEqual(
    lines.slice(2).map((line) => [line.client, line.refused]),
    [
      ['10.0.0.1', 999],
      ['10.0.0.2', 2],
    ],
  );
  log.flush(); // a quiet interval: nothing to say, and the addresses are forgotten
  log.note('10.0.0.1', '/token', 30);
  assert.equal(lines.length, 5, 'an address that comes back after a quiet interval gets its first line again');
  log.flush();
});
