// crun 1.8.1 refuses a hybrid cgroup layout whose cgroup2 hierarchy holds a controller
// ("cgroups in hybrid mode not supported, drop all controllers from cgroupv2"). On this
// machine's layout (v1 controllers, cgroup2 at /sys/fs/cgroup/unified holding only hugetlb)
// mounting a v1 hugetlb hierarchy takes hugetlb away from cgroup2 and crun then runs.
// Tests and benches that run crun call prepareCgroupsForCrun() first and undo() at the
// end; undo() only reverts what prepare did, and says what it did either way.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';

const CGROUP_ROOT = '/sys/fs/cgroup';
const UNIFIED = path.join(CGROUP_ROOT, 'unified');
const HUGETLB = path.join(CGROUP_ROOT, 'hugetlb');

export interface CrunCgroupSetup {
  /** Whether this call mounted the v1 hugetlb hierarchy (and undo() will unmount it). */
  mounted: boolean;
  /** One line for test logs and bench reports: what was found and what was done. */
  note: string;
  /** Unmounts what prepare mounted (nothing otherwise); resolves with what happened. */
  undo(): Promise<string>;
}

interface Mount { mountPoint: string; fstype: string; superOptions: string[] }

function mounts(): Mount[] {
  return fs.readFileSync('/proc/self/mountinfo', 'utf8').split('\n').flatMap((line) => {
    const [left, right] = line.split(' - ');
    if (!left || !right) return [];
    const [fstype = '', , superOptions = ''] = right.split(' ');
    return [{ mountPoint: left.split(' ')[4] ?? '', fstype, superOptions: superOptions.split(',') }];
  });
}

function unifiedControllers(): string[] | undefined {
  if (!mounts().some((m) => m.mountPoint === UNIFIED && m.fstype === 'cgroup2')) return undefined;
  return fs.readFileSync(path.join(UNIFIED, 'cgroup.controllers'), 'utf8').trim().split(/\s+/).filter(Boolean);
}

const nothing = (note: string): CrunCgroupSetup => ({ mounted: false, note, undo: async () => 'cgroups for crun: nothing to undo' });

/** Makes this machine's cgroup layout one crun 1.8.1 accepts, if it is the hybrid one with hugetlb on cgroup2. */
export function prepareCgroupsForCrun(): CrunCgroupSetup {
  const controllers = unifiedControllers();
  if (controllers === undefined) return nothing(`cgroups for crun: no cgroup2 at ${UNIFIED} (not the hybrid layout); nothing to set up`);
  if (controllers.length === 0) {
    const v1 = mounts().some((m) => m.fstype === 'cgroup' && m.superOptions.includes('hugetlb'));
    return nothing(`cgroups for crun: cgroup2 at ${UNIFIED} holds no controller${v1 ? ' (a v1 hugetlb hierarchy is already mounted)' : ''}; nothing to set up`);
  }
  if (controllers.some((c) => c !== 'hugetlb')) {
    // Not a layout this helper knows how to fix; crun will say what it thinks.
    return nothing(`cgroups for crun: cgroup2 at ${UNIFIED} holds ${controllers.join(' ')}; crun 1.8.1 may refuse this hybrid layout`);
  }
  const madeDir = !fs.existsSync(HUGETLB);
  if (madeDir) fs.mkdirSync(HUGETLB);
  try {
    execFileSync('mount', ['-t', 'cgroup', '-o', 'hugetlb', 'cgroup', HUGETLB], { stdio: ['ignore', 'ignore', 'pipe'] });
  } catch (error) {
    if (madeDir) fs.rmdirSync(HUGETLB);
    const stderr = String((error as { stderr?: Buffer }).stderr ?? '').trim();
    throw new Error(`cgroups for crun: mount -t cgroup -o hugetlb cgroup ${HUGETLB} failed: ${stderr || (error as Error).message}`);
  }
  return {
    mounted: true,
    note: `cgroups for crun: cgroup2 at ${UNIFIED} held hugetlb, which crun 1.8.1 refuses; mounted a v1 hugetlb hierarchy at ${HUGETLB} (undone at the end)`,
    async undo() {
      // A cgroup left below keeps the hierarchy alive after umount (hugetlb would not go back).
      const leftovers = fs.readdirSync(HUGETLB, { withFileTypes: true }).filter((d) => d.isDirectory()).map((d) => d.name);
      for (const name of leftovers) {
        try {
          fs.rmdirSync(path.join(HUGETLB, name));
        } catch {
          // reported below
        }
      }
      execFileSync('umount', [HUGETLB], { stdio: ['ignore', 'ignore', 'pipe'] });
      if (madeDir) fs.rmdirSync(HUGETLB);
      // The kernel hands hugetlb back to cgroup2 once the v1 hierarchy is gone, a little later.
      for (let i = 0; i < 50 && !(unifiedControllers() ?? []).includes('hugetlb'); i++) await new Promise((r) => setTimeout(r, 20));
      const back = (unifiedControllers() ?? []).includes('hugetlb');
      return `cgroups for crun: unmounted ${HUGETLB}${madeDir ? ' and removed the directory' : ''}; cgroup2 ${back ? 'holds hugetlb again' : 'has not got hugetlb back yet'}`
        + (leftovers.length ? ` (removed leftover hugetlb cgroups ${leftovers.join(', ')})` : '');
    },
  };
}

/**
 * Removes cgroup directories named `id` that crun or runc left (each hierarchy's root, and
 * below this process's own cgroup, where runc puts v1 memory cgroups when no cgroupsPath is
 * given). Only empty directories can go; returns those it removed.
 */
export function removeLeftoverCgroups(id: string): string[] {
  const removed: string[] = [];
  const own = fs.readFileSync('/proc/self/cgroup', 'utf8').split('\n').filter(Boolean).map((l) => l.split(':'));
  for (const m of mounts()) {
    if ((m.fstype !== 'cgroup' && m.fstype !== 'cgroup2') || !m.mountPoint.startsWith(`${CGROUP_ROOT}/`)) continue;
    const mine = own.find(([, controllers]) => (m.fstype === 'cgroup2' ? controllers === '' : m.superOptions.some((o) => controllers!.split(',').includes(o) || controllers === o)));
    const candidates = new Set([path.join(m.mountPoint, id)]);
    if (mine?.[2]) candidates.add(path.join(m.mountPoint, mine[2], id));
    for (const dir of candidates) {
      try {
        fs.rmdirSync(dir);
        removed.push(dir);
      } catch {
        // absent or still busy
      }
    }
  }
  return removed;
}
