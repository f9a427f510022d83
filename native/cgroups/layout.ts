import fs from 'node:fs';
import path from 'node:path';

export interface CgroupHierarchy {
  version: 1 | 2;
  mountPoint: string;
  /** Controllers this hierarchy holds; for v2, those listed in cgroup.controllers. */
  controllers: string[];
  /** A named v1 hierarchy's name ("systemd" for name=systemd), which holds no controller. */
  name?: string;
}

export interface CgroupLayout {
  /** v2 alone (unified), v1 alone (legacy), or both mounted (hybrid), as systemd names them. */
  mode: 'v1' | 'v2' | 'hybrid' | 'none';
  hierarchies: CgroupHierarchy[];
}

// Super options of a v1 mount mix controllers with flags such as xattr or noprefix.
const V1_CONTROLLERS = new Set([
  'cpuset', 'cpu', 'cpuacct', 'blkio', 'io', 'memory', 'devices', 'freezer', 'net_cls',
  'perf_event', 'net_prio', 'hugetlb', 'pids', 'rdma', 'misc', 'debug',
]);

/** Reads the cgroup hierarchies from a mountinfo text (/proc/self/mountinfo by default). */
export function readCgroupLayout(mountinfo = fs.readFileSync('/proc/self/mountinfo', 'utf8'), readControllers = readV2Controllers): CgroupLayout {
  const hierarchies: CgroupHierarchy[] = [];
  for (const line of mountinfo.split('\n')) {
    const [left, right] = line.split(' - ');
    if (!left || !right) continue;
    const mountPoint = unescapeMountPath(left.split(' ')[4] ?? '');
    const [fstype, , superOptions = ''] = right.split(' ');
    if (fstype === 'cgroup') {
      const options = superOptions.split(',');
      const controllers = options.filter((o) => V1_CONTROLLERS.has(o));
      const name = options.find((o) => o.startsWith('name='))?.slice(5);
      hierarchies.push({ version: 1, mountPoint, controllers, ...(name ? { name } : {}) });
    } else if (fstype === 'cgroup2') {
      hierarchies.push({ version: 2, mountPoint, controllers: readControllers(mountPoint) });
    }
  }
  const hasV1 = hierarchies.some((h) => h.version === 1);
  const hasV2 = hierarchies.some((h) => h.version === 2);
  const mode = hasV1 && hasV2 ? 'hybrid' : hasV1 ? 'v1' : hasV2 ? 'v2' : 'none';
  return { mode, hierarchies };
}

let current: { mountinfo: string; layout: CgroupLayout; readAt: number } | undefined;

/** How long a read of the mount table stands for it. */
const MOUNTINFO_FRESH_MS = 1_000;

/**
 * The layout of this process's mount table, read again at most once a second and parsed
 * again only when /proc/self/mountinfo changed. On a node the table grows with every pod's
 * mounts, and reading it for each container start cost a burst of 100 pods ≈ 90 ms; cgroup
 * hierarchies themselves hardly ever move. Callers that meet a cgroup error call
 * forgetCgroupLayout(), for what the mount table cannot show (controllers moving back to
 * cgroup2 once an unmounted v1 hierarchy is finally released) and for a change within the
 * second.
 */
export function currentCgroupLayout(now = Date.now()): CgroupLayout {
  if (current && now - current.readAt < MOUNTINFO_FRESH_MS && now >= current.readAt) return current.layout;
  const mountinfo = fs.readFileSync('/proc/self/mountinfo', 'utf8');
  current = current?.mountinfo === mountinfo ? { ...current, readAt: now } : { mountinfo, layout: readCgroupLayout(mountinfo), readAt: now };
  return current.layout;
}

export function forgetCgroupLayout(): void {
  current = undefined;
}

function readV2Controllers(mountPoint: string): string[] {
  try {
    return fs.readFileSync(path.join(mountPoint, 'cgroup.controllers'), 'utf8').trim().split(/\s+/).filter(Boolean);
  } catch {
    return [];
  }
}

/** mountinfo escapes space, tab, newline and backslash as octal. */
function unescapeMountPath(text: string): string {
  return text.replace(/\\([0-7]{3})/g, (_, octal: string) => String.fromCharCode(parseInt(octal, 8)));
}

/**
 * The hierarchy that serves a controller. In a hybrid layout the v1 hierarchy wins: a
 * controller bound to v1 cannot be used from v2 at the same time.
 */
export function hierarchyFor(layout: CgroupLayout, controller: string): CgroupHierarchy | undefined {
  return layout.hierarchies.find((h) => h.version === 1 && h.controllers.includes(controller))
    ?? layout.hierarchies.find((h) => h.version === 2 && h.controllers.includes(controller));
}
