// fsync helpers: a rename is durable only once the directory holding it is synced.
import fs from 'node:fs';
import path from 'node:path';

export function fsyncDir(dir: string): void {
  const fd = fs.openSync(dir, fs.constants.O_RDONLY | fs.constants.O_DIRECTORY);
  try {
    fs.fsyncSync(fd);
  } finally {
    fs.closeSync(fd);
  }
}

/** mkdir -p, syncing each parent that gained an entry, so the tree survives power loss. */
export function makeDurableDir(dir: string): void {
  if (fs.existsSync(dir)) return;
  makeDurableDir(path.dirname(dir));
  try {
    fs.mkdirSync(dir, { mode: 0o700 });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    return;
  }
  fsyncDir(path.dirname(dir));
}

/** Writes `data` to `file` via a synced temp file and a rename, then syncs the directory. */
export function writeFileDurably(file: string, data: Buffer | string, mode = 0o600): void {
  const temp = `${file}.tmp-${process.pid}-${Math.random().toString(36).slice(2)}`;
  const fd = fs.openSync(temp, 'w', mode);
  try {
    fs.writeFileSync(fd, data);
    fs.fsyncSync(fd);
  } finally {
    fs.closeSync(fd);
  }
  try {
    fs.renameSync(temp, file);
  } catch (error) {
    fs.rmSync(temp, { force: true });
    throw error;
  }
  fsyncDir(path.dirname(file));
}

/**
 * writeFileDurably on libuv's thread pool: the event loop stays free while the disk syncs, and
 * the syncs of writes made together overlap (ext4 commits them in one journal transaction).
 */
export async function writeFileDurablyAsync(file: string, data: Buffer | string, mode = 0o600): Promise<void> {
  const temp = `${file}.tmp-${process.pid}-${Math.random().toString(36).slice(2)}`;
  const handle = await fs.promises.open(temp, 'w', mode);
  try {
    await handle.writeFile(data);
    await handle.sync();
  } finally {
    await handle.close();
  }
  try {
    await fs.promises.rename(temp, file);
  } catch (error) {
    await fs.promises.rm(temp, { force: true });
    throw error;
  }
  await fsyncDirAsync(path.dirname(file));
}

/** fsyncDir on libuv's thread pool. */
export async function fsyncDirAsync(dir: string): Promise<void> {
  const handle = await fs.promises.open(dir, fs.constants.O_RDONLY | fs.constants.O_DIRECTORY);
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}
