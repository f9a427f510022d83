// Mounting a volume's image through a loop device, and taking it down again. Every step reads
// the kernel's state first, so each is idempotent and picks up after a crash or a reboot.
import fs from 'node:fs';
import type { Logger } from '../../common/index.ts';
import { step, VolumeError } from './errors.ts';
import { repairFilesystem } from './filesystem.ts';
import { attachLoop, loopsOf, mountAt, mountDevice, releaseLoop, unmountDir } from './loop.ts';
import { ToolError } from './tools.ts';

/** Where one volume lives on the host; `image` is absolute with symlinks resolved (as sysfs shows it). */
export interface VolumePaths {
  name: string;
  image: string;
  mountPath: string;
}

/** The loop device mounted at the volume's mount path, when it is this image's; else undefined. */
export function mountedDevice(v: VolumePaths): string | undefined {
  const entry = mountAt(v.mountPath);
  if (!entry) return undefined;
  if (loopsOf(v.image).includes(entry.source)) return entry.source;
  throw new VolumeError('VOLUME_BUSY', v.name, `${v.mountPath} has ${entry.source} (${entry.fstype}) mounted on it, not the image ${v.image}`);
}

/**
 * Mounts the image at its mount path (nothing to do when it is there already). A mount the
 * kernel refuses gets one `e2fsck -p` and one more try before the volume is called Damaged.
 */
export async function mountVolume(v: VolumePaths, log: Logger): Promise<void> {
  if (mountedDevice(v)) return;
  await step(v.name, `creating the mount point ${v.mountPath}`, () => fs.promises.mkdir(v.mountPath, { recursive: true, mode: 0o700 }));
  try {
    await attachAndMount(v);
  } catch (error) {
    if (!(error instanceof ToolError && error.tool === 'mount')) throw error;
    if (loopsOf(v.image).length > 0) {
      throw new VolumeError('VOLUME_BUSY', v.name, `mounting ${v.image}: ${error.message}; not repaired, as a loop device still holds the image`);
    }
    const repair = await step(v.name, `repairing ${v.image}`, () => repairFilesystem(v.image));
    if (!repair.repaired) throw new VolumeError('VOLUME_DAMAGED', v.name, `mounting ${v.image}: ${error.message}; ${repair.output}`, { cause: error });
    log.warn({ volume: v.name, repair: repair.output }, 'volume repaired by e2fsck after a failed mount');
    await attachAndMount(v).catch((again: unknown) => {
      throw new VolumeError('VOLUME_DAMAGED', v.name, `mounting ${v.image} after e2fsck: ${(again as Error).message}`, { cause: again });
    });
  }
}

/**
 * Reuses a loop device already bound to the image (a pod's mount namespace may still hold the
 * filesystem: a second loop device would mount the same ext4 twice and corrupt it), or binds a
 * new one. After the mount the device is released: the kernel keeps it until the last
 * unmount (autoclear), so no loop device outlives its mounts.
 */
async function attachAndMount(v: VolumePaths): Promise<void> {
  const device = loopsOf(v.image)[0] ?? (await step(v.name, `binding ${v.image} to a loop device`, () => attachLoop(v.image)));
  try {
    await mountDevice(device, v.mountPath);
  } finally {
    await step(v.name, `releasing ${device}`, () => releaseLoop(device));
  }
}

/**
 * Unmounts the volume here and lets go of its loop devices. A device still mounted in another
 * mount namespace is only marked to go with its last unmount. A busy mount is VOLUME_BUSY.
 */
export async function unmountVolume(v: VolumePaths): Promise<void> {
  if (mountedDevice(v)) {
    try {
      await unmountDir(v.mountPath);
    } catch (error) {
      const busy = error instanceof ToolError && /busy/i.test(error.message);
      if (busy) throw new VolumeError('VOLUME_BUSY', v.name, `unmounting ${v.mountPath}: ${error.message}`, { cause: error });
      throw new VolumeError('VOLUME_HOST_FAILED', v.name, `unmounting ${v.mountPath}: ${(error as Error).message}`, { cause: error });
    }
  }
  for (const device of loopsOf(v.image)) await step(v.name, `releasing ${device}`, () => releaseLoop(device));
}

/** Runs `fn` with the volume mounted: as it is, or mounted for the call and unmounted after. */
export async function withMounted<T>(v: VolumePaths, log: Logger, fn: (device: string) => Promise<T>): Promise<T> {
  const device = mountedDevice(v);
  if (device) return fn(device);
  await mountVolume(v, log);
  try {
    return await fn(mountedDevice(v)!);
  } finally {
    await unmountVolume(v);
  }
}
