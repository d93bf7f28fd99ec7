// Which local user is at the other end of a loopback TCP connection. Every account on the machine
// can connect to 127.0.0.1, so the browser sign-in's listener answers only connections opened by
// the user who runs registry-login (the browser runs as them; another account's process does not).
// Linux lists every socket of the network namespace, with its owner's uid, in /proc/net/tcp and
// /proc/net/tcp6 (readable by all, even with hidepid): the client's socket is the row whose local
// port is the connection's remote port and whose remote port is the listener's port.
// root counts as this user: it can read this user's keychain and memory anyway, and a system relay
// that brings a browser's connection in from elsewhere runs as root.
import type { Socket } from 'node:net';
import { readFile } from 'node:fs/promises';

/** A row of /proc/net/tcp: "sl local_address rem_address st queues tr retrnsmt uid ...". */
const ROW = /^\s*\d+:\s+[0-9A-F]+:([0-9A-F]{4})\s+[0-9A-F]+:([0-9A-F]{4})\s+([0-9A-F]{2})\s+\S+\s+\S+\s+\S+\s+(\d+)\s/i;
/** TIME_WAIT: a closed socket the kernel keeps without an owner (its uid column reads 0). */
const TIME_WAIT = '06';

/** The uids owning the client end of connections from `clientPort` to `serverPort`, from /proc/net/tcp text. */
export function ownersOfClientSocket(table: string, clientPort: number, serverPort: number): number[] {
  const owners: number[] = [];
  for (const line of table.split('\n')) {
    const row = ROW.exec(line);
    if (row && row[3] !== TIME_WAIT && parseInt(row[1], 16) === clientPort && parseInt(row[2], 16) === serverPort) owners.push(Number(row[4]));
  }
  return owners;
}

/**
 * 'same' when the connection was opened by a process of this user (or root), 'other' when by another account
 * (or when it cannot be told apart), 'unknown' where the system does not say (no /proc: macOS,
 * Windows). Never throws.
 */
export async function loopbackPeer(socket: Socket): Promise<'same' | 'other' | 'unknown'> {
  if (process.platform !== 'linux' || typeof process.getuid !== 'function') return 'unknown';
  const { remotePort, localPort } = socket;
  if (!remotePort || !localPort) return 'other';
  // Both tables: a dual-stack client reaches 127.0.0.1 from an IPv6 socket (::ffff:127.0.0.1).
  const tables = await Promise.all(['/proc/net/tcp', '/proc/net/tcp6'].map((path) => readFile(path, 'utf8').catch(() => '')));
  if (tables.every((table) => table === '')) return 'unknown';
  const owners = tables.flatMap((table) => ownersOfClientSocket(table, remotePort, localPort));
  const trusted = [process.getuid(), 0];
  return owners.length > 0 && owners.every((uid) => trusted.includes(uid)) ? 'same' : 'other';
}
