// HOME for a process whose spec sets none, from the image's /etc/passwd, as crun and runc
// do; "/" when the user has no entry. The file belongs to the image (and, for an exec, to
// a running container): it is opened without following a final symlink and used only when
// the open file really is <rootfs>/etc/passwd, so a link cannot make the host's be read.
import fs from 'node:fs';
import path from 'node:path';
import type { OciSpec } from './spec.ts';

const MAX_ETC_BYTES = 4 << 20;

/**
 * <rootfs>/etc/<name> of an image (passwd, group), or undefined when it is absent, too big,
 * not a regular file, or reached through a symlink (also a symlinked /etc).
 */
export function readImageEtcFile(rootfs: string, name: string): string | undefined {
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
    if (!stat.isFile() || stat.size > MAX_ETC_BYTES) return undefined;
    return fs.readFileSync(fd, 'utf8');
  } catch {
    return undefined;
  } finally {
    fs.closeSync(fd);
  }
}

/** The home directory of `uid` in the image at `rootfs`, or "/" without an entry. */
export function homeOf(rootfs: string, uid: number): string {
  for (const line of (readImageEtcFile(rootfs, 'passwd') ?? '').split('\n')) {
    const fields = line.split(':');
    if (fields.length >= 7 && fields[2] === String(uid) && fields[5]) return fields[5];
  }
  return '/';
}

/** The spec with HOME added to process.env when it has none. */
export function withHome(spec: OciSpec, rootfs: string): OciSpec {
  if (spec.process.env.some((e) => e.startsWith('HOME='))) return spec;
  const env = [...spec.process.env, `HOME=${homeOf(rootfs, spec.process.user.uid)}`];
  return { ...spec, process: { ...spec.process, env } };
}
