import { test } from 'node:test';
import assert from 'node:assert/strict';
import { runProtocolAction } from '../../../src/cli/protocolAction.js';
import { MemoryStore } from '../../support/memoryStore.js';

function deps(store = new MemoryStore()) {
  let opened = 0;
  return {
    store,
    get opened() {
      return opened;
    },
    deps: () => {
      opened++;
      return {
        store,
        configPath: '/nonexistent/docker-credential-oidc/config.json',
        nowS: () => 1_000_000,
        sessions: async () => {
          throw new Error('no registry here is configured for OIDC');
        },
      };
    },
  };
}

test('store then get in any spelling of the server, list, erase', async () => {
  const { deps: d, store } = deps();
  await runProtocolAction('store', '{"ServerURL":"https://Reg.example:5000/","Username":"alice","Secret":"pw"}', d);
  assert.equal(
    await runProtocolAction('get', 'reg.example:5000\n', d),
    '{"ServerURL":"reg.example:5000","Username":"alice","Secret":"pw"}\n',
  );
  assert.equal(await runProtocolAction('get', 'http://reg.example:5000', d), '{"ServerURL":"http://reg.example:5000","Username":"alice","Secret":"pw"}\n');
  assert.equal(await runProtocolAction('list', 'unused', d), '{"https://Reg.example:5000/":"alice"}\n');
  assert.equal(store.items.size, 1);
  assert.equal(await runProtocolAction('erase', 'reg.example:5000', d), '');
  await assert.rejects(runProtocolAction('get', 'reg.example:5000', d), { code: 'credentials-not-found', message: 'credentials not found in native keychain' });
});

test('storing the same server with another username replaces the item', async () => {
  const { deps: d, store } = deps();
  await runProtocolAction('store', '{"ServerURL":"r.example","Username":"old","Secret":"1"}', d);
  await runProtocolAction('store', '{"ServerURL":"https://r.example","Username":"new","Secret":"2"}', d);
  assert.equal(store.items.size, 1);
  assert.equal(await runProtocolAction('get', 'r.example', d), '{"ServerURL":"r.example","Username":"new","Secret":"2"}\n');
});

test('erase of a missing server succeeds; a different host is never matched', async () => {
  const { deps: d } = deps();
  assert.equal(await runProtocolAction('erase', 'nothing.example', d), '');
  await runProtocolAction('store', '{"ServerURL":"reg.example.com","Username":"u","Secret":"s"}', d);
  await assert.rejects(runProtocolAction('get', 'reg.example.com.evil.net', d), { code: 'credentials-not-found' });
  await assert.rejects(runProtocolAction('get', 'reg.example.com:444', d), { code: 'credentials-not-found' });
});

test('bad input is refused before the keychain is opened', async () => {
  const t = deps();
  await assert.rejects(runProtocolAction('get', '', t.deps), { code: 'missing-server-url' });
  await assert.rejects(runProtocolAction('store', '{nope', t.deps), { code: 'invalid-input' });
  await assert.rejects(runProtocolAction('store', '{"ServerURL":"r"}', t.deps), { code: 'missing-username' });
  assert.equal(t.opened, 0);
});

test('list skips items it cannot decode and items that are not static credentials', async () => {
  const { deps: d, store } = deps();
  store.items.set('broken', 'not json');
  store.items.set('session:x', JSON.stringify({ v: 1, kind: 'oidc-session', issuer: 'i', clientId: 'c', authenticatedAt: 0 }));
  await runProtocolAction('store', '{"ServerURL":"r.example","Username":"u","Secret":"s"}', d);
  assert.equal(await runProtocolAction('list', '', d), '{"r.example":"u"}\n');
});

test('a corrupt item for the server asked is reported, not crashed on', async () => {
  const { deps: d, store } = deps();
  store.items.set('r.example', 'garbage');
  await assert.rejects(runProtocolAction('get', 'r.example', d), { code: 'corrupt-item' });
});
