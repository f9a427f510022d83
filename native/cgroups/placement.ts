import fs from 'node:fs';
import path from 'node:path';
import { componentLogger } from '../../common/index.ts';
import { hierarchyFor, type CgroupHierarchy, type CgroupLayout } from './layout.ts';
import { CgroupError, invalid, makeDir, readControl, writeControl } from './files.ts';
import type { VersionOf } from './translate.ts';

const log = componentLogger('cgroups');

/** One directory of a container's cgroup: a v1 hierarchy's, or the v2 one. */
export interface CgroupDir {
  version: 1 | 2;
  mountPoint: string;
  dir: string;
  /** Controllers served from this directory ("cgroup" stands for v2's core files). */
  controllers: string[];
}

/**
 * v1 controllers a container joins, in the order its init joins them: freezer first so a
 * half-joined container can still be frozen and killed, devices last. The v2 directory
 * (when a cgroup2 mount exists) goes before all of them, for cgroup.kill.
 */
const V1_CONTROLLERS = ['freezer', 'pids', 'memory', 'cpu', 'cpuacct', 'cpuset', 'devices'];
const V2_CONTROLLERS = ['memory', 'cpu', 'pids', 'cpuset', 'io', 'hugetlb', 'misc', 'rdma'];
/** What a pure v2 container always gets, for limits and stats even when the spec sets none. */
const V2_DEFAULT_ENABLE = ['memory', 'cpu', 'pids'];

export function validId(id: string): void {
  // The id becomes a directory name in every hierarchy: no separators, no dot names.
  if (typeof id !== 'string' || !/^[A-Za-z0-9][A-Za-z0-9_.-]{0,127}$/.test(id)) {
    throw invalid('container id', `must be 1-128 letters, digits, "_", "." or "-" starting with a letter or digit, got ${JSON.stringify(id)}`);
  }
}

/** The directories a container `id` has (or would have) under `parent` in this layout. */
export function placeContainer(layout: CgroupLayout, parent: string, id: string): CgroupDir[] {
  const dirs: CgroupDir[] = [];
  const unified = layout.hierarchies.find((h) => h.version === 2);
  if (unified) {
    const served = V2_CONTROLLERS.filter((c) => hierarchyFor(layout, c) === unified);
    dirs.push(entry(unified, parent, id, [...served, 'cgroup']));
  }
  const seen = new Set<CgroupHierarchy>();
  for (const controller of V1_CONTROLLERS) {
    const hierarchy = hierarchyFor(layout, controller);
    if (!hierarchy || hierarchy.version !== 1 || seen.has(hierarchy)) continue;
    seen.add(hierarchy);
    dirs.push(entry(hierarchy, parent, id, V1_CONTROLLERS.filter((c) => hierarchy.controllers.includes(c))));
  }
  return dirs;
}

function entry(hierarchy: CgroupHierarchy, parent: string, id: string, controllers: string[]): CgroupDir {
  return { version: hierarchy.version, mountPoint: hierarchy.mountPoint, dir: path.join(hierarchy.mountPoint, parent, id), controllers };
}

/** The directory serving a controller, if the container has one. */
export function dirOf(dirs: CgroupDir[], controller: string): CgroupDir | undefined {
  return dirs.find((d) => d.controllers.includes(controller));
}

export function versionOfDirs(dirs: CgroupDir[]): VersionOf {
  return (controller) => {
    if (controller === 'devices' && !dirOf(dirs, 'devices')) return dirOf(dirs, 'cgroup') ? 2 : undefined;
    return dirOf(dirs, controller)?.version;
  };
}

/**
 * Creates the kept `parent` directories and readies them: v1 cpuset needs cpus and mems
 * before any task may join below, and v2 controllers must be enabled top-down in
 * cgroup.subtree_control. `enable` lists the v2 controllers the container needs.
 */
export function prepareParents(dirs: CgroupDir[], enable: string[]): void {
  for (const d of dirs) {
    const parentDir = path.dirname(d.dir);
    if (makeDir(parentDir, true)) log.debug({ dir: parentDir }, 'created the skerry cgroup parent');
    if (d.version === 1 && d.controllers.includes('cpuset')) inheritCpuset(d.mountPoint, parentDir);
    if (d.version === 2) enableControllers(d, enable);
  }
}

const preparedParents = new Set<string>();

function parentsKey(dirs: CgroupDir[], enable: string[]): string {
  return `${dirs.map((d) => path.dirname(d.dir)).join('\n')}\n${enable.join(',')}`;
}

/**
 * prepareParents once per process for the same directories and controllers: skerry never
 * removes its parents, so once ready they stay ready, and a start need not repeat the
 * mkdir, cpuset and subtree_control checks of every hierarchy (16 files on a hybrid host).
 * Returns whether they were ready already; whoever then meets a failure below them calls
 * forgetPreparedParents() and tries again, in case they were removed or changed.
 */
export function ensureParents(dirs: CgroupDir[], enable: string[]): boolean {
  const key = parentsKey(dirs, enable);
  if (preparedParents.has(key)) return true;
  prepareParents(dirs, enable);
  preparedParents.add(key);
  return false;
}

export function forgetPreparedParents(): void {
  preparedParents.clear();
}

/**
 * inheritCpuset for a directory just made: it is empty unless cgroup.clone_children copied
 * the values already, and writing them again is harmless, so the parent's values are
 * written without reading the child's. The files exist: it is a cpuset hierarchy.
 */
export function copyCpuset(fromDir: string, toDir: string): void {
  for (const name of ['cpuset.cpus', 'cpuset.mems']) {
    const value = readControl(path.join(fromDir, name)) ?? '';
    const file = path.join(toDir, name);
    try {
      fs.writeFileSync(file, value, { flag: 'r+' });
    } catch (error) {
      throw new CgroupError('write', file, error as NodeJS.ErrnoException, ` "${value}"`);
    }
  }
}

/** Which v2 controllers to enable for a container, given the files it will write. */
export function v2ControllersToEnable(dirs: CgroupDir[], writeControllers: string[]): string[] {
  const v2 = dirs.find((d) => d.version === 2);
  if (!v2) return [];
  const wanted = new Set([...V2_DEFAULT_ENABLE, ...writeControllers]);
  return v2.controllers.filter((c) => c !== 'cgroup' && wanted.has(c));
}

// "No internal processes": the parent only ever holds cgroups, never tasks, so enabling
// controllers in its subtree_control is allowed; the hierarchy root is exempt from the rule.
function enableControllers(d: CgroupDir, controllers: string[]): void {
  const parentDir = path.dirname(d.dir);
  for (const dir of [d.mountPoint, parentDir]) {
    const file = path.join(dir, 'cgroup.subtree_control');
    const enabled = new Set((readControl(file) ?? '').split(/\s+/));
    for (const controller of controllers) {
      if (enabled.has(controller)) continue;
      writeControl(file, `+${controller}`, `cgroup v2 controller ${controller}`);
      log.debug({ file, controller }, 'enabled a cgroup v2 controller');
    }
  }
}

/** A new v1 cpuset starts with empty cpus and mems, and no task can join it until they are set. */
export function inheritCpuset(fromDir: string, toDir: string): void {
  for (const name of ['cpuset.cpus', 'cpuset.mems']) {
    const file = path.join(toDir, name);
    if ((readControl(file) ?? '') !== '') continue;
    writeControl(file, readControl(path.join(fromDir, name)) ?? '');
  }
}

export function existingDirs(dirs: CgroupDir[]): CgroupDir[] {
  return dirs.filter((d) => fs.existsSync(d.dir));
}
