import { test } from 'node:test';
import assert from 'node:assert/strict';
import { KeychainStore } from '../../../src/store/keychainStore.js';
import type { KeyringModule } from '../../../src/runtime/addon.js';

/** A keyring whose calls behave as scripted: the real one is exercised end to end. */
function fakeKeyring(getPassword: () => Promise<string | null>): KeyringModule {
  class AsyncEntry {
    getPassword = getPassword;
    setPassword = async () => undefined;
    deleteCredential = async () => true;
  }
  return { AsyncEntry, findCredentialsAsync: async () => [] } as unknown as KeyringModule;
}

test('a keychain that never answers fails with a timeout message instead of hanging', async () => {
  const store = new KeychainStore(() => fakeKeyring(() => new Promise(() => undefined)), 50);
  // The store's own timer is unref'd (it must not keep a finished helper alive): hold the loop here.
  const keepAlive = setTimeout(() => undefined, 5000);
  try {
    await assert.rejects(store.read('r.example'), { code: 'keychain-timeout', message: /did not answer within 0\.05 s \(read\)/ });
  } finally {
    clearTimeout(keepAlive);
  }
});

test('an item deleted between search and read is searched again', async () => {
  let calls = 0;
  const store = new KeychainStore(
    () =>
      fakeKeyring(async () => {
        calls++;
        if (calls < 3) throw new Error('Platform failure: DBus error: Object does not exist at path “/org/freedesktop/secrets/collection/login/1”');
        return 'value';
      }),
    1000,
  );
  assert.equal(await store.read('r.example'), 'value');
  assert.equal(calls, 3);
});

test('platform errors are mapped to one actionable line', async () => {
  const store = new KeychainStore(
    () =>
      fakeKeyring(async () => {
        throw new Error("Couldn't access platform storage: Secret Service: unlock prompt was dismissed");
      }),
    1000,
  );
  await assert.rejects(store.read('r.example'), { code: 'keychain-locked' });
});

test('one keychain entry per account and process: its Secret Service session is opened once, not per call', async () => {
  const built: string[] = [];
  let failNext = false;
  class AsyncEntry {
    constructor(
      _service: string,
      readonly account: string,
    ) {
      built.push(account);
    }
    getPassword = async () => {
      if (failNext) {
        failNext = false;
        throw new Error('Platform failure: DBus error: Connection was disconnected before a reply was received');
      }
      return `value of ${this.account}`;
    };
    setPassword = async () => undefined;
    deleteCredential = async () => true;
  }
  const store = new KeychainStore(() => ({ AsyncEntry, findCredentialsAsync: async () => [] }) as unknown as KeyringModule, 1000);
  assert.equal(await store.read('a.example'), 'value of a.example');
  await store.write('a.example', 'new');
  assert.equal(await store.read('b.example'), 'value of b.example');
  assert.equal(await store.remove('a.example'), true);
  assert.deepEqual(built, ['a.example', 'b.example']);
  // A failed call may have lost the session's connection: the next call opens a new one.
  failNext = true;
  await assert.rejects(store.read('b.example'));
  assert.equal(await store.read('b.example'), 'value of b.example');
  assert.deepEqual(built, ['a.example', 'b.example', 'b.example']);
});
