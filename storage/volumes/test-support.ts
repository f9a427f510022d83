// Shared by the volume tests: when the kernel tests can run, and how each test removes every
// mount, loop device and file it made under its own root, also after a failure.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

/** Why kernel tests cannot run here, or undefined when they can. */
export function kernelSkipReason(): string | undefined {
  if (process.getuid?.() !== 0) return 'needs root (loop devices, mount)';
  if (!fs.existsSync('/dev/loop-control')) return 'needs /dev/loop-control';
  const missing = ['/usr/sbin/mkfs.ext4', '/usr/sbin/resize2fs', '/usr/sbin/e2fsck'].filter((tool) => !fs.existsSync(tool));
  if (missing.length > 0) return `needs e2fsprogs (${missing.join(', ')})`;
  return undefined;
}

/** A fresh directory unique to one test. */
export function makeTestRoot(label: string): string {
  return fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), `skerry-volumes-${label}-`)));
}

function mountsUnder(root: string): string[] {
  const points = fs.readFileSync('/proc/self/mountinfo', 'utf8').split('\n').map((line) => line.split(' ')[4] ?? '');
  return points.filter((p) => p === root || p.startsWith(`${root}/`)).sort((a, b) => b.length - a.length);
}

export function loopsUnder(root: string): string[] {
  return fs
    .readdirSync('/sys/block')
    .filter((e) => e.startsWith('loop'))
    .filter((e) => {
      try {
        return fs.readFileSync(`/sys/block/${e}/loop/backing_file`, 'utf8').startsWith(`${root}/`);
      } catch {
        return false;
      }
    })
    .map((e) => `/dev/${e}`);
}

/** Unmounts everything under `root` (deepest first, `root` itself last), detaches its loops, deletes it. */
export function removeTestRoot(root: string): void {
  for (const point of mountsUnder(root).filter((p) => p !== root)) execFileSync('/usr/bin/umount', [point]);
  for (const device of loopsUnder(root)) execFileSync('/usr/sbin/losetup', ['--detach', device]);
  if (mountsUnder(root).includes(root)) execFileSync('/usr/bin/umount', [root]);
  fs.rmSync(root, { recursive: true, force: true });
}

export { mountsUnder };
