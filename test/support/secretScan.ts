// Looks for secrets where they must never be: files under the test's HOME/config dirs, and the
// command lines of running processes.
import { readdir, readFile, lstat } from 'node:fs/promises';
import { join } from 'node:path';

export async function filesContaining(root: string, secrets: string[]): Promise<string[]> {
  const hits: string[] = [];
  async function walk(dir: string): Promise<void> {
    let names: string[];
    try {
      names = await readdir(dir);
    } catch {
      return;
    }
    for (const name of names) {
      const path = join(dir, name);
      const info = await lstat(path);
      if (info.isDirectory()) await walk(path);
      else if (info.isFile() && info.size < 10 * 1024 * 1024) {
        const content = await readFile(path);
        for (const secret of secrets) if (secret && content.includes(secret)) hits.push(`${path} contains a secret`);
      }
    }
  }
  await walk(root);
  return hits;
}

export async function processCommandLinesContaining(secrets: string[]): Promise<string[]> {
  const hits: string[] = [];
  for (const pid of await readdir('/proc')) {
    if (!/^\d+$/.test(pid)) continue;
    const cmdline = await readFile(`/proc/${pid}/cmdline`, 'utf8').catch(() => '');
    for (const secret of secrets) if (secret && cmdline.includes(secret)) hits.push(`process ${pid}: ${cmdline.replace(/\0/g, ' ').slice(0, 80)}`);
  }
  return hits;
}
