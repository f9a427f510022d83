// One checked entry made real on disk, inside the layer directory and nowhere else.
// Every node is made by a call that fails on an existing name instead of following it
// (open O_CREAT|O_EXCL|O_NOFOLLOW, mkdir, symlink, link, mknod), under parents the
// LayerTree vouches for; metadata goes to the node itself (fchown/fchmod/futimes on the
// open file, lchown/lutimes on the rest), so no step resolves a path through a symlink.
import fs from 'node:fs';
import { componentLogger } from '../../../common/index.ts';
import { makeCharDevice, makeNode, setXattr } from '../../../native/index.ts';
import { CLOSE_CHMOD, CLOSE_CHOWN, type FileWriter } from './filewriter.ts';
import { unsafe, type Entry } from './header.ts';
import { currentUmask, needsChmod } from './modes.ts';
import { splitName } from './names.ts';
import { needsChown } from './ownership.ts';
import type { DirNode, LayerTree } from './tree.ts';
import { classifyWhiteout, OPAQUE_XATTR } from './whiteout.ts';

const log = componentLogger('images');

// O_NOFOLLOW is implied by O_EXCL with O_CREAT; it is here for the reader. libuv adds O_CLOEXEC.
const { O_WRONLY, O_CREAT, O_EXCL, O_NOFOLLOW } = fs.constants;
const CREATE_FILE = O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW;
const S_IFIFO = 0o010000;
/** Files from this size on are written on this thread (see writeFile). */
const FORWARD_MAX_BYTES = 256 * 1024;

/** Skip records kept in the result: a hostile layer of a million devices must not cost a million records. */
const MAX_SKIP_RECORDS = 1000;

export interface Skip {
  name: string;
  reason: string;
}

export class Materializer {
  private readonly umask = currentUmask();
  private readonly skipped: Skip[] = [];
  private skippedBeyondRecords = 0;
  /** The open file of the entry whose data is being read, if any. */
  private fd = -1;
  /** The file entry whose data is being read, if any. */
  private entry: Entry | undefined;
  /** Whether that file goes to the writer thread rather than fd. */
  private forwarded = false;
  private written = 0;

  /** @param writer makes regular files on a second thread (filewriter.ts); without it, here. */
  constructor(
    private readonly tree: LayerTree,
    private readonly maxNameBytes: number,
    private readonly writer?: FileWriter,
  ) {}

  /** File content bytes written. */
  get bytes(): number {
    return this.written;
  }

  /**
   * Makes `entry`, or for a file opens it for the data() that follows, until end().
   * Throws for a refusal found before anything was made.
   */
  apply(entry: Entry): void {
    const path = entry.path;
    const whiteout = classifyWhiteout(path);
    if (whiteout.kind === 'unsafe') throw unsafe(entry.index, entry.name, whiteout.why);

    if (path.length === 0) {
      // "/" or "./": the layer's own root, whose metadata is the target directory's.
      if (entry.type !== 'directory') throw unsafe(entry.index, entry.name, `the layer root is a ${entry.type}, not a directory`);
      this.tree.top.meta = { mode: entry.mode, uid: entry.uid, gid: entry.gid, mtime: entry.mtime };
      return;
    }
    if (entry.xattrs.length > 0) {
      // PAX values are decoded as UTF-8 text, which mangles binary ones such as
      // security.capability; and trusted.overlay.* ones would steer overlayfs itself.
      this.skip(entry, `extended attributes not applied: ${entry.xattrs.join(', ')}`);
    }

    switch (whiteout.kind) {
      case 'aufs':
        this.skip(entry, 'aufs whiteout bookkeeping, meaningless to overlayfs');
        return;
      case 'opaque':
        this.tree.parentOf(path, entry);
        // The directory's files may still be queued: set the xattr after them, in tar order.
        this.writer?.settle();
        setXattr(this.tree.pathOf(path, path.length - 1), OPAQUE_XATTR, 'y');
        return;
      case 'whiteout': {
        const parent = this.tree.parentOf(path, entry);
        const where = `${this.tree.pathOf(path, path.length - 1)}/${whiteout.hides}`;
        this.tree.create(parent, whiteout.hides, where, () => makeCharDevice(where, 0, 0, 0));
        return;
      }
      case 'none':
        break;
    }

    const parent = this.tree.parentOf(path, entry);
    const base = path[path.length - 1]!;
    const where = this.tree.pathOf(path);
    switch (entry.type) {
      case 'file':
        return this.openFile(entry, parent, base, where);
      case 'directory':
        this.tree.makeDir(parent, base, where, { mode: entry.mode, uid: entry.uid, gid: entry.gid, mtime: entry.mtime });
        return;
      case 'symlink':
        if (entry.link === '') {
          this.skip(entry, 'a symlink with an empty target cannot exist on Linux');
          return;
        }
        this.tree.create(parent, base, where, () => fs.symlinkSync(entry.link!, where));
        if (needsChown(entry.uid, entry.gid)) fs.lchownSync(where, entry.uid, entry.gid);
        fs.lutimesSync(where, entry.mtime, entry.mtime);
        return;
      case 'link':
        return this.hardLink(entry, parent, base, where);
      case 'fifo':
        // Kept, as Docker keeps them: a fifo holds no data and reaches no device.
        this.tree.create(parent, base, where, () => makeNode(where, S_IFIFO | (entry.mode & 0o777), 0, 0));
        if (needsChown(entry.uid, entry.gid)) fs.lchownSync(where, entry.uid, entry.gid);
        // chmod of a fifo we just made never opens it.
        if (needsChmod(entry.mode, this.umask)) fs.chmodSync(where, entry.mode);
        fs.lutimesSync(where, entry.mtime, entry.mtime);
        return;
      case 'character-device':
      case 'block-device':
        // Docker makes these when root; from untrusted input we do not: a device node in a
        // layer is a way to reach host hardware, and a container gets its /dev from the
        // runtime. A 0:0 character device is skipped too: in a layer it is not a whiteout.
        this.skip(entry, `${entry.type} nodes are not unpacked from a layer (the runtime provides /dev)`);
        return;
    }
  }

  /**
   * The next piece of the current entry's data: written to its file, or dropped.
   *
   * Writes (like every other file system call here) are synchronous. Measured on the bench
   * machine (2 vCPUs), making 10,000 small files with async calls (open, write, futimes,
   * close on the thread pool, 1 to 16 files in flight) took 600–1,300 ms where the same
   * sync calls took 150–180 ms: each thread-pool round trip costs the main thread tens of
   * microseconds of futex wake-ups, and the reader cannot move past an entry before its
   * file is done either way. What does overlap is reading and gunzip (readahead.ts), and
   * the system calls themselves once they run on the writer threads (filewriter.ts).
   */
  data(piece: Buffer): void {
    if (this.forwarded) this.writer!.data(piece);
    else if (this.fd >= 0) {
      for (let offset = 0; offset < piece.length; ) offset += fs.writeSync(this.fd, piece, offset);
    } else return;
    this.written += piece.length;
  }

  /** The current entry's data is complete: a file gets its owner, mode and times, and is closed. */
  end(): void {
    const entry = this.entry;
    if (entry === undefined) return;
    this.entry = undefined;
    if (this.forwarded) {
      this.forwarded = false;
      const flags = (needsChown(entry.uid, entry.gid) ? CLOSE_CHOWN : 0) | (needsChmod(entry.mode, this.umask) ? CLOSE_CHMOD : 0);
      this.writer!.close(flags, entry.uid, entry.gid, entry.mode, entry.mtime);
      return;
    }
    const fd = this.fd;
    try {
      // Owner before mode: chown(2) clears setuid and setgid bits.
      if (needsChown(entry.uid, entry.gid)) fs.fchownSync(fd, entry.uid, entry.gid);
      if (needsChmod(entry.mode, this.umask)) fs.fchmodSync(fd, entry.mode);
      fs.futimesSync(fd, entry.mtime, entry.mtime);
    } finally {
      this.closeFile();
    }
  }

  /** After a failure: closes the file being written, and no byte is written anymore. */
  stop(): void {
    if (this.forwarded) this.writer!.reset();
    this.forwarded = false;
    this.entry = undefined;
    this.closeFile();
  }

  /** The skip list for the result, with a last line for records beyond the cap. */
  skips(): Skip[] {
    if (this.skippedBeyondRecords === 0) return this.skipped;
    return [...this.skipped, { name: '', reason: `${this.skippedBeyondRecords} more entries skipped, not listed` }];
  }

  private openFile(entry: Entry, parent: DirNode, base: string, where: string): void {
    // A directory at this name must be removed first, which is for this thread to do. Big
    // files are written here too, after the queue: their system calls are few, and copying
    // their bytes to the writer made the bench's big-files layer slower, not faster.
    if (this.writer !== undefined && entry.size < FORWARD_MAX_BYTES && !parent.children.has(base)) {
      this.writer.open(where, entry.mode & 0o777, parent.lane);
      this.forwarded = true;
      this.entry = entry;
      return;
    }
    this.writer?.settle();
    let fd: number;
    try {
      fd = fs.openSync(where, CREATE_FILE, entry.mode & 0o777);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      // A later entry of the same path replaces the earlier one.
      this.tree.remove(parent, base, where);
      fd = fs.openSync(where, CREATE_FILE, entry.mode & 0o777);
    }
    this.fd = fd;
    this.entry = entry;
  }

  private closeFile(): void {
    const fd = this.fd;
    this.fd = -1;
    if (fd >= 0) fs.closeSync(fd);
  }

  /**
   * A hard link must name a regular file this layer already holds, reached through real
   * directories only: a link to anything else would let a layer share an inode with a
   * file outside it, or put a second name on a device, a fifo or a symlink.
   */
  private hardLink(entry: Entry, parent: DirNode, base: string, where: string): void {
    // The target, or what stands in its way, may still be queued.
    this.writer?.settle();
    const about = `its link target ${JSON.stringify(entry.link)}`;
    const target = splitName(entry.link!, this.maxNameBytes);
    if (typeof target === 'string') throw unsafe(entry.index, entry.name, `${about}: ${target}`);
    if (target.length === 0) throw unsafe(entry.index, entry.name, `${about} is the layer root`);
    if (target.length === entry.path.length && target.every((c, i) => c === entry.path[i])) throw unsafe(entry.index, entry.name, `${about} is the entry itself`);
    const targetParent = this.tree.existingParentOf(target, entry, about);
    if (targetParent.children.has(target[target.length - 1]!)) throw unsafe(entry.index, entry.name, `${about} is a directory`);
    const targetPath = this.tree.pathOf(target);
    let stat: fs.Stats;
    try {
      stat = fs.lstatSync(targetPath);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') throw unsafe(entry.index, entry.name, `${about} does not exist in this layer (yet)`);
      throw error;
    }
    if (!stat.isFile()) throw unsafe(entry.index, entry.name, `${about} is a ${describe(stat)}, not a regular file`);
    try {
      this.tree.create(parent, base, where, () => fs.linkSync(targetPath, where));
    } catch (error) {
      // Replacing what was at this entry's path removed the target, which lay beneath it.
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') throw unsafe(entry.index, entry.name, `${about} was removed when this entry replaced what was at its path`);
      throw error;
    }
  }

  private skip(entry: Entry, reason: string): void {
    if (this.skipped.length < MAX_SKIP_RECORDS) this.skipped.push({ name: entry.name, reason });
    else this.skippedBeyondRecords++;
    log.debug({ entry: entry.index, name: entry.name, reason }, 'layer entry skipped');
  }
}

function describe(stat: fs.Stats): string {
  if (stat.isSymbolicLink()) return 'symlink';
  if (stat.isCharacterDevice()) return 'character device';
  if (stat.isBlockDevice()) return 'block device';
  if (stat.isFIFO()) return 'fifo';
  if (stat.isDirectory()) return 'directory';
  return 'special file';
}
