import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { replaceFileAtomically } from '../../../src/config/atomicFile.js';

test('a file changed since it was read is not replaced, and no temp file is left', () => {
  const dir = mkdtempSync(join(tmpdir(), 'dco-atomic-'));
  const file = join(dir, 'config.json');
  writeFileSync(file, 'theirs, written meanwhile');
  assert.equal(replaceFileAtomically(file, 'ours', { unchangedSince: 'what we read' }), false);
  assert.equal(readFileSync(file, 'utf8'), 'theirs, written meanwhile');
  assert.deepEqual(readdirSync(dir), ['config.json']);
  assert.equal(replaceFileAtomically(file, 'ours', { unchangedSince: 'theirs, written meanwhile' }), true);
  assert.equal(readFileSync(file, 'utf8'), 'ours');
});

test('a file that appeared since we found none is not replaced', () => {
  const dir = mkdtempSync(join(tmpdir(), 'dco-atomic-'));
  const file = join(dir, 'config.json');
  writeFileSync(file, 'created meanwhile');
  assert.equal(replaceFileAtomically(file, 'ours', { unchangedSince: null }), false);
  assert.equal(readFileSync(file, 'utf8'), 'created meanwhile');
});
