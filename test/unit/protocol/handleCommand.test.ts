import { test } from 'node:test';
import assert from 'node:assert/strict';
import { handleCommand, type CredentialHelper } from '../../../src/protocol/handleCommand.js';
import { credentialHelper } from '../../../src/service/credentialHelper.js';
import { testDeps } from '../../support/testDeps.js';

function world() {
  const w = testDeps();
  let opened = 0;
  const helper = (): CredentialHelper => {
    opened++;
    return credentialHelper(w.deps);
  };
  return { ...w, helper, opened: () => opened };
}

test('store then get in any spelling of the server, list, erase', async () => {
  const { helper, store } = world();
  await handleCommand(helper, 'store', '{"ServerURL":"https://Reg.example:5000/","Username":"alice","Secret":"pw"}');
  assert.equal(await handleCommand(helper, 'get', 'reg.example:5000\n'), '{"ServerURL":"reg.example:5000","Username":"alice","Secret":"pw"}\n');
  assert.equal(await handleCommand(helper, 'get', 'http://reg.example:5000'), '{"ServerURL":"http://reg.example:5000","Username":"alice","Secret":"pw"}\n');
  assert.equal(await handleCommand(helper, 'list', 'unused'), '{"https://Reg.example:5000/":"alice"}\n');
  assert.equal(store.items.size, 1);
  assert.equal(await handleCommand(helper, 'erase', 'reg.example:5000'), '');
  await assert.rejects(handleCommand(helper, 'get', 'reg.example:5000'), {
    code: 'credentials-not-found',
    message: 'credentials not found in native keychain',
  });
});

test('storing the same server with another username replaces the item', async () => {
  const { helper, store } = world();
  await handleCommand(helper, 'store', '{"ServerURL":"r.example","Username":"old","Secret":"1"}');
  await handleCommand(helper, 'store', '{"ServerURL":"https://r.example","Username":"new","Secret":"2"}');
  assert.equal(store.items.size, 1);
  assert.equal(await handleCommand(helper, 'get', 'r.example'), '{"ServerURL":"r.example","Username":"new","Secret":"2"}\n');
});

test('erase of a missing server succeeds; a different host is never matched', async () => {
  const { helper } = world();
  assert.equal(await handleCommand(helper, 'erase', 'nothing.example'), '');
  await handleCommand(helper, 'store', '{"ServerURL":"reg.example.com","Username":"u","Secret":"s"}');
  await assert.rejects(handleCommand(helper, 'get', 'reg.example.com.evil.net'), { code: 'credentials-not-found' });
  await assert.rejects(handleCommand(helper, 'get', 'reg.example.com:444'), { code: 'credentials-not-found' });
});

test('bad input and unknown actions are refused before the helper (and the keychain) is opened', async () => {
  const w = world();
  await assert.rejects(handleCommand(w.helper, 'get', ''), { code: 'missing-server-url' });
  await assert.rejects(handleCommand(w.helper, 'store', '{nope'), { code: 'invalid-input' });
  await assert.rejects(handleCommand(w.helper, 'store', '{"ServerURL":"r"}'), { code: 'missing-username' });
  await assert.rejects(handleCommand(w.helper, 'frobnicate', ''), { code: 'unknown-action', message: 'Unknown credential action `frobnicate`' });
  assert.equal(w.opened(), 0);
});

test('list skips items it cannot decode and sign-ins, which are not registries', async () => {
  const { helper, store } = world();
  store.items.set('broken', 'not json');
  store.items.set('session:x', JSON.stringify({ v: 1, kind: 'oidc-session', issuer: 'i', clientId: 'c', authenticatedAt: 0 }));
  await handleCommand(helper, 'store', '{"ServerURL":"r.example","Username":"u","Secret":"s"}');
  assert.equal(await handleCommand(helper, 'list', ''), '{"r.example":"u"}\n');
});

test('a corrupt item for the server asked is reported, not crashed on; store replaces it', async () => {
  const { helper, store } = world();
  store.items.set('r.example', 'garbage');
  await assert.rejects(handleCommand(helper, 'get', 'r.example'), { code: 'corrupt-item' });
  await handleCommand(helper, 'store', '{"ServerURL":"r.example","Username":"u","Secret":"s"}');
  assert.equal(await handleCommand(helper, 'get', 'r.example'), '{"ServerURL":"r.example","Username":"u","Secret":"s"}\n');
});
