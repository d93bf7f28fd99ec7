// A renewal survives the death of the `get` that started it (issue 16). oidc-provider rotates refresh
// tokens and revokes the whole grant when a used one is replayed; its token answers are held back
// 0.7 s after the rotation, and `get`s are killed while that answer is in flight, as docker and
// BuildKit kill their helpers when a build is cancelled (SIGKILL) and as Ctrl-C does (SIGINT).
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { runHelper } from '../support/helperBinary.js';
import { helperBinary } from '../support/helperBinary.js';
import { moduleProbe } from '../support/moduleProbe.js';
import { startIdp, type Idp, personLoginArgs } from '../support/idp.js';
import { signIn } from '../support/signIn.js';
import { startKeyringWorld, type KeyringWorld } from '../support/world.js';

const TTL = 3;
const REGISTRY = 'renew.example';
let world: KeyringWorld;
let idp: Idp;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const refreshes = () => idp.stats.tokenRequests.refresh_token ?? 0;
const replays = () => idp.stats.tokenRequests.refresh_token_error ?? 0;

async function signInToRenew(): Promise<void> {
  const login = await signIn(idp, REGISTRY, [...personLoginArgs(idp), '--no-browser'], world.env);
  assert.equal(login.code, 0, login.stderr);
}

before(async () => {
  world = await startKeyringWorld('renewal');
  idp = await startIdp({ accessTokenTtl: TTL });
  await signInToRenew();
});
after(async () => {
  await idp?.stop();
  await world?.stop();
});

async function plainGet(): Promise<string> {
  const result = await runHelper(['get'], { env: world.env, input: REGISTRY });
  assert.equal(result.code, 0, `get: ${result.stdout}${result.stderr}`);
  return JSON.parse(result.stdout).Secret as string;
}

/**
 * The `get` that waits for the renewer only reads its one line: it must not load the sign-in
 * machinery (openid-client, node:crypto, the HTTP client) that the renewer itself loads
 * (support/moduleProbe records both processes).
 */
test('a get that refreshes leaves the provider, crypto and HTTP modules to the renewer', async () => {
  const probe = await moduleProbe();
  await sleep(TTL * 1000 + 200);
  const seen = refreshes();
  const result = await runHelper(['get'], { env: probe.env(world.env, 'get'), input: REGISTRY });
  assert.equal(result.code, 0, result.stderr);
  assert.equal(refreshes(), seen + 1, 'this get did refresh');
  const HEAVY = /^NativeModule (crypto|zlib|tls|http|https|internal\/deps\/undici\/undici)$/;
  assert.ok(
    (await probe.loaded('get', 'renewer')).some((module) => HEAVY.test(module)),
    'the renewer does load them (the probe can see them)',
  );
  assert.deepEqual(
    (await probe.loaded('get')).filter((module) => HEAVY.test(module)),
    [],
  );
  await probe.remove();
});

for (const signal of ['SIGKILL', 'SIGINT', 'SIGTERM'] as const) {
  test(`a get killed with ${signal} while the refreshed tokens are in flight: the sign-in survives`, async () => {
    const before = await plainGet();
    await sleep(TTL * 1000 + 200);
    idp.delayTokenAnswers(700);
    try {
      const seen = refreshes();
      const child = spawn(helperBinary, ['get'], { env: world.env, stdio: ['pipe', 'ignore', 'ignore'] });
      child.stdin.end(REGISTRY);
      // The provider has rotated the refresh token; its answer is on the way. Now the build is cancelled.
      for (let i = 0; i < 200 && refreshes() === seen; i++) await sleep(10);
      assert.equal(refreshes(), seen + 1, 'the refresh reached the provider');
      child.kill(signal);
      await new Promise((resolve) => child.once('exit', resolve));
      await sleep(1_200);
    } finally {
      idp.delayTokenAnswers(0);
    }
    const after = await plainGet();
    assert.notEqual(after, before);
    assert.equal(replays(), 0, 'no rotated refresh token was replayed');
  });
}

/** One soak: 8 lanes of gets for 40 s, every third killed at a random moment. */
async function soak(): Promise<{ gets: number; kills: number; refreshed: number; failures: string[] }> {
  idp.delayTokenAnswers(700);
  const startedAt = Date.now();
  const refreshesBefore = refreshes();
  let gets = 0;
  let kills = 0;
  const failures: string[] = [];
  const loop = async (lane: number) => {
    for (let n = 0; Date.now() - startedAt < 40_000; n++) {
      gets++;
      const child = spawn(helperBinary, ['get'], { env: world.env, stdio: ['pipe', 'pipe', 'ignore'] });
      let stdout = '';
      child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
      child.stdin.end(REGISTRY);
      const exit = new Promise<number | null>((resolve) => child.once('exit', resolve));
      if ((n + lane) % 3 === 0) {
        kills++;
        await sleep(100 + Math.random() * 900);
        child.kill((['SIGKILL', 'SIGINT', 'SIGTERM'] as const)[kills % 3]);
        await exit;
      } else {
        const code = await exit;
        if (code !== 0 && child.signalCode === null) failures.push(`exit ${code}: ${stdout.trim()}`);
      }
    }
  };
  try {
    await Promise.all(Array.from({ length: 8 }, (_, lane) => loop(lane)));
  } finally {
    idp.delayTokenAnswers(0);
  }
  return { gets, kills, refreshed: refreshes() - refreshesBefore, failures };
}

test('40 s of parallel gets with 3 s tokens and every third get killed: still signed in, no replay', async () => {
  // A client killed inside OpenSession can abort gnome-keyring-daemon itself (an upstream race): the
  // test keyring then reports the death, and scripts/run-tests.mjs runs this file once more.
  const { gets, kills, refreshed, failures } = await soak();
  console.log(`soak: ${gets} gets, ${kills} killed, ${refreshed} refreshes, ${replays()} replays`);
  assert.deepEqual(failures, []);
  await sleep(1_500);
  await plainGet();
  assert.ok(refreshed >= 5, `the tokens were renewed during the soak (${refreshed})`);
  assert.equal(replays(), 0);
});
