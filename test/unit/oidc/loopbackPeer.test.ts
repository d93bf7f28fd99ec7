// Who opened a loopback connection, as the browser sign-in's listener asks it: /proc/net/tcp rows
// (TIME_WAIT rows have no owner and read uid 0), and a real connection from this process.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, connect, type Socket } from 'node:net';
import { loopbackPeer, ownersOfClientSocket } from '../../../src/oidc/loopbackPeer.js';

// As Linux prints it (captured on this machine, uids changed): client 127.0.0.1:53154 → server :36345.
const TABLE = `  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode
   0: 00000000:07E8 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 221 1 0000000068cbd72c 100 0 0 10 0
   1: 0100007F:CFA2 0100007F:8DF9 01 00000000:00000000 00:00000000 00000000  1000        0 4711 1 0000000002934db3 20 4 30 10 -1
   2: 0100007F:8DF9 0100007F:CFA2 01 00000000:00000000 00:00000000 00000000     0        0 4712 1 000000004c9936bf 20 4 30 10 -1
   3: 0100007F:CFA4 0100007F:8DF9 06 00000000:00000000 03:00000869 00000000     0        0 0 3 000000001d3b6085
`;

test('the client end of a connection is the row with its port as local and the server port as remote', () => {
  assert.deepEqual(ownersOfClientSocket(TABLE, 0xcfa2, 0x8df9), [1000]);
  assert.deepEqual(ownersOfClientSocket(TABLE, 0x8df9, 0xcfa2), [0], 'the server end is another row');
  assert.deepEqual(ownersOfClientSocket(TABLE, 0xcfa4, 0x8df9), [], 'a TIME_WAIT row has no owner');
  assert.deepEqual(ownersOfClientSocket('garbage\n\n', 1, 2), []);
  assert.deepEqual(
    ownersOfClientSocket(TABLE + TABLE.split('\n')[2].replace(' 1000 ', ' 65534 ') + '\n', 0xcfa2, 0x8df9),
    [1000, 65534],
    'every row of the port pair counts',
  );
});

test("a connection from this process is this user's (Linux: /proc/net/tcp)", async () => {
  const server = createServer();
  const accepted = new Promise<Socket>((resolve) => server.once('connection', resolve));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const client = connect((server.address() as { port: number }).port, '127.0.0.1');
  try {
    assert.equal(await loopbackPeer(await accepted), 'same');
  } finally {
    client.destroy();
    server.close();
  }
});
