// The image records: one JSON file (<root>/images.json) replaced atomically, so a crash
// leaves the old or the new list, never half of one. Read-modify-write runs under a lock
// file, since the agent and a CLI verb (skerry images import) may write at the same time.
import fs from 'node:fs';
import path from 'node:path';
import { SkerryError } from '../../../common/index.ts';
import { tryLock, unlock, writeFileDurably } from '../../../storage/content/index.ts';
import type { ImageRecord } from './types.ts';

interface RecordsFile {
  version: 1;
  images: ImageRecord[];
}

export interface Records {
  read(): ImageRecord[];
  /** Runs `change` on the current list under the lock and stores what it returns. */
  update<T>(change: (images: ImageRecord[]) => { images: ImageRecord[]; result: T }): Promise<T>;
}

export function openRecords(root: string): Records {
  const file = path.join(root, 'images.json');
  const lockFile = `${file}.lock`;
  const read = (): ImageRecord[] => {
    let text: string;
    try {
      text = fs.readFileSync(file, 'utf8');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
      throw error;
    }
    try {
      const parsed = JSON.parse(text) as RecordsFile;
      if (parsed.version !== 1 || !Array.isArray(parsed.images)) throw new Error(`version ${String(parsed.version)} is not 1`);
      return parsed.images;
    } catch (error) {
      throw new SkerryError('IMAGE_INVALID', `${file} cannot be read (${(error as Error).message}); move it away to start with an empty image list`, { file });
    }
  };
  return {
    read,
    async update(change) {
      for (let waited = 0; !tryLock(lockFile); waited += 20) {
        if (waited > 30_000) throw new SkerryError('BLOB_BUSY', `${lockFile} has been held for 30 s by another process`, { file: lockFile });
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
      try {
        const { images, result } = change(read());
        writeFileDurably(file, `${JSON.stringify({ version: 1, images } satisfies RecordsFile, null, 1)}\n`);
        return result;
      } finally {
        unlock(lockFile);
      }
    },
  };
}
