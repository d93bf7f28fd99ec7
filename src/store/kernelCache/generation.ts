// Which state of the keychain the kernel cache's entries were read from. A random tag in a small
// file under the home directory (runtime/paths.ts keychainGenerationPath says why there), replaced
// after every write or removal of an item: an entry is answered only while it carries the current tag. A file, because every process of the user sees it
// (another session, cron, the next CI step), it costs one read on the hot path, and a logout in one
// session must stop every other session's cached answer at once. The tag is no secret.
import { mkdirSync, readFileSync, renameSync, unlinkSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';

/** Longer than any tag we write: a bigger file is not ours, and is not trusted. */
const MAX_TAG_LENGTH = 64;

export class CacheGeneration {
  constructor(private readonly file: string) {}

  /** The current tag; null when there is none or it cannot be read (then nothing cached is answered). */
  current(): string | null {
    try {
      const tag = readFileSync(this.file, 'latin1');
      return tag.length > 0 && tag.length <= MAX_TAG_LENGTH ? tag : null;
    } catch {
      return null;
    }
  }

  /**
   * Replaces the tag (atomically: temp file and rename). When it cannot be written, the file is
   * removed instead. True once the old tag no longer holds; false when even the removal failed.
   */
  renew(): boolean {
    const tag = `${Date.now().toString(36)}.${process.pid.toString(36)}.${Math.random().toString(36).slice(2, 12)}`;
    const temp = `${this.file}.${process.pid}.tmp`;
    try {
      mkdirSync(dirname(this.file), { recursive: true, mode: 0o700 });
      writeFileSync(temp, tag, { mode: 0o600 });
      renameSync(temp, this.file);
      return true;
    } catch {
      for (const path of [temp, this.file]) {
        try {
          unlinkSync(path);
        } catch (error) {
          if (path === this.file && (error as NodeJS.ErrnoException).code !== 'ENOENT') return false;
        }
      }
      return true;
    }
  }
}
