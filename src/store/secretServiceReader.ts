// The Secret Service read that `get` needs, over a plain (unencrypted) session: over a local unix
// socket to a daemon of the same user, transport encryption protects nothing (Secret Service API,
// "Transfer of Secrets": plain is what secret-tool and libsecret use when nothing else is
// negotiated), and it spares the Diffie-Hellman exchange the keychain library makes per process.
// Only the certain answers are given here: the secret of exactly one unlocked item, or "no such
// item anywhere". Everything else (a locked collection, duplicates, no bus, an odd reply) answers
// undefined and the caller asks the keychain library, whose errors and prompts stay as they are.
import { DbusConnection, variant, type DbusValue } from './dbusWire.js';

const SERVICE = { destination: 'org.freedesktop.secrets', path: '/org/freedesktop/secrets', interface: 'org.freedesktop.Secret.Service' } as const;

/** A read that is not answered within this falls back to the library (which has its own timeout). */
const READ_TIMEOUT_MS = 2000;

export type PlainRead = { found: true; value: string } | { found: false } | undefined;

export async function readPlain(env: NodeJS.ProcessEnv, attributes: Record<string, string>): Promise<PlainRead> {
  let connection: DbusConnection | undefined;
  try {
    connection = await DbusConnection.open(env, READ_TIMEOUT_MS);
    const [, session] = await connection.call({ ...SERVICE, member: 'OpenSession', signature: 'sv', body: ['plain', variant('s', '')] });
    const [unlocked, locked] = (await connection.call({ ...SERVICE, member: 'SearchItems', signature: 'a{ss}', body: [new Map(Object.entries(attributes))] })) as [string[], string[]];
    if (unlocked.length === 0 && locked.length === 0) return { found: false };
    if (unlocked.length !== 1 || locked.length !== 0) return undefined;
    const [secrets] = (await connection.call({ ...SERVICE, member: 'GetSecrets', signature: 'aoo', body: [unlocked, session as DbusValue] })) as [Map<string, [string, Buffer, Buffer, string]>];
    const secret = secrets.get(unlocked[0]!);
    if (!secret) return undefined;
    return { found: true, value: secret[2].toString('utf8') };
  } catch {
    return undefined;
  } finally {
    connection?.close();
  }
}
