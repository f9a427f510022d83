// What a container's "cgroup" mount shows on a host with v1 hierarchies. crun and runc
// mount a tmpfs at the destination with, per hierarchy, a bind of the directory the
// container's init is in: the container's own where one was made, else the one it
// inherits. Limits set on the container are then visible to the programs inside.
import fs from 'node:fs';
import path from 'node:path';
import type { CgroupLayout } from './layout.ts';

export interface CgroupView {
  /** The directory name under the mount: the host's for this hierarchy, e.g. "memory" or "cpu,cpuacct". */
  name: string;
  /** Host directory to bind there. */
  hostDir: string;
  /** Extra names linked to `name`, one per controller of a joint hierarchy ("cpu" -> "cpu,cpuacct"). */
  links: string[];
}

/** The key /proc/<pid>/cgroup uses for a v1 hierarchy: its controllers, or name=NAME. */
function keyOf(controllers: string[], name: string | undefined): string {
  return [...controllers, ...(name ? [`name=${name}`] : [])].sort().join(',');
}

/** hierarchy key -> path, from a /proc/<pid>/cgroup text. */
function currentPaths(procCgroup: string): Map<string, string> {
  const paths = new Map<string, string>();
  for (const line of procCgroup.split('\n')) {
    const first = line.indexOf(':');
    const second = line.indexOf(':', first + 1);
    if (first < 0 || second < 0) continue;
    const controllers = line.slice(first + 1, second);
    if (controllers) paths.set(controllers.split(',').sort().join(','), line.slice(second + 1));
  }
  return paths;
}

/**
 * One view per v1 hierarchy, in mount order. `procsFiles` are the cgroup.procs files the
 * init joins; hierarchies without one show the cgroup this process is in.
 */
export function v1CgroupViews(
  layout: CgroupLayout,
  procsFiles: readonly string[],
  procCgroup = fs.readFileSync('/proc/self/cgroup', 'utf8'),
): CgroupView[] {
  const inherited = currentPaths(procCgroup);
  return layout.hierarchies.flatMap((h): CgroupView[] => {
    if (h.version !== 1) return [];
    const name = path.basename(h.mountPoint);
    const joined = procsFiles.find((f) => f.startsWith(`${h.mountPoint}/`));
    const own = inherited.get(keyOf(h.controllers, h.name));
    const hostDir = joined ? path.dirname(joined) : own !== undefined ? path.join(h.mountPoint, own) : undefined;
    if (hostDir === undefined) return [];
    const links = name.includes(',') ? name.split(',').filter((c) => c && c !== name) : [];
    return [{ name, hostDir, links }];
  });
}
