// A separate process that takes a file lock, says so on stdout, and then works inside it: holds it
// for a while, or runs a short critical section many times (for the lock tests).
import { existsSync, readFileSync, unlinkSync, writeFileSync } from 'node:fs';
import { fileLock } from '../../src/runtime/fileLock.js';

const [directory, name, mode, arg, holdMs] = process.argv.slice(2);
const withLock = fileLock(directory, { waitMs: 60_000, ...(holdMs ? { holdMs: () => Number(holdMs) } : {}) });
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

if (mode === 'hold') {
  await withLock(name, async () => {
    process.stdout.write('held\n');
    await sleep(Number(arg));
  });
  process.stdout.write('released\n');
} else {
  // 'count': arg iterations of read-increment-write, with an exclusive marker that proves no overlap.
  const counter = `${directory}/counter`;
  const marker = `${directory}/inside`;
  for (let i = 0; i < Number(arg); i++) {
    await withLock(name, async () => {
      if (existsSync(marker)) throw new Error('two holders at once');
      writeFileSync(marker, String(process.pid), { flag: 'wx' });
      const value = existsSync(counter) ? Number(readFileSync(counter, 'utf8')) : 0;
      await sleep(1);
      writeFileSync(counter, String(value + 1));
      unlinkSync(marker);
    });
  }
  process.stdout.write('done\n');
}
