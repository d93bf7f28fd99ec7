import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { credentialHelper } from '../../../src/service/credentialHelper.js';
import { signedInWorld } from './signedIn.js';

test('docker re-storing what get handed out after a login changes nothing', async () => {
  const w = signedInWorld();
  await w.signIn('reg.example');
  const helper = credentialHelper(w.deps);
  const answer = await helper.get('reg.example');
  const writes = w.store.writes;
  await helper.add({ ServerURL: 'reg.example', Username: answer.Username, Secret: answer.Secret });
  assert.equal(w.store.writes, writes);
  assert.equal(JSON.parse(w.store.items.get('reg.example')!).kind, 'derived');
});

test('docker re-storing the identity token (the current refresh token) keeps the sign-in', async () => {
  const w = signedInWorld();
  await w.signIn('id.example', { mode: 'identity-token' });
  const helper = credentialHelper(w.deps);
  const writes = w.store.writes;
  await helper.add({ ServerURL: 'id.example', Username: '<token>', Secret: 'rt-1' });
  assert.equal(w.store.writes, writes);
});

test('an explicit docker login -u password overrides the sign-in for that registry only', async () => {
  const w = signedInWorld();
  await w.signIn('one.example');
  await w.signIn('two.example');
  const helper = credentialHelper(w.deps);
  await helper.add({ ServerURL: 'one.example', Username: 'robot', Secret: 'robot-pw' });
  assert.deepEqual(await helper.get('one.example'), { ServerURL: 'one.example', Username: 'robot', Secret: 'robot-pw' });
  assert.equal((await helper.get('two.example')).Secret, 'at-1');
});

test('a configured registry without an item was signed out: get says what to run, not "not found"', async () => {
  const w = signedInWorld();
  await w.signIn('reg.example');
  w.store.items.delete('reg.example');
  await assert.rejects(credentialHelper(w.deps).get('https://reg.example/'), {
    code: 'session-expired',
    message: 'not signed in to reg.example: run "registry-login reg.example"',
  });
});

test('registries named constructor or __proto__ are registries like any other', async () => {
  const w = signedInWorld();
  await w.signIn('reg.example');
  const helper = credentialHelper(w.deps);
  for (const name of ['constructor', '__proto__', 'Constructor', 'hasOwnProperty', 'toString']) {
    await assert.rejects(helper.get(name), { code: 'credentials-not-found' });
    await helper.delete(name);
    await helper.add({ ServerURL: name, Username: 'u', Secret: `s-${name}` });
    assert.deepEqual(await helper.get(name), { ServerURL: name, Username: 'u', Secret: `s-${name}` });
    await helper.delete(name);
    await assert.rejects(helper.get(name), { code: 'credentials-not-found' });
  }
});

test('a registry signed in as __proto__ is saved, found and logged out as its own key', async () => {
  const w = signedInWorld();
  await w.signIn('__proto__');
  const settings = JSON.parse(readFileSync(w.settingsPath, 'utf8'));
  assert.ok(Object.hasOwn(settings.registries, '__proto__'));
  assert.equal((await credentialHelper(w.deps).get('__proto__')).Secret, 'at-1');
  await credentialHelper(w.deps).delete('__proto__');
  await assert.rejects(credentialHelper(w.deps).get('__proto__'), { code: 'session-expired', message: /not signed in to __proto__/ });
});

test('get is never interactive: an ended sign-in is one error, with no prompt, no browser and no device flow', async () => {
  const w = signedInWorld();
  await w.signIn('reg.example');
  const devices = w.idp.counts.device;
  w.idp.liveRefreshTokens.clear();
  w.clock.now += 3600;
  const refuse = () => {
    throw new Error('get must never talk to a person');
  };
  const helper = credentialHelper({ ...w.deps, terminal: { ...w.deps.terminal, confirm: refuse, launch: refuse, stderr: refuse, stdout: refuse } });
  await assert.rejects(helper.get('reg.example'), { code: 'session-expired', message: /run "registry-login reg\.example"$/ });
  assert.equal(w.idp.counts.device, devices);
  assert.deepEqual(w.launched, []);
});

test('an item that looks absent while another process rewrites it is not taken for a sign-out', async () => {
  const w = signedInWorld();
  await w.signIn('reg.example');
  // A store whose replace removes the item, then writes it back a moment later (as a keychain may).
  const write = w.store.write.bind(w.store);
  w.store.write = async (account, value) => {
    w.store.items.delete(account);
    await new Promise((resolve) => setTimeout(resolve, 20));
    await write(account, value);
  };
  const writer = w.deps.withLock('item-reg.example', () => w.deps.items.write('reg.example', JSON.parse(w.store.items.get('reg.example')!)));
  await new Promise((resolve) => setTimeout(resolve, 5));
  assert.equal(w.store.items.has('reg.example'), false, 'the item is absent mid-rewrite');
  const answer = await credentialHelper(w.deps).get('reg.example');
  assert.equal(answer.Secret, 'at-1');
  await writer;
});

test('a renewed credential comes back over the renewer pipe: get does not read the keychain again', async () => {
  const w = signedInWorld();
  await w.signIn('reg.example');
  w.clock.now += 3600;
  let renewals = 0;
  const helper = credentialHelper({
    ...w.deps,
    renewDetached: async (key) => {
      renewals++;
      const handed = await w.deps.renewDetached(key);
      assert.ok(handed);
      // Changed behind the renewer's back: only a read-back would see this.
      w.store.items.set('reg.example', JSON.stringify({ ...JSON.parse(w.store.items.get('reg.example')!), secret: 'read-back' }));
      return handed;
    },
  });
  const answer = await helper.get('reg.example');
  assert.equal(renewals, 1);
  assert.equal(answer.Secret, 'at-2');
});

/** A stand-in for the kernel cache's remembered answers: a map, and how often it was asked. */
function rememberedAnswers() {
  const answers = new Map<string, string>();
  return {
    answers,
    asked: 0,
    async remember(name: string, _lifetimeMs: number, compute: () => Promise<string>): Promise<string> {
      this.asked++;
      if (!answers.has(name)) answers.set(name, await compute());
      return answers.get(name)!;
    },
  };
}

test('list is answered from the remembered answer, which holds names and no secret', async () => {
  const w = signedInWorld();
  await w.signIn('reg.example');
  const remembered = rememberedAnswers();
  const helper = credentialHelper({ ...w.deps, keychainAnswers: remembered });
  await helper.add({ ServerURL: 'robot.example', Username: 'robot', Secret: 'robot-pw' });
  const first = await helper.list();
  assert.equal(first.get('robot.example'), 'robot');
  assert.equal(first.has('reg.example'), true);
  w.store.items.delete('robot.example'); // behind the cache's back: the remembered answer stands
  assert.equal((await helper.list()).get('robot.example'), 'robot');
  assert.equal(remembered.asked, 2);
  assert.doesNotMatch([...remembered.answers.values()].join(), /robot-pw|at-1|rt-1/);
});

test('list is not remembered while a registry keeps its tokens outside the keychain', async () => {
  const w = signedInWorld();
  await w.signIn('ci.example', { store: 'kernel' });
  const remembered = rememberedAnswers();
  const helper = credentialHelper({ ...w.deps, keychainAnswers: remembered });
  await helper.list();
  assert.equal(remembered.asked, 0);
});
