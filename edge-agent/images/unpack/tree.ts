// The directories this layer has made, as a tree of names. It is how the unpacker knows,
// without a system call per component, that a path leads through real directories only.
//
// Why that holds: the target directory is fresh and private (0700, ours) while we work, so
// only this unpacker writes there; every directory below it is made here by mkdir(2), which
// fails on anything already present rather than reuse or follow it; and each one is recorded
// here the moment it exists and dropped the moment it is removed. So a name that is a
// directory in this tree is a real directory on disk, and a name that is not is either
// nothing or a non-directory (a file, a symlink, ...): lstat tells which, when it matters.
import fs from 'node:fs';
import { unsafe } from './header.ts';
import { needsChown } from './ownership.ts';

/** Waits for queued file writes (filewriter.ts): before anything that sees or changes what they make. */
export interface WriteBarrier {
  settle(): void;
  /** Settles only if a file is queued at `where`. */
  settleFor(where: string): void;
}

/** Which entry a refusal is about. */
export interface EntryLabel {
  index: number;
  name: string;
}

export interface DirMeta {
  mode: number;
  uid?: number;
  gid?: number;
  mtime?: number;
}

export interface DirNode {
  children: Map<string, DirNode>;
  /** The writer lane of the files made in it (filewriter.ts): directories take turns. */
  lane: number;
  /** Applied when the layer is complete, so a read-only directory does not block writes below it. */
  meta?: DirMeta;
}

/** Mode of parent directories a tar leaves out: what Docker and GNU tar make them. */
const IMPLICIT_DIR_MODE = 0o755;
/** Mode of a directory while entries are written into it. */
const WORKING_DIR_MODE = 0o700;

export class LayerTree {
  readonly top: DirNode = { children: new Map(), lane: 0, meta: { mode: IMPLICIT_DIR_MODE } };
  private lanes = 0;

  /**
   * @param root absolute path of the (fresh, private) layer directory
   * @param countDir charges a directory the tar did not name against the entry limit
   */
  constructor(
    readonly root: string,
    private readonly countDir: (relative: string) => void,
    private readonly barrier?: WriteBarrier,
  ) {}

  /** Absolute path of the first `count` components. */
  pathOf(components: readonly string[], count = components.length): string {
    let result = this.root;
    for (let i = 0; i < count; i++) result += `/${components[i]}`;
    return result;
  }

  /**
   * The directory that will hold the last component, making parents the tar left out.
   * Throws LAYER_UNSAFE when a parent is something other than a directory.
   */
  parentOf(components: readonly string[], entry: EntryLabel): DirNode {
    let node = this.top;
    for (let i = 0; i < components.length - 1; i++) {
      const name = components[i]!;
      let child = node.children.get(name);
      if (child === undefined) {
        const relative = components.slice(0, i + 1).join('/');
        const where = this.pathOf(components, i + 1);
        this.countDir(relative);
        this.barrier?.settleFor(where);
        try {
          fs.mkdirSync(where, IMPLICIT_DIR_MODE);
        } catch (error) {
          if ((error as NodeJS.ErrnoException).code === 'EEXIST') throw unsafe(entry.index, entry.name, this.whyNotDirectory(where, relative));
          throw error;
        }
        child = { children: new Map(), lane: ++this.lanes, meta: { mode: IMPLICIT_DIR_MODE } };
        node.children.set(name, child);
      }
      node = child;
    }
    return node;
  }

  /**
   * The directory holding the last component when every parent already exists as a
   * directory of this layer; makes nothing. For hard link targets.
   */
  existingParentOf(components: readonly string[], entry: EntryLabel, about: string): DirNode {
    let node = this.top;
    for (let i = 0; i < components.length - 1; i++) {
      const child = node.children.get(components[i]!);
      if (child === undefined) {
        const relative = components.slice(0, i + 1).join('/');
        const where = this.pathOf(components, i + 1);
        const exists = fs.existsSync(where) || isSymlink(where);
        throw unsafe(entry.index, entry.name, `${about}: ${exists ? this.whyNotDirectory(where, relative) : `"${relative}" does not exist in this layer`}`);
      }
      node = child;
    }
    return node;
  }

  /** Makes directory `name` in `parent` (replacing a non-directory there) and records it. */
  makeDir(parent: DirNode, name: string, where: string, meta: DirMeta): DirNode {
    const existing = parent.children.get(name);
    if (existing) {
      // A directory entry for an existing directory keeps its contents, as tar does.
      existing.meta = meta;
      return existing;
    }
    this.barrier?.settleFor(where);
    try {
      fs.mkdirSync(where, WORKING_DIR_MODE);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      this.remove(parent, name, where);
      fs.mkdirSync(where, WORKING_DIR_MODE);
    }
    const node: DirNode = { children: new Map(), lane: ++this.lanes, meta };
    parent.children.set(name, node);
    return node;
  }

  /**
   * Runs `make` (a system call that fails with EEXIST rather than follow or reuse what is
   * there); if the name is taken, removes what this layer put there first and runs it
   * again: a later entry of the same path replaces the earlier one.
   */
  create<T>(parent: DirNode, name: string, where: string, make: () => T): T {
    this.barrier?.settle();
    try {
      return make();
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    }
    this.remove(parent, name, where);
    return make();
  }

  /** Removes what this layer made at `name` in `parent`; never follows a symlink. */
  remove(parent: DirNode, name: string, where: string): void {
    this.barrier?.settle();
    if (parent.children.has(name)) {
      // rm's recursion lstats and unlinks symlinks, never descending through one.
      fs.rmSync(where, { recursive: true, force: true });
      parent.children.delete(name);
    } else {
      fs.unlinkSync(where);
    }
  }

  /** Applies directory modes, owners and times, deepest first; the root last. */
  finish(): void {
    this.barrier?.settle();
    const visit = (node: DirNode, where: string) => {
      for (const [name, child] of node.children) visit(child, `${where}/${name}`);
      const meta = node.meta;
      if (!meta) return;
      if (meta.uid !== undefined && meta.gid !== undefined && needsChown(meta.uid, meta.gid)) fs.lchownSync(where, meta.uid, meta.gid);
      // chmod(2) follows symlinks, but every node here is a real directory (see the top).
      fs.chmodSync(where, meta.mode);
      if (meta.mtime !== undefined) fs.lutimesSync(where, meta.mtime, meta.mtime);
    };
    visit(this.top, this.root);
  }

  private whyNotDirectory(where: string, relative: string): string {
    return isSymlink(where)
      ? `its parent "${relative}" is a symlink, and a layer is never unpacked through one`
      : `its parent "${relative}" is not a directory`;
  }
}

function isSymlink(where: string): boolean {
  try {
    return fs.lstatSync(where).isSymbolicLink();
  } catch {
    return false;
  }
}
