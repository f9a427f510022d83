import path from 'node:path';
import { readKeyed, readLimit, readNumber } from './files.ts';
import { dirOf, type CgroupDir } from './placement.ts';

/** Usage of one container's cgroup. Limits are null when unlimited. */
export interface CgroupStats {
  memory: { usage: number; limit: number | null; maxUsage?: number };
  cpu: { usageNanos: number; user?: number; system?: number; throttled?: CpuThrottling };
  pids: { current: number; limit: number | null };
}

/** CFS bandwidth accounting: enforcement periods, how many throttled, and for how long. */
export interface CpuThrottling {
  periods: number;
  throttledPeriods: number;
  throttledNanos: number;
}

/** Reads usage from whichever version serves each controller; absent controllers read 0. */
export function readStats(dirs: CgroupDir[]): CgroupStats {
  return { memory: memoryStats(dirs), cpu: cpuStats(dirs), pids: pidsStats(dirs) };
}

function memoryStats(dirs: CgroupDir[]): CgroupStats['memory'] {
  const d = dirOf(dirs, 'memory');
  if (!d) return { usage: 0, limit: null };
  const file = (name: string) => path.join(d.dir, name);
  if (d.version === 1) {
    return {
      usage: readNumber(file('memory.usage_in_bytes')) ?? 0,
      limit: readLimit(file('memory.limit_in_bytes')) ?? null,
      maxUsage: readNumber(file('memory.max_usage_in_bytes')),
    };
  }
  // memory.peak exists from Linux 5.19.
  return { usage: readNumber(file('memory.current')) ?? 0, limit: readLimit(file('memory.max')) ?? null, maxUsage: readNumber(file('memory.peak')) };
}

function cpuStats(dirs: CgroupDir[]): CgroupStats['cpu'] {
  const acct = dirOf(dirs, 'cpuacct');
  const cpu = dirOf(dirs, 'cpu');
  if (acct?.version === 1) {
    const file = (name: string) => path.join(acct.dir, name);
    const stats: CgroupStats['cpu'] = {
      usageNanos: readNumber(file('cpuacct.usage')) ?? 0,
      user: readNumber(file('cpuacct.usage_user')),
      system: readNumber(file('cpuacct.usage_sys')),
    };
    if (cpu?.version === 1) stats.throttled = throttling(path.join(cpu.dir, 'cpu.stat'), 'throttled_time', 1);
    return stats;
  }
  // v2's cpu.stat is a core file: usage is there even when the cpu controller is not enabled.
  const v2 = dirOf(dirs, 'cgroup');
  if (!v2) return { usageNanos: 0 };
  const stat = readKeyed(path.join(v2.dir, 'cpu.stat'));
  const nanos = (key: string) => (stat.has(key) ? stat.get(key)! * 1000 : undefined);
  const stats: CgroupStats['cpu'] = { usageNanos: nanos('usage_usec') ?? 0, user: nanos('user_usec'), system: nanos('system_usec') };
  if (stat.has('nr_periods')) stats.throttled = throttling(path.join(v2.dir, 'cpu.stat'), 'throttled_usec', 1000);
  return stats;
}

function throttling(file: string, timeKey: string, toNanos: number): CpuThrottling {
  const stat = readKeyed(file);
  return { periods: stat.get('nr_periods') ?? 0, throttledPeriods: stat.get('nr_throttled') ?? 0, throttledNanos: (stat.get(timeKey) ?? 0) * toNanos };
}

function pidsStats(dirs: CgroupDir[]): CgroupStats['pids'] {
  const d = dirOf(dirs, 'pids');
  if (!d) return { current: 0, limit: null };
  return { current: readNumber(path.join(d.dir, 'pids.current')) ?? 0, limit: readLimit(path.join(d.dir, 'pids.max')) ?? null };
}

/**
 * OOM kills counted by the kernel in this cgroup: v1 memory.oom_control's `oom_kill`
 * (Linux 4.13+), v2 memory.events' `oom_kill` (which includes descendants).
 */
export function readOomKills(dirs: CgroupDir[]): number {
  const d = dirOf(dirs, 'memory');
  if (!d) return 0;
  const file = path.join(d.dir, d.version === 1 ? 'memory.oom_control' : 'memory.events');
  return readKeyed(file).get('oom_kill') ?? 0;
}
