// The kubelet's AtomicWriter: a volume's files live in a timestamped dir `..<time>.<hash>`,
// `..data` links to it, and each top-level name links through `..data`. An update writes a
// new dir and swaps `..data` with one rename, so a reader in the container sees the old
// set or the new one, never a mix. The hash in the dir's name says whether anything changed.
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import type { VolumeFile } from './projection.ts';

const DATA = '..data';

function fingerprint(files: VolumeFile[]): string {
  const hash = crypto.createHash('sha256');
  for (const f of [...files].sort((a, b) => a.path.localeCompare(b.path))) hash.update(`${f.path}\0${f.mode}\0${f.data.length}\0`).update(f.data);
  return hash.digest('hex').slice(0, 16);
}

function stamp(now: Date): string {
  const iso = now.toISOString();
  return `${iso.slice(0, 19).replace(/[-T:]/g, '_')}.${iso.slice(20, 23)}`;
}

function checkPath(file: string): void {
  const parts = file.split('/');
  if (path.isAbsolute(file) || parts.some((p) => p === '..' || p === '') || parts[0]!.startsWith('..')) {
    throw new Error(`volume file path ${JSON.stringify(file)} must be relative, without '..' and not start with '..'`);
  }
}

function writeDir(dir: string, files: VolumeFile[]): void {
  fs.mkdirSync(dir, { mode: 0o755 });
  for (const file of files) {
    checkPath(file.path);
    const target = path.join(dir, file.path);
    fs.mkdirSync(path.dirname(target), { recursive: true, mode: 0o755 });
    fs.writeFileSync(target, file.data, { mode: file.mode & 0o7777 });
    // writeFileSync's mode is masked by the umask; the volume's mode is exact.
    fs.chmodSync(target, file.mode & 0o7777);
  }
}

/** Replaces the volume's content with `files`; false when it already held exactly them. */
export function writeAtomically(volumeDir: string, files: VolumeFile[], now = new Date()): boolean {
  fs.mkdirSync(volumeDir, { recursive: true, mode: 0o755 });
  const hash = fingerprint(files);
  const dataLink = path.join(volumeDir, DATA);
  let old: string | undefined;
  try {
    old = fs.readlinkSync(dataLink);
  } catch {
    old = undefined;
  }
  if (old?.endsWith(`.${hash}`)) return false;
  const fresh = `..${stamp(now)}.${hash}`;
  writeDir(path.join(volumeDir, fresh), files);
  const temp = path.join(volumeDir, '..data_tmp');
  fs.rmSync(temp, { force: true });
  fs.symlinkSync(fresh, temp);
  fs.renameSync(temp, dataLink);
  const names = new Set(files.map((f) => f.path.split('/')[0]!));
  for (const name of names) {
    const link = path.join(volumeDir, name);
    if (!fs.existsSync(link)) fs.symlinkSync(path.join(DATA, name), link);
  }
  for (const entry of fs.readdirSync(volumeDir)) {
    if (entry.startsWith('..')) {
      if (entry !== DATA && entry !== fresh) fs.rmSync(path.join(volumeDir, entry), { recursive: true, force: true });
    } else if (!names.has(entry)) fs.rmSync(path.join(volumeDir, entry), { force: true });
  }
  return true;
}
