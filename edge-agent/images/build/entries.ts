// What one COPY puts in its layer, computed before anything is written: Docker's
// destination rules (a directory source copies its contents; several sources need a
// destination ending in /), the parent directories the base image lacks, ownership from
// --chown (root otherwise), and hardlinks kept as hardlinks. Entries are sorted so the same
// tree always gives the same tar.
import fs from 'node:fs';
import path from 'node:path';
import { SkerryError } from '../../../common/index.ts';
import type { Source } from './context.ts';

export interface LayerEntry {
  /** Path in the image, relative to / (no leading slash). */
  name: string;
  type: 'file' | 'directory' | 'symlink' | 'link';
  mode: number;
  uid: number;
  gid: number;
  /** Host file a 'file' entry's bytes come from. */
  source?: string;
  size?: number;
  /** Symlink target, or the entry a hardlink ('link') points at. */
  linkname?: string;
}

export interface CopyOptions {
  /** Absolute destination in the image, with a trailing / when it names a directory. */
  dest: string;
  owner?: { uid: number; gid: number };
  /** --chmod: replaces the permission bits of every copied file and directory. */
  mode?: number;
  /**
   * What the base image has at a path (relative, no leading /): parents it has are not
   * written again, and a destination that is a directory there is one here too.
   */
  baseKind(name: string): 'directory' | 'other' | undefined;
}

function kindOf(stat: fs.Stats, file: string): LayerEntry['type'] {
  if (stat.isFile()) return 'file';
  if (stat.isDirectory()) return 'directory';
  if (stat.isSymbolicLink()) return 'symlink';
  throw new SkerryError('BUILD_INVALID', `${file} is a device, fifo or socket; COPY takes files, directories and symlinks`, { file });
}

class EntrySet {
  private readonly entries = new Map<string, LayerEntry>();
  private readonly inodes = new Map<string, string>();

  constructor(private readonly options: CopyOptions) {}

  add(name: string, file: string, stat: fs.Stats): void {
    const type = kindOf(stat, file);
    const owner = this.options.owner ?? { uid: 0, gid: 0 };
    const mode = type !== 'symlink' && this.options.mode !== undefined ? this.options.mode : stat.mode & 0o7777;
    const entry: LayerEntry = { name, type, mode, ...owner };
    if (type === 'file') Object.assign(entry, { source: file, size: stat.size, inode: `${stat.dev}:${stat.ino}`, nlink: stat.nlink });
    if (type === 'symlink') entry.linkname = fs.readlinkSync(file);
    this.entries.set(name, entry);
  }

  /** Parent directories of `name` the base image does not have: created 0755, as Docker does. */
  addParents(name: string): void {
    const owner = this.options.owner ?? { uid: 0, gid: 0 };
    for (let parent = path.posix.dirname(name); parent !== '.' && parent !== '/'; parent = path.posix.dirname(parent)) {
      if (this.entries.has(parent) || this.options.baseKind(parent)) continue;
      this.entries.set(parent, { name: parent, type: 'directory', mode: 0o755, ...owner });
    }
  }

  addTree(root: string, destDir: string): void {
    for (const name of fs.readdirSync(root).sort()) {
      const file = path.join(root, name);
      const stat = fs.lstatSync(file);
      const dest = destDir ? `${destDir}/${name}` : name;
      this.add(dest, file, stat);
      if (stat.isDirectory()) this.addTree(file, dest);
    }
  }

  /** Sorted (a parent before its children); a second path of one inode becomes a hardlink. */
  sorted(): LayerEntry[] {
    const list = [...this.entries.values()].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    return list.map((entry) => {
      const { inode, nlink, ...plain } = entry as LayerEntry & { inode?: string; nlink?: number };
      if (!inode || (nlink ?? 1) < 2) return plain;
      const first = this.inodes.get(inode);
      if (!first) return this.inodes.set(inode, entry.name), plain;
      return { name: plain.name, type: 'link' as const, mode: plain.mode, uid: plain.uid, gid: plain.gid, linkname: first };
    });
  }
}

/** The entries of `COPY sources… dest`. */
export function copyEntries(sources: Source[], options: CopyOptions): LayerEntry[] {
  const dest = path.posix.normalize(options.dest).replace(/^\/+|\/+$/g, '');
  const destIsDir = options.dest.endsWith('/') || !dest || options.baseKind(dest) === 'directory';
  if (sources.length > 1 && !destIsDir) {
    throw new SkerryError('BUILD_INVALID', `COPY with more than one source needs a destination directory ending in / (got ${JSON.stringify(options.dest)})`);
  }
  const set = new EntrySet(options);
  for (const source of sources) {
    if (source.stat.isDirectory()) {
      // The directory's contents go to dest; dest itself is created unless the base has it.
      if (dest) set.addParents(`${dest}/x`);
      set.addTree(source.real, dest);
      continue;
    }
    const name = destIsDir ? (dest ? `${dest}/${source.name}` : source.name) : dest;
    set.addParents(name);
    set.add(name, source.real, source.stat);
  }
  return set.sorted();
}

/** WORKDIR's directory and its parents, where neither the base nor this build has them yet. */
export function directoryEntries(dir: string, options: Omit<CopyOptions, 'dest' | 'mode'>): LayerEntry[] {
  const name = path.posix.normalize(dir).replace(/^\/+|\/+$/g, '');
  if (!name) return [];
  const set = new EntrySet({ ...options, dest: dir });
  set.addParents(`${name}/x`);
  return set.sorted();
}
