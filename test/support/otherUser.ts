// Another local user of the same machine (uid/gid 65534, `nobody`), doing what any account can:
// read every process's argv in /proc, and connect to 127.0.0.1. Its script is plain JavaScript in a
// directory everybody may read; it runs under the same node as the tests.
import { spawn } from 'node:child_process';
import { chmod, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export const NOBODY = 65534;

const SCRIPT = `
import { readdirSync, readFileSync } from 'node:fs';
const [command, argument] = process.argv.slice(2);
if (command === 'argv-containing') {
  // Every process (but this one) whose argv has an argument containing the marker: its whole argv.
  const found = [];
  for (const pid of readdirSync('/proc').filter((name) => /^\\d+$/.test(name) && Number(name) !== process.pid)) {
    try {
      const argv = readFileSync('/proc/' + pid + '/cmdline', 'utf8').split('\\0').filter(Boolean);
      if (argv.some((arg) => arg.includes(argument))) found.push(argv);
    } catch {}
  }
  console.log(JSON.stringify(found));
} else if (command === 'get') {
  // One GET, redirects not followed: what the answer says and where it points.
  try {
    const response = await fetch(argument, { redirect: 'manual' });
    console.log(JSON.stringify({ status: response.status, location: response.headers.get('location'), body: (await response.text()).slice(0, 500) }));
  } catch (error) {
    console.log(JSON.stringify({ status: 0, error: String(error.cause?.code ?? error.message) }));
  }
}
`;

export interface OtherUser {
  /** The argv of every process with an argument containing `marker`, as this user reads it in /proc. */
  argvContaining(marker: string): Promise<string[][]>;
  /** One GET as this user, redirects not followed. */
  get(url: string): Promise<{ status: number; location: string | null; body?: string; error?: string }>;
  stop(): Promise<void>;
}

export async function otherUser(): Promise<OtherUser> {
  const dir = await mkdtemp(join(tmpdir(), 'dco-other-user-'));
  await chmod(dir, 0o755);
  const script = join(dir, 'other-user.mjs');
  await writeFile(script, SCRIPT, { mode: 0o644 });
  const runAs = (args: string[]) =>
    new Promise<unknown>((resolve, reject) => {
      const child = spawn(process.execPath, [script, ...args], {
        uid: NOBODY,
        gid: NOBODY,
        cwd: '/',
        env: { PATH: process.env.PATH ?? '/usr/bin:/bin' },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      let out = '';
      let err = '';
      child.stdout.on('data', (c: Buffer) => (out += c.toString()));
      child.stderr.on('data', (c: Buffer) => (err += c.toString()));
      child.once('error', reject);
      child.once('close', (code) => (code === 0 ? resolve(JSON.parse(out)) : reject(new Error(`the other user's script failed (${code}): ${err}`))));
    });
  return {
    argvContaining: (marker) => runAs(['argv-containing', marker]) as Promise<string[][]>,
    get: (url) => runAs(['get', url]) as Promise<{ status: number; location: string | null }>,
    stop: () => rm(dir, { recursive: true, force: true }),
  };
}
