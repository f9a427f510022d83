// Mount points under a pod's directories, from /proc/self/mountinfo: cleanup unmounts what
// is there rather than what a (possibly crashed) earlier run meant to make.
import fs from 'node:fs';
import path from 'node:path';
import { unmount } from '../../../native/index.ts';

function decode(field: string): string {
  return field.replace(/\\([0-7]{3})/g, (_, octal: string) => String.fromCharCode(parseInt(octal, 8)));
}

function mountPoints(): string[] {
  return fs.readFileSync('/proc/self/mountinfo', 'utf8').split('\n').filter(Boolean).map((line) => decode(line.split(' ')[4]!));
}

/**
 * Whether a filesystem other than its parent's is mounted on `target`: the two devices differ.
 * Exact for what the agent mounts there (nsfs pins, overlays, tmpfs), and one stat each
 * instead of a read of /proc/self/mountinfo, which grows with every pod's mounts: with 100
 * pods starting at once, those reads took 2.6 s of the agent's 6 s of CPU.
 */
export function hasOwnFilesystem(target: string): boolean {
  try {
    return fs.statSync(target).dev !== fs.statSync(path.dirname(target)).dev;
  } catch {
    return false;
  }
}

/** Mount points at or below `dir`, deepest first (each once, however often it is stacked). */
export function mountsUnder(dir: string): string[] {
  const prefix = dir.endsWith('/') ? dir : `${dir}/`;
  const found = [...new Set(mountPoints().filter((m) => m === dir || m.startsWith(prefix)))];
  return found.sort((a, b) => b.split('/').length - a.split('/').length || b.localeCompare(a));
}

/** Unmounts everything at or below `dir`; a busy mount is detached (the kernel frees it later). */
export function unmountAll(dir: string): void {
  for (let round = 0; round < 8; round++) {
    const mounts = mountsUnder(dir);
    if (mounts.length === 0) return;
    for (const target of mounts) {
      try {
        unmount(target);
      } catch (error) {
        const code = (error as NodeJS.ErrnoException).code;
        if (code === 'EBUSY') unmount(target, true);
        else if (code !== 'EINVAL' && code !== 'ENOENT') throw error;
      }
    }
  }
}
