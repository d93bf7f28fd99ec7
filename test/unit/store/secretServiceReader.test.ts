// The plain-session Secret Service read against the real thing (dbus-daemon + gnome-keyring) and
// against a hostile bus: it answers only what it is sure of, and everything else falls back.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:net';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readPlain } from '../../../src/store/secretServiceReader.js';
import { startKeyring } from '../../support/keyring.js';
import { startBareBus } from '../../support/bareBus.js';
import { run } from '../../support/helperBinary.js';

const ours = (account: string) => ({ service: 'docker-credential-oidc', username: account });

test('found, missing, and a locked keyring (left to the keychain library)', async () => {
  const keyring = await startKeyring();
  try {
    const stored = await run('secret-tool', ['store', '--label', 'keyring:r.example@docker-credential-oidc', 'service', 'docker-credential-oidc', 'username', 'r.example'], { env: keyring.env, input: 'sécret ✓' });
    assert.equal(stored.code, 0, stored.stderr);
    assert.deepEqual(await readPlain(keyring.env, ours('r.example')), { found: true, value: 'sécret ✓' });
    assert.deepEqual(await readPlain(keyring.env, ours('other.example')), { found: false });
    await keyring.lock();
    assert.equal(await readPlain(keyring.env, ours('r.example')), undefined, 'a locked item is the library\'s to report');
  } finally {
    await keyring.stop();
  }
});

test('no Secret Service on the bus, or no bus at all: undefined (the library says which)', async () => {
  const bus = await startBareBus();
  try {
    assert.equal(await readPlain({ DBUS_SESSION_BUS_ADDRESS: bus.address }, ours('r.example')), undefined);
  } finally {
    await bus.stop();
  }
  assert.equal(await readPlain({}, ours('r.example')), undefined);
  assert.equal(await readPlain({ DBUS_SESSION_BUS_ADDRESS: 'unix:path=/nonexistent/bus' }, ours('r.example')), undefined);
});

test('a bus that answers garbage, lies about lengths, or goes silent: undefined, no crash, bounded time', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'dco-fakebus-'));
  const hugeHeader = Buffer.alloc(16);
  hugeHeader.write('l', 0);
  hugeHeader[1] = 2;
  hugeHeader[3] = 1;
  hugeHeader.writeUInt32LE(0xfffffff0, 4);
  hugeHeader.writeUInt32LE(1, 8);
  hugeHeader.writeUInt32LE(0xfffffff0, 12);
  /** What the fake bus sends once the client has authenticated and said Hello. */
  const afterAuth: Record<string, Buffer | null> = {
    garbage: Buffer.from('\x00\xff\xfe not a message at all'),
    'big-endian': Buffer.concat([Buffer.from('B'), Buffer.alloc(15)]),
    'huge length': hugeHeader,
    silent: null,
  };
  const behaviours: Record<string, (socket: import('node:net').Socket) => void> = {
    refusal: (socket) => socket.end('REJECTED EXTERNAL\r\n'),
  };
  for (const [name, payload] of Object.entries(afterAuth)) {
    behaviours[name] = (socket) => {
      socket.write('OK 1234\r\n');
      socket.once('data', () => {
        if (payload) socket.write(payload);
      });
    };
  }
  try {
    for (const [name, behave] of Object.entries(behaviours)) {
      const path = join(dir, `${name.replace(/\W/g, '-')}.sock`);
      const server = createServer((socket) => socket.once('data', () => behave(socket)));
      await new Promise<void>((resolve) => server.listen(path, resolve));
      const started = Date.now();
      assert.equal(await readPlain({ DBUS_SESSION_BUS_ADDRESS: `unix:path=${path}` }, ours('r.example')), undefined, name);
      // A message we cannot parse ends the read at once; silence ends it at the 2 s read timeout.
      assert.ok(Date.now() - started < (name === 'silent' ? 5000 : 1000), `${name}: bounded (${Date.now() - started} ms)`);
      server.close();
    }
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
