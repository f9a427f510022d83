// Reading the image's /etc/passwd and /etc/group from a prepared rootfs without letting the
// image point us at host files: opened without following a final symlink, and used only
// when the open file really is <rootfs>/etc/<name> (a symlinked /etc is caught too).
import fs from 'node:fs';
import path from 'node:path';
import type { ImageAccounts } from './user.ts';

const MAX_BYTES = 4 << 20;

function readImageEtc(rootfs: string, name: string): string | undefined {
  const file = path.join(rootfs, 'etc', name);
  let fd: number;
  try {
    fd = fs.openSync(file, fs.constants.O_RDONLY | fs.constants.O_NOFOLLOW | fs.constants.O_NONBLOCK);
  } catch {
    return undefined;
  }
  try {
    if (fs.readlinkSync(`/proc/self/fd/${fd}`) !== file) return undefined;
    const stat = fs.fstatSync(fd);
    return stat.isFile() && stat.size <= MAX_BYTES ? fs.readFileSync(fd, 'utf8') : undefined;
  } catch {
    return undefined;
  } finally {
    fs.closeSync(fd);
  }
}

export function readImageAccounts(rootfs: string): ImageAccounts {
  const passwd = readImageEtc(rootfs, 'passwd');
  const group = readImageEtc(rootfs, 'group');
  return { ...(passwd !== undefined && { passwd }), ...(group !== undefined && { group }) };
}
