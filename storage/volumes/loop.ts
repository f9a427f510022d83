// Loop devices and mounts. State is read back from the kernel every time (sysfs, mountinfo),
// never remembered: after an agent restart or a reboot the kernel is the only truth.
import fs from 'node:fs';
import { mustRun } from './tools.ts';

/** The loop devices (/dev/loopN) whose backing file is `image` (an absolute, resolved path). */
export function loopsOf(image: string): string[] {
  let entries: string[];
  try {
    entries = fs.readdirSync('/sys/block').filter((e) => /^loop\d+$/.test(e));
  } catch {
    return [];
  }
  return entries.filter((e) => backingFile(e) === image).map((e) => `/dev/${e}`);
}

function backingFile(device: string): string | undefined {
  try {
    return fs.readFileSync(`/sys/block/${device}/loop/backing_file`, 'utf8').replace(/\n$/, '');
  } catch {
    return undefined; // not bound
  }
}

/**
 * Binds `image` to a free loop device with direct I/O: the image's pages are then cached once
 * (by the filesystem inside), not twice, which is what brings throughput to the host's.
 */
export async function attachLoop(image: string): Promise<string> {
  return (await mustRun('losetup', ['--find', '--show', '--direct-io=on', image])).trim();
}

/**
 * Detaches a loop device. On a device that is still mounted (here or in a pod's mount
 * namespace) the kernel sets autoclear instead, so the device goes with the last unmount.
 */
export async function releaseLoop(device: string): Promise<void> {
  await mustRun('losetup', ['--detach', device]);
}

/** Makes the loop device see its backing file's new size (LOOP_SET_CAPACITY). */
export async function refreshLoopCapacity(device: string): Promise<void> {
  await mustRun('losetup', ['--set-capacity', device]);
}

export interface MountEntry {
  source: string;
  fstype: string;
  /** Per-mount options merged with the superblock's (ro shows up in either). */
  options: string[];
}

/** What is mounted at `dir` in this mount namespace (the topmost mount), or undefined. */
export function mountAt(dir: string): MountEntry | undefined {
  let found: MountEntry | undefined;
  for (const line of fs.readFileSync('/proc/self/mountinfo', 'utf8').split('\n')) {
    const [left, right] = line.split(' - ');
    if (!left || !right) continue;
    const fields = left.split(' ');
    if (unescape(fields[4] ?? '') !== dir) continue;
    const [fstype = '', source = '', superOptions = ''] = right.split(' ');
    found = { source: unescape(source), fstype, options: [...(fields[5] ?? '').split(','), ...superOptions.split(',')] };
  }
  return found;
}

/** mountinfo escapes space, tab, newline and backslash as octal. */
function unescape(field: string): string {
  return field.replace(/\\([0-7]{3})/g, (_, octal: string) => String.fromCharCode(parseInt(octal, 8)));
}

/**
 * Mounts an ext4 loop device. noatime: reads do not turn into journal writes;
 * errors=remount-ro: a filesystem error stops further writes instead of spreading damage,
 * and inspect() reports the volume Damaged.
 */
export async function mountDevice(device: string, dir: string): Promise<void> {
  await mustRun('mount', ['-t', 'ext4', '-o', 'noatime,errors=remount-ro', device, dir]);
}

export async function unmountDir(dir: string): Promise<void> {
  await mustRun('umount', [dir]);
}
