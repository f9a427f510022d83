// Container root filesystems: <root>/containers/<id>/{rootfs,upper,work,image}. The rootfs
// is an overlay of the image's unpacked layers (top first) under the container's own upper
// dir; the `image` file names the manifest it uses, which keeps the image from removal.
import fs from 'node:fs';
import path from 'node:path';
import { componentLogger, SkerryError } from '../../../common/index.ts';
import { mountOverlay, unmount } from '../../../native/index.ts';
import { writeFileDurablyAsync } from '../../../storage/content/index.ts';

const log = componentLogger('images');
const CONTAINER_ID = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,127}$/;

export interface Rootfs {
  prepare(containerId: string, manifestDigest: string, layerDirsBottomFirst: string[]): Promise<string>;
  release(containerId: string): Promise<void>;
  /** container id → manifest digest of its image. */
  usage(): Map<string, string>;
}

/** The overlay is mounted on `dir`: an overlay has a device of its own, unlike the directory under it. */
function isMountPoint(dir: string): boolean {
  return fs.statSync(dir).dev !== fs.statSync(path.dirname(dir)).dev;
}

export function openRootfs(root: string): Rootfs {
  const base = path.join(root, 'containers');
  fs.mkdirSync(base, { recursive: true, mode: 0o700 });
  const dirOf = (id: string) => {
    if (!CONTAINER_ID.test(id)) throw new SkerryError('USAGE', `container id ${JSON.stringify(id)} must be 1-128 letters, digits, '_', '.' or '-'`, { field: 'containerId' });
    return path.join(base, id);
  };
  return {
    async prepare(containerId, manifestDigest, layers) {
      const dir = dirOf(containerId);
      const rootfs = path.join(dir, 'rootfs');
      // A restarted agent prepares again what is already mounted: keep it, with its writes.
      if (fs.existsSync(rootfs) && isMountPoint(rootfs)) return rootfs;
      for (const sub of ['rootfs', 'upper', 'work']) fs.mkdirSync(path.join(dir, sub), { recursive: true, mode: 0o755 });
      await writeFileDurablyAsync(path.join(dir, 'image'), manifestDigest);
      mountOverlay(rootfs, [...layers].reverse(), path.join(dir, 'upper'), path.join(dir, 'work'));
      log.debug({ containerId, layers: layers.length }, 'mounted container rootfs');
      return rootfs;
    },
    async release(containerId) {
      const dir = dirOf(containerId);
      const rootfs = path.join(dir, 'rootfs');
      if (fs.existsSync(rootfs) && isMountPoint(rootfs)) {
        try {
          unmount(rootfs);
        } catch (error) {
          // Busy (a process still has it open): detach now, the kernel frees it after.
          if ((error as NodeJS.ErrnoException).code !== 'EBUSY') throw error;
          unmount(rootfs, true);
        }
      }
      await fs.promises.rm(dir, { recursive: true, force: true });
    },
    usage() {
      const used = new Map<string, string>();
      for (const id of fs.readdirSync(base)) {
        try {
          used.set(id, fs.readFileSync(path.join(base, id, 'image'), 'utf8').trim());
        } catch {
          // A container dir without its image file was never mounted.
        }
      }
      return used;
    },
  };
}
