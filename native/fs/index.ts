// The public face of native/fs: filesystem calls Node lacks, for image layers and
// container root filesystems. Failures throw "<call> <path>: <ERRNO> (<text>)" with errno.
import { addon } from '../load.ts';

const S_IFCHR = 0o020000;

/** Sets an extended attribute on `path` itself (a symlink is not followed). */
export function setXattr(path: string, name: string, value: Buffer | string): void {
  addon().setXattr(path, name, Buffer.from(value));
}

/** An extended attribute of `path` itself, or undefined when it has none by that name. */
export function getXattr(path: string, name: string): Buffer | undefined {
  return addon().getXattr(path, name) ?? undefined;
}

/** Makes a character device node (mode holds the permission bits only). */
export function makeCharDevice(path: string, mode: number, major: number, minor: number): void {
  addon().mknod(path, S_IFCHR | (mode & 0o7777), major, minor);
}

/** Makes a device node, fifo or socket with a full st_mode (type and permission bits). */
export function makeNode(path: string, mode: number, major = 0, minor = 0): void {
  addon().mknod(path, mode, major, minor);
}

/**
 * Mounts an overlay of `lowers` (the top layer first) at `target`; with `upper` and `work`
 * it is writable, else read-only.
 */
export function mountOverlay(target: string, lowers: string[], upper?: string, work?: string): void {
  if (lowers.length === 0) throw new RangeError(`overlay at ${target} needs at least one lower directory`);
  // The kernel's rule: without an upper dir an overlay needs two lowers.
  if (lowers.length === 1 && !(upper && work)) throw new RangeError(`read-only overlay at ${target} needs at least two lower directories`);
  addon().mountOverlay(target, lowers, upper, work);
}

/** Unmounts `target` (never through a final symlink); `detach` for a lazy unmount. */
export function unmount(target: string, detach = false): void {
  addon().unmount(target, detach);
}
