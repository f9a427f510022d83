import fs from 'node:fs';
import path from 'node:path';
import { componentLogger } from '../../common/index.ts';
import { CgroupError, isErrno, readControl, readPids, sleep, subtreeDeepestFirst, writeControl } from './files.ts';
import { dirOf, type CgroupDir } from './placement.ts';

const log = componentLogger('cgroups');

export interface DestroyOptions {
  /** How long to keep killing and removing before giving up; 5 s by default. */
  timeoutMs?: number;
}

const POLL_MS = 10;

/**
 * Kills every process left in the container's cgroups, then removes its directories.
 * Async on purpose: killed children of this process must be reaped by the event loop
 * before some kernels let their cgroup go.
 */
export async function destroyDirs(dirs: CgroupDir[], options: DestroyOptions = {}): Promise<void> {
  if (removeIfEmpty(dirs)) return;
  const deadline = Date.now() + (options.timeoutMs ?? 5000);
  await killAll(dirs, deadline);
  await removeAll(dirs, deadline);
}

/**
 * The usual end, a container whose processes have all exited: one rmdir per directory. The
 * kernel refuses (EBUSY) to remove a cgroup that still holds a task or a sub-cgroup, so
 * any refusal leaves the rest to the kill-and-remove path, which starts with a look inside.
 */
function removeIfEmpty(dirs: CgroupDir[]): boolean {
  for (const d of dirs) {
    try {
      fs.rmdirSync(d.dir);
    } catch (error) {
      if (!isErrno(error, 'ENOENT')) return false;
    }
  }
  log.debug({ dirs: dirs.map((d) => d.dir) }, 'removed the container cgroups');
  return true;
}

/** Every pid in the cgroups and their sub-cgroups (a container may make its own). */
export function pidsIn(dirs: CgroupDir[]): number[] {
  const pids = new Set<number>();
  for (const d of dirs) {
    for (const dir of subtreeDeepestFirst(d.dir)) for (const pid of readPids(path.join(dir, 'cgroup.procs'))) pids.add(pid);
  }
  return [...pids];
}

async function killAll(dirs: CgroupDir[], deadline: number): Promise<void> {
  if (pidsIn(dirs).length === 0) return;
  // cgroup.kill (v2, Linux 5.14) or a frozen v1 freezer stop forks racing the kill loop.
  const v2 = dirOf(dirs, 'cgroup');
  const killFile = v2 && path.join(v2.dir, 'cgroup.kill');
  if (killFile && fs.existsSync(killFile)) {
    writeControl(killFile, '1');
    log.debug({ file: killFile }, 'killed the container through cgroup.kill');
  } else await killFrozen(dirOf(dirs, 'freezer'), deadline);
  for (;;) {
    const left = pidsIn(dirs);
    if (left.length === 0) return;
    if (Date.now() > deadline) {
      throw new Error(`cgroup of ${dirs[0]?.dir ?? '?'}: processes ${left.join(', ')} still alive after SIGKILL`);
    }
    left.forEach(sigkill);
    await sleep(POLL_MS);
  }
}

async function killFrozen(freezer: CgroupDir | undefined, deadline: number): Promise<void> {
  const state = freezer && path.join(freezer.dir, 'freezer.state');
  if (!state || !fs.existsSync(state)) return;
  writeControl(state, 'FROZEN');
  // FREEZING turns FROZEN once every task stopped; a task in D state may hold it up.
  while (readControl(state) === 'FREEZING' && Date.now() < deadline - 1000) await sleep(POLL_MS);
  log.debug({ state: readControl(state) }, 'froze the container to kill it');
  pidsIn([freezer]).forEach(sigkill);
  // SIGKILL is delivered when the tasks thaw.
  writeControl(state, 'THAWED');
}

function sigkill(pid: number): void {
  try {
    process.kill(pid, 'SIGKILL');
  } catch (error) {
    if (!isErrno(error, 'ESRCH')) throw error;
  }
}

async function removeAll(dirs: CgroupDir[], deadline: number): Promise<void> {
  for (const d of dirs) {
    for (const dir of subtreeDeepestFirst(d.dir)) await removeDir(dir, deadline);
  }
}

// rmdir can briefly fail with EBUSY while exiting tasks are still being released.
async function removeDir(dir: string, deadline: number): Promise<void> {
  for (;;) {
    try {
      fs.rmdirSync(dir);
      log.debug({ dir }, 'removed a container cgroup');
      return;
    } catch (error) {
      if (isErrno(error, 'ENOENT')) return;
      if (!isErrno(error, 'EBUSY') || Date.now() > deadline) throw new CgroupError('rmdir', dir, error as NodeJS.ErrnoException);
      await sleep(POLL_MS);
    }
  }
}
