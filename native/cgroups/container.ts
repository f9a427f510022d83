import fs from 'node:fs';
import path from 'node:path';
import { componentLogger } from '../../common/index.ts';
import { currentCgroupLayout, forgetCgroupLayout, type CgroupLayout } from './layout.ts';
import { CgroupError, makeDir, writeControl } from './files.ts';
import { destroyDirs, pidsIn, type DestroyOptions } from './destroy.ts';
import {
  copyCpuset, dirOf, ensureParents, existingDirs, forgetPreparedParents, placeContainer, v2ControllersToEnable, validId, versionOfDirs,
  type CgroupDir,
} from './placement.ts';
import { validateResources, type LinuxResources } from './resources.ts';
import { readOomKills, readStats, type CgroupStats } from './stats.ts';
import { translateResources, type ControlWrite } from './translate.ts';

const log = componentLogger('cgroups');

export interface CgroupOptions {
  /** The hierarchies to use; read from /proc/self/mountinfo when absent. */
  layout?: CgroupLayout;
  /** The directory under each hierarchy's root that holds container cgroups. */
  parent?: string;
}

export const DEFAULT_PARENT = 'skerry';

/** A container's cgroups: where they are, how the init joins them, usage, and removal. */
export interface ContainerCgroup {
  readonly id: string;
  /**
   * Directory per controller ("memory", "cpu", "cpuacct", "pids", "cpuset", "freezer",
   * "devices", whichever version serves it) plus "unified" for the v2 directory.
   */
  readonly paths: Readonly<Record<string, string>>;
  /** The cgroup.procs files the init writes "0" into, in order, before it execs. */
  readonly procsFiles: readonly string[];
  stats(): CgroupStats;
  /** True once the kernel OOM-killed a task of this container since its cgroup was made. */
  oomKilled(): boolean;
  /** Pids in the container's cgroups now. */
  pids(): number[];
  /** Kills what is left inside and removes every directory; the parents stay. */
  destroy(options?: DestroyOptions): Promise<void>;
}

/** A container's cgroups worked out (checked, placed, translated) but not made yet. */
export interface PlannedCgroup {
  /** The cgroup.procs files the init will write "0" into, as the made cgroup will list them. */
  readonly procsFiles: readonly string[];
  /** Makes the directories and applies the limits; see createContainerCgroup. */
  create(): ContainerCgroup;
}

/**
 * The first half of createContainerCgroup: everything that can be refused without touching
 * the host (CONFIG_INVALID naming the field), and where the directories will be. A runtime
 * can then start the container's shim and make the cgroups while the shim starts.
 */
export function planContainerCgroup(id: string, resources?: LinuxResources, options: CgroupOptions = {}): PlannedCgroup {
  validId(id);
  const request = validateResources(resources);
  const dirs = placeContainer(options.layout ?? currentCgroupLayout(), options.parent ?? DEFAULT_PARENT, id);
  if (dirs.length === 0) throw new Error(`cannot create cgroups for container ${id}: no cgroup hierarchy is mounted`);
  const writes = translateResources(request, versionOfDirs(dirs));
  return { procsFiles: procsFilesOf(dirs), create: () => makeContainerCgroup(id, dirs, writes) };
}

/**
 * Creates the cgroups of container `id` and applies `linux.resources` before any task
 * joins. Bad values throw CONFIG_INVALID naming the field before anything is created; a
 * kernel refusal throws a CgroupError naming the file and errno, and undoes the creation.
 */
export function createContainerCgroup(id: string, resources?: LinuxResources, options: CgroupOptions = {}): ContainerCgroup {
  return planContainerCgroup(id, resources, options).create();
}

function makeContainerCgroup(id: string, dirs: CgroupDir[], writes: ControlWrite[]): ContainerCgroup {
  const enable = v2ControllersToEnable(dirs, writes.map((w) => w.controller));
  try {
    makeBelowParents(id, dirs, writes, enable);
  } catch (error) {
    // Whatever was cached may be what went wrong: the next start checks it all again.
    forgetCgroupLayout();
    forgetPreparedParents();
    throw error;
  }
  // A new cgroup has seen no OOM kill: its baseline is 0 without reading it.
  const handle = new Handle(id, dirs, 0);
  log.debug({ id, paths: handle.paths }, 'created container cgroup');
  return handle;
}

function procsFilesOf(dirs: CgroupDir[]): readonly string[] {
  return Object.freeze(dirs.map((d) => path.join(d.dir, 'cgroup.procs')));
}

/** Readies the parents (once per process) and makes the container's directories below them. */
function makeBelowParents(id: string, dirs: CgroupDir[], writes: ControlWrite[], enable: string[]): void {
  const wasReady = ensureParents(dirs, enable);
  try {
    makeContainerDirs(id, dirs, writes);
  } catch (error) {
    // Parents readied earlier may have been removed or changed since: once more from scratch.
    if (!wasReady || !parentTrouble(error)) throw error;
    forgetPreparedParents();
    ensureParents(dirs, enable);
    makeContainerDirs(id, dirs, writes);
  }
}

/**
 * A failure that parents readied earlier and since removed or changed would cause: no
 * parent to make the directory in, or a parent's cpuset the child cannot take. (A limit
 * from the spec refused by the kernel names its field, and is the spec's trouble.)
 */
function parentTrouble(error: unknown): boolean {
  if (!(error instanceof CgroupError)) return false;
  return (error.syscall === 'mkdir' && error.code === 'ENOENT') || (error.field === undefined && /\/cpuset\.(cpus|mems)$/.test(error.path));
}

/** The container's directories and limits; on a failure, what was made is removed again. */
function makeContainerDirs(id: string, dirs: CgroupDir[], writes: ControlWrite[]): void {
  const made: CgroupDir[] = [];
  try {
    for (const d of dirs) {
      makeDir(d.dir, false);
      made.push(d);
      if (d.version === 1 && d.controllers.includes('cpuset')) copyCpuset(path.dirname(d.dir), d.dir);
    }
    applyWrites(dirs, writes);
  } catch (error) {
    removeUnjoined(id, made);
    throw error;
  }
}

// Nothing has joined yet, so rmdir cannot meet a process; a failure here is secondary to
// the error being reported, so it is logged rather than thrown.
function removeUnjoined(id: string, dirs: CgroupDir[]): void {
  for (const d of dirs) {
    try {
      fs.rmdirSync(d.dir);
    } catch (error) {
      log.error({ id, dir: d.dir, err: error }, 'could not remove a half-made container cgroup');
    }
  }
}

function applyWrites(dirs: CgroupDir[], writes: ControlWrite[]): void {
  for (const write of writes) {
    const d = dirOf(dirs, write.controller);
    // translateResources already refused controllers no hierarchy serves.
    if (!d) throw new Error(`no directory serves ${write.controller}`);
    writeControl(path.join(d.dir, write.file), write.value, write.field);
  }
}

/**
 * Reopens the cgroups of a container made earlier (by this agent before a restart), or
 * returns undefined when none of its directories exist.
 */
export function findContainerCgroup(id: string, options: CgroupOptions = {}): ContainerCgroup | undefined {
  validId(id);
  const dirs = existingDirs(placeContainer(options.layout ?? currentCgroupLayout(), options.parent ?? DEFAULT_PARENT, id));
  // The cgroup was new when made, so its OOM baseline was 0: kills before the restart count.
  return dirs.length === 0 ? undefined : new Handle(id, dirs, 0);
}

/** Ids of every container cgroup under the parent, in any hierarchy (for leak checks). */
export function listContainerCgroups(options: CgroupOptions = {}): string[] {
  const parent = options.parent ?? DEFAULT_PARENT;
  const ids = new Set<string>();
  for (const hierarchy of (options.layout ?? currentCgroupLayout()).hierarchies) {
    const dir = path.join(hierarchy.mountPoint, parent);
    if (!fs.existsSync(dir)) continue;
    for (const entry of fs.readdirSync(dir, { withFileTypes: true })) if (entry.isDirectory()) ids.add(entry.name);
  }
  return [...ids].sort();
}

class Handle implements ContainerCgroup {
  readonly paths: Readonly<Record<string, string>>;
  readonly procsFiles: readonly string[];

  constructor(readonly id: string, private readonly dirs: CgroupDir[], private readonly oomBaseline: number) {
    const paths: Record<string, string> = {};
    for (const d of dirs) {
      if (d.version === 2) paths.unified = d.dir;
      for (const controller of d.controllers) if (controller !== 'cgroup') paths[controller] = d.dir;
    }
    this.paths = Object.freeze(paths);
    this.procsFiles = procsFilesOf(dirs);
  }

  stats(): CgroupStats {
    return readStats(this.dirs);
  }

  oomKilled(): boolean {
    return readOomKills(this.dirs) > this.oomBaseline;
  }

  pids(): number[] {
    return pidsIn(this.dirs);
  }

  async destroy(options?: DestroyOptions): Promise<void> {
    await destroyDirs(this.dirs, options);
    log.debug({ id: this.id }, 'removed container cgroup');
  }
}
