// Reads a file that someone else provides (a CI token file) without trusting what it is: at most
// `maxBytes` (so /dev/zero or a runaway writer cannot fill memory) and within a deadline (so a pipe
// nobody writes cannot hang a command, and with it docker). Opened non-blocking: opening a FIFO for
// reading then returns at once instead of waiting for a writer (fifo(7)); a pipe that a writer fills
// in time reads like a file.
import { constants } from 'node:fs';
import { open } from 'node:fs/promises';

export type BoundedRead = { kind: 'read'; text: string } | { kind: 'too-large' } | { kind: 'too-slow' };

/** How often a pipe that has no data yet is looked at again. */
const POLL_MS = 20;

/** Throws what open(2) and read(2) throw (ENOENT, EACCES, EISDIR ...); bounds are answers, not throws. */
export async function readBoundedFile(path: string, maxBytes: number, deadlineMs: number): Promise<BoundedRead> {
  const handle = await open(path, constants.O_RDONLY | constants.O_NONBLOCK);
  try {
    const pipe = (await handle.stat()).isFIFO();
    const buffer = Buffer.alloc(maxBytes + 1);
    const deadline = Date.now() + deadlineMs;
    let length = 0;
    while (length < buffer.length) {
      let bytesRead = -1;
      try {
        ({ bytesRead } = await handle.read(buffer, length, buffer.length - length, null));
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'EAGAIN') throw error;
      }
      if (bytesRead > 0) {
        length += bytesRead;
        continue;
      }
      // End of file, except on a pipe whose writer has not come yet (it reads as ended until then).
      if (bytesRead === 0 && !(pipe && length === 0)) break;
      if (Date.now() >= deadline) return { kind: 'too-slow' };
      await new Promise((resolve) => setTimeout(resolve, POLL_MS));
    }
    if (length > maxBytes) return { kind: 'too-large' };
    return { kind: 'read', text: buffer.subarray(0, length).toString('utf8') };
  } finally {
    await handle.close();
  }
}
