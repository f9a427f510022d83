// Making a volume's image and growing it so that the filesystem's usable size (what statfs
// and `df` show, what a container can fill) is at least the capacity asked for and only a
// little above it. ext4 spends part of the image on its journal, inode tables and bitmaps, so
// the image is sized from what a real filesystem of a first guessed size leaves usable.
import fs from 'node:fs';
import type { Logger } from '../../common/index.ts';
import { type VolumePaths, unmountVolume, withMounted } from './attach.ts';
import { step, VolumeError } from './errors.ts';
import { growFilesystem, makeFilesystem, measure, preallocate, readSuperblock, repairFilesystem, roundUpToBlock } from './filesystem.ts';
import { refreshLoopCapacity } from './loop.ts';
import { describeBytes } from './names.ts';
import { mustRun } from './tools.ts';

/** Below this ext4 gets no journal: the first guess is never smaller. */
const MIN_IMAGE = 8 * 1024 * 1024;
const MAX_ROUNDS = 5;

/** The next image size: the shortfall plus room for the metadata of the added space. */
function grownSize(size: number, shortBy: number): number {
  return roundUpToBlock(size + shortBy + Math.ceil(shortBy / 40) + 16 * 1024);
}

/**
 * Builds a ready image at `partial` (never at the volume's real image path, so that a crash
 * leaves nothing that looks like a volume) and returns the filesystem's usable bytes. Each
 * round starts from a fresh fallocated file, because mkfs trusts the file to read as zeros.
 * The mount root is made 0777 as Kubernetes local-path does: any container user can write.
 */
export async function buildImage(v: VolumePaths, partial: string, capacity: number, log: Logger): Promise<number> {
  const staged: VolumePaths = { ...v, image: partial };
  let size = roundUpToBlock(Math.max(capacity, MIN_IMAGE));
  for (let round = 0; round < MAX_ROUNDS; round++) {
    await discardPartial(staged);
    await step(v.name, `provisioning ${describeBytes(capacity)}: reserving ${describeBytes(size)} for ${partial}`, () => preallocate(partial, size));
    await step(v.name, `making ext4 on ${partial}`, () => makeFilesystem(partial));
    const estimate = await step(v.name, `reading the superblock of ${partial}`, () => usableFromSuperblock(partial));
    const usable = estimate !== undefined && estimate < capacity ? estimate : await measureAndOpen(staged, log);
    if (usable >= capacity) return usable;
    log.debug({ volume: v.name, round, size, usable, capacity }, 'image too small for the capacity, making it larger');
    size = grownSize(size, capacity - usable);
  }
  throw new VolumeError('VOLUME_HOST_FAILED', v.name, `provisioning ${describeBytes(capacity)}: the filesystem stayed smaller after ${MAX_ROUNDS} rounds`);
}

async function usableFromSuperblock(image: string): Promise<number | undefined> {
  const sb = await readSuperblock(image);
  return sb.overheadBlocks === undefined ? undefined : (sb.blockCount - sb.overheadBlocks) * sb.blockSize;
}

async function measureAndOpen(v: VolumePaths, log: Logger): Promise<number> {
  return withMounted(v, log, async () => {
    await step(v.name, `opening ${v.mountPath} to every user`, () => fs.promises.chmod(v.mountPath, 0o777));
    return (await measure(v.mountPath)).totalBytes;
  });
}

/** Takes down whatever a crashed or failed provisioning left: its mount, loop device, file. */
export async function discardPartial(staged: VolumePaths): Promise<void> {
  await unmountVolume(staged);
  await step(staged.name, `removing ${staged.image}`, () => fs.promises.rm(staged.image, { force: true }));
}

/** Whether this process may resize a mounted ext4 (the kernel asks for CAP_SYS_RESOURCE). */
export function canResizeOnline(): boolean {
  const line = /^CapEff:\s*([0-9a-f]+)$/m.exec(fs.readFileSync('/proc/self/status', 'utf8'));
  const CAP_SYS_RESOURCE = 24n;
  return line !== null && ((BigInt(`0x${line[1]}`) >> CAP_SYS_RESOURCE) & 1n) === 1n;
}

/** Grows a mounted volume online: a larger file, LOOP_SET_CAPACITY, resize2fs, until it fits. */
export async function growOnline(v: VolumePaths, device: string, capacity: number): Promise<number> {
  for (let round = 0; round < MAX_ROUNDS; round++) {
    const usable = (await measure(v.mountPath)).totalBytes;
    if (usable >= capacity) return usable;
    const size = grownSize(fs.statSync(v.image).size, capacity - usable);
    await step(v.name, `expanding to ${describeBytes(capacity)}: reserving ${describeBytes(size)} for ${v.image}`, () => preallocate(v.image, size));
    await step(v.name, `telling ${device} its new size`, () => refreshLoopCapacity(device));
    await step(v.name, `growing the mounted filesystem on ${device}`, () => growFilesystem(device));
  }
  throw new VolumeError('VOLUME_HOST_FAILED', v.name, `expanding to ${describeBytes(capacity)}: the filesystem stayed smaller after ${MAX_ROUNDS} rounds`);
}

/**
 * Grows an unmounted volume: e2fsck -f -p (resize2fs insists on a checked filesystem), a
 * larger file, resize2fs on the image, then a short mount to measure what statfs sees.
 */
export async function growOffline(v: VolumePaths, capacity: number, log: Logger): Promise<number> {
  let usable = await withMounted(v, log, async () => (await measure(v.mountPath)).totalBytes);
  for (let round = 0; round < MAX_ROUNDS && usable < capacity; round++) {
    const size = grownSize(fs.statSync(v.image).size, capacity - usable);
    await step(v.name, `expanding to ${describeBytes(capacity)}: reserving ${describeBytes(size)} for ${v.image}`, () => preallocate(v.image, size));
    const check = await step(v.name, `checking ${v.image} before resizing`, () => repairFilesystem(v.image, true));
    if (!check.repaired) throw new VolumeError('VOLUME_DAMAGED', v.name, `checking ${v.image} before resizing: ${check.output}`);
    await step(v.name, `growing the filesystem in ${v.image}`, () => mustRun('resize2fs', [v.image]));
    usable = await withMounted(v, log, async () => (await measure(v.mountPath)).totalBytes);
  }
  if (usable < capacity) throw new VolumeError('VOLUME_HOST_FAILED', v.name, `expanding to ${describeBytes(capacity)}: the filesystem stayed smaller after ${MAX_ROUNDS} rounds`);
  return usable;
}
