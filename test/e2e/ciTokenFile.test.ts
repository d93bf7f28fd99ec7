// `--ci-token file:PATH` reads a file its owner rewrites (a projected service-account token). Whatever
// is at PATH, the read is bounded: at most a token's worth (64 KiB) from an endless device, and a
// deadline on a pipe nobody writes, each with a one-line error that says what to check. A pipe that
// a writer fills in time is read like a file.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { assertBuilt, loginBinary, run } from '../support/helperBinary.js';
import { PIPELINE_CLIENTS, startIdp, type Idp } from '../support/idp.js';

/** Kills a login that hangs: far beyond the helper's own deadline, so only a hang reaches it. */
const HANG_MS = 60_000;

let idp: Idp;
let home: string;
let env: NodeJS.ProcessEnv;

before(async () => {
  assertBuilt();
  idp = await startIdp();
  home = await mkdtemp(join(tmpdir(), 'dco-ci-token-'));
  env = { PATH: process.env.PATH, HOME: home, XDG_CONFIG_HOME: join(home, '.config'), XDG_CACHE_HOME: join(home, '.cache') };
});

after(async () => {
  await idp?.stop();
  await rm(home, { recursive: true, force: true });
});

/** A pipeline sign-in whose grant reads its CI token from `path`; nothing is kept anywhere. */
function loginWithTokenFile(path: string) {
  const args = ['registry.example', '--mode', 'password', '--issuer', idp.issuer, '--client-id', PIPELINE_CLIENTS.exchange, '--resource', idp.resource];
  return run(loginBinary, [...args, '--grant', 'jwt-bearer', '--ci-token', `file:${path}`, '--store', 'none'], { env, timeoutMs: HANG_MS });
}

function assertOneLine(stderr: string): void {
  assert.equal(stderr.trimEnd().split('\n').length, 1, stderr);
}

test("an endless file (/dev/zero) is read only a token's worth, and refused in one line", async () => {
  const result = await loginWithTokenFile('/dev/zero');
  assert.equal(result.code, 1, result.stderr);
  assert.match(result.stderr, /\/dev\/zero is larger than a token could be \(more than 64 KiB\)/);
  assertOneLine(result.stderr);
});

test('a pipe nobody writes ends the sign-in after a bounded wait, in one line', async () => {
  const fifo = join(home, 'nobody-writes');
  execFileSync('mkfifo', [fifo]);
  const result = await loginWithTokenFile(fifo);
  assert.equal(result.code, 1, result.stderr);
  assert.match(result.stderr, /nobody-writes gave no token within \d+ s \(a pipe nobody writes\?\)/);
  assertOneLine(result.stderr);
});

test('a file of more than 64 KiB is refused without being read whole', async () => {
  const big = join(home, 'big-token');
  await writeFile(big, 'x'.repeat(64 * 1024 + 1));
  const result = await loginWithTokenFile(big);
  assert.equal(result.code, 1);
  assert.match(result.stderr, /big-token is larger than a token could be/);
  assertOneLine(result.stderr);
});

test('a pipe its writer fills is read like a file (the token then reaches the provider)', async () => {
  const fifo = join(home, 'written-pipe');
  execFileSync('mkfifo', [fifo]);
  // The writer opens the pipe only once a reader has: as a secrets agent feeding a pipe would.
  const writer = writeFile(fifo, 'not-a-jwt-but-a-printable-token\n');
  const result = await loginWithTokenFile(fifo);
  await writer;
  assert.equal(result.code, 1);
  // The provider refused what it was given: the token was read and sent, not the read's complaint.
  assert.doesNotMatch(result.stderr, /gave no token|larger than a token|holds no token/);
  assert.match(result.stderr, /jwt-bearer|assertion|refused|invalid/i);
});
