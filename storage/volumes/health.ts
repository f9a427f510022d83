// What a volume's data looks like right now: its condition and its usage. Read-only: nothing
// here mounts, repairs or changes a volume.
import fs from 'node:fs';
import { type VolumePaths, mountedDevice } from './attach.ts';
import { step, VolumeError } from './errors.ts';
import { measure, readSuperblock } from './filesystem.ts';
import { mountAt } from './loop.ts';
import { ToolError } from './tools.ts';

/** Ready, or a problem a person must see (the agent reports it on the volume). */
export type VolumeCondition = { state: 'Ready' } | { state: 'Missing' | 'Damaged' | 'Failed'; message: string };

export interface VolumeUsage {
  /** The filesystem's usable size (statfs total): at least the capacity asked for. */
  capacityBytes: number;
  usedBytes: number;
  availableBytes: number;
}

/**
 * Missing: the image is gone. Damaged: it cannot be read, holds no ext4, is shorter than its
 * filesystem, its state says errors, it went read-only after an error, or (`lastMountFailure`)
 * the last mount failed even after e2fsck. Failed: the check itself could not run.
 */
export async function inspectVolume(v: VolumePaths, lastMountFailure: string | undefined): Promise<VolumeCondition> {
  let size: number;
  try {
    size = (await fs.promises.stat(v.image)).size;
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') return { state: 'Missing', message: `The image ${v.image} is gone` };
    return { state: 'Damaged', message: `The image ${v.image} cannot be read: ${(error as Error).message}` };
  }
  try {
    return (await mountedCondition(v)) ?? (lastMountFailure ? damaged(lastMountFailure) : await imageCondition(v, size));
  } catch (error) {
    return { state: 'Failed', message: `Inspecting ${v.image}: ${(error as Error).message}` };
  }
}

function damaged(message: string): VolumeCondition {
  return { state: 'Damaged', message };
}

async function mountedCondition(v: VolumePaths): Promise<VolumeCondition | undefined> {
  if (!mountedDevice(v)) return undefined;
  if (mountAt(v.mountPath)!.options.includes('ro')) {
    return damaged(`The filesystem at ${v.mountPath} went read-only after an error (see the kernel log); it needs e2fsck`);
  }
  await measure(v.mountPath);
  return { state: 'Ready' };
}

async function imageCondition(v: VolumePaths, size: number): Promise<VolumeCondition> {
  let sb;
  try {
    sb = await readSuperblock(v.image);
  } catch (error) {
    if (error instanceof ToolError) return damaged(`The image ${v.image} holds no readable ext4 superblock: ${error.message}`);
    throw error;
  }
  if (/error/i.test(sb.state)) return damaged(`The filesystem in ${v.image} is marked "${sb.state}"; it needs e2fsck`);
  const needed = sb.blockCount * sb.blockSize;
  if (needed > size) return damaged(`The image ${v.image} is ${size} bytes, shorter than its filesystem (${needed} bytes)`);
  return { state: 'Ready' };
}

/**
 * Usage of a mounted volume from statfs; of an unmounted one from its superblock (free blocks
 * are exact in a cleanly unmounted ext4) and the usable size measured when it was last sized.
 */
export async function volumeUsage(v: VolumePaths, filesystemBytes: number): Promise<VolumeUsage> {
  if (mountedDevice(v)) {
    const size = await step(v.name, `reading the usage of ${v.mountPath}`, () => measure(v.mountPath));
    return { capacityBytes: size.totalBytes, usedBytes: size.totalBytes - size.freeBytes, availableBytes: size.availableBytes };
  }
  if (!fs.existsSync(v.image)) throw new VolumeError('VOLUME_MISSING', v.name, `reading the usage: the image ${v.image} is gone`);
  const sb = await step(v.name, `reading the superblock of ${v.image}`, () => readSuperblock(v.image));
  const available = sb.freeBlocks * sb.blockSize;
  return { capacityBytes: filesystemBytes, usedBytes: Math.max(0, filesystemBytes - available), availableBytes: available };
}
