// The ext4 filesystem inside a volume image: preallocation, mkfs, growth, repair, superblock.
import fs from 'node:fs';
import { mustRun, runTool, ToolError } from './tools.ts';

const BLOCK = 4096;

export function roundUpToBlock(bytes: number): number {
  return Math.ceil(bytes / BLOCK) * BLOCK;
}

/**
 * Reserves `bytes` for the image with fallocate (real blocks, not a sparse file), so a full
 * node disk fails here, clearly, rather than with EIO inside the volume later. A failed
 * reservation is cut back to the old size so that no half-reserved tail stays behind.
 */
export async function preallocate(image: string, bytes: number): Promise<void> {
  const before = fs.existsSync(image) ? fs.statSync(image).size : 0;
  try {
    await mustRun('fallocate', ['--length', String(bytes), image]);
  } catch (error) {
    if (fs.existsSync(image) && fs.statSync(image).size > before) fs.truncateSync(image, before);
    throw error;
  }
}

/**
 * Makes ext4 on a freshly preallocated image: 4 KiB blocks and the default inode ratio
 * whatever the size (mke2fs's "small" profile would pick 1 KiB blocks), no root reservation
 * (-m 0: the volume is all the user's), a journal (crash safety). nodiscard: discarding a
 * regular file punches holes and would undo the preallocation. assume_storage_prezeroed:
 * fallocated blocks read as zeros, so neither mkfs nor the kernel's lazy-init thread need
 * write the inode tables and journal: mkfs takes milliseconds and no background I/O follows.
 */
export async function makeFilesystem(image: string): Promise<void> {
  const extended = 'nodiscard,assume_storage_prezeroed=1';
  await mustRun('mkfs.ext4', ['-q', '-F', '-b', String(BLOCK), '-i', '16384', '-I', '256', '-m', '0', '-E', extended, image]);
}

/** Grows a mounted filesystem online to the size of its (refreshed) loop device. */
export async function growFilesystem(device: string): Promise<void> {
  await mustRun('resize2fs', [device]);
}

/**
 * `e2fsck -p` (preen: fixes only what is safe without a person; `force`: check even a clean
 * filesystem). Resolves with whether the filesystem is usable now (exit 0, or 1: errors
 * corrected) and what e2fsck said.
 */
export async function repairFilesystem(target: string, force = false): Promise<{ repaired: boolean; output: string }> {
  const result = await runTool('e2fsck', [...(force ? ['-f'] : []), '-p', target]);
  const output = `${result.stdout}${result.stderr}`.trim().replace(/\s*\n\s*/g, '; ');
  return { repaired: result.code === 0 || result.code === 1, output: `e2fsck -p exited with status ${result.code}: ${output}` };
}

export interface Superblock {
  blockCount: number;
  blockSize: number;
  freeBlocks: number;
  /** Metadata blocks (journal, inode tables, bitmaps): what statfs leaves out of the total. */
  overheadBlocks: number | undefined;
  state: string;
}

/** The superblock as dumpe2fs reads it; a ToolError when the image holds no ext4 superblock. */
export async function readSuperblock(image: string): Promise<Superblock> {
  const result = await runTool('dumpe2fs', ['-h', image]);
  if (result.code !== 0) throw new ToolError('dumpe2fs', ['-h', image], { ...result, stdout: '' });
  const field = (name: string): string | undefined => new RegExp(`^${name}:\\s*(.*)$`, 'm').exec(result.stdout)?.[1]?.trim();
  const number = (name: string): number => Number(field(name) ?? NaN);
  const overhead = field('Overhead clusters');
  return {
    blockCount: number('Block count'),
    blockSize: number('Block size'),
    freeBlocks: number('Free blocks'),
    overheadBlocks: overhead === undefined ? undefined : Number(overhead),
    state: field('Filesystem state') ?? 'unknown',
  };
}

export interface FsSize {
  totalBytes: number;
  freeBytes: number;
  availableBytes: number;
}

/** statfs of a mounted filesystem: the sizes `df` shows and a container sees. */
export async function measure(dir: string): Promise<FsSize> {
  const s = await fs.promises.statfs(dir);
  return { totalBytes: s.blocks * s.bsize, freeBytes: s.bfree * s.bsize, availableBytes: s.bavail * s.bsize };
}
