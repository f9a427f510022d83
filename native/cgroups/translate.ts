import { componentLogger } from '../../common/index.ts';
import { invalid } from './files.ts';
import { MAX_SHARES, MIN_SHARES, type LinuxDeviceRule, type ResourceRequest } from './resources.ts';

const log = componentLogger('cgroups');

/** One control file to write in the container's cgroup, in order. */
export interface ControlWrite {
  /** The controller whose directory holds the file ("cgroup" for v2 core files). */
  controller: string;
  file: string;
  value: string;
  /** The spec field the value came from, for error messages. */
  field: string;
}

/** Which cgroup version serves a controller here, or undefined when none does. */
export type VersionOf = (controller: string) => 1 | 2 | undefined;

/** The kernel's default CFS period, used when the spec gives a quota without one. */
export const DEFAULT_PERIOD_US = 100_000;

/**
 * cpu.shares (2..262144) to cpu.weight (1..10000): the linear map runc and crun (≤ 1.22,
 * the Debian 12 one) use, so the same bundle gets the same weight under all three.
 * 1024, the default share, becomes 39 (not 100: that is what the runtimes do).
 */
export function sharesToWeight(shares: number): number {
  return 1 + Math.floor(((shares - MIN_SHARES) * 9999) / (MAX_SHARES - MIN_SHARES));
}

/**
 * The spec's memory.swap is the v1 memory+swap limit; v2's memory.swap.max counts swap
 * alone, so it is the difference (runc's ConvertMemorySwapToCgroupV2Value).
 */
export function swapToV2(swap: number, limit: number | undefined): string {
  if (swap === -1) return 'max';
  return String(swap - (limit ?? 0));
}

/** Turns validated resources into file writes for the version each controller has here. */
export function translateResources(request: ResourceRequest, versionOf: VersionOf): ControlWrite[] {
  return [
    ...memoryWrites(request, versionOf),
    ...cpuWrites(request, versionOf),
    ...cpusetWrites(request, versionOf),
    ...pidsWrites(request, versionOf),
    ...deviceWrites(request.devices, versionOf),
    ...unifiedWrites(request.unified, versionOf),
  ];
}

const FIELD = 'linux.resources';

function need(versionOf: VersionOf, controller: string, field: string): 1 | 2 {
  const version = versionOf(controller);
  if (version === undefined) throw invalid(field, `needs the ${controller} cgroup controller, which no mounted cgroup hierarchy offers`);
  return version;
}

const unlimited = (value: number, v1: string) => (value === -1 ? v1 : String(value));

function memoryWrites({ memory }: ResourceRequest, versionOf: VersionOf): ControlWrite[] {
  const writes: ControlWrite[] = [];
  const add = (field: string, v1File: string, v2File: string, v1Value: string, v2Value: string) => {
    const name = `${FIELD}.memory.${field}`;
    const v1 = need(versionOf, 'memory', name) === 1;
    writes.push({ controller: 'memory', file: v1 ? v1File : v2File, value: v1 ? v1Value : v2Value, field: name });
  };
  const { limit, reservation, swap } = memory;
  // v1 refuses memsw below the memory limit, so the limit goes first on a fresh cgroup.
  if (limit !== undefined) add('limit', 'memory.limit_in_bytes', 'memory.max', unlimited(limit, '-1'), unlimited(limit, 'max'));
  if (swap !== undefined) add('swap', 'memory.memsw.limit_in_bytes', 'memory.swap.max', unlimited(swap, '-1'), swapToV2(swap, limit));
  if (reservation !== undefined) {
    add('reservation', 'memory.soft_limit_in_bytes', 'memory.low', unlimited(reservation, '-1'), unlimited(reservation, 'max'));
  }
  return writes;
}

function cpuWrites({ cpu }: ResourceRequest, versionOf: VersionOf): ControlWrite[] {
  const writes: ControlWrite[] = [];
  const field = (name: string) => `${FIELD}.cpu.${name}`;
  if (cpu.shares !== undefined) {
    const v1 = need(versionOf, 'cpu', field('shares')) === 1;
    writes.push({ controller: 'cpu', field: field('shares'), file: v1 ? 'cpu.shares' : 'cpu.weight', value: String(v1 ? cpu.shares : sharesToWeight(cpu.shares)) });
  }
  if (cpu.quota === undefined && cpu.period === undefined) return writes;
  const name = field(cpu.quota !== undefined ? 'quota' : 'period');
  if (need(versionOf, 'cpu', name) === 2) {
    const quota = cpu.quota === undefined || cpu.quota === -1 ? 'max' : String(cpu.quota);
    writes.push({ controller: 'cpu', field: name, file: 'cpu.max', value: `${quota} ${cpu.period ?? DEFAULT_PERIOD_US}` });
    return writes;
  }
  // The period first: the kernel checks the quota/period ratio against the parent's.
  if (cpu.period !== undefined) writes.push({ controller: 'cpu', field: field('period'), file: 'cpu.cfs_period_us', value: String(cpu.period) });
  if (cpu.quota !== undefined) writes.push({ controller: 'cpu', field: field('quota'), file: 'cpu.cfs_quota_us', value: String(cpu.quota) });
  return writes;
}

function cpusetWrites({ cpu }: ResourceRequest, versionOf: VersionOf): ControlWrite[] {
  const writes: ControlWrite[] = [];
  for (const name of ['cpus', 'mems'] as const) {
    const value = cpu[name];
    if (value === undefined) continue;
    const field = `${FIELD}.cpu.${name}`;
    need(versionOf, 'cpuset', field);
    writes.push({ controller: 'cpuset', field, file: `cpuset.${name}`, value });
  }
  return writes;
}

function pidsWrites({ pids }: ResourceRequest, versionOf: VersionOf): ControlWrite[] {
  if (pids.limit === undefined) return [];
  const field = `${FIELD}.pids.limit`;
  need(versionOf, 'pids', field);
  // pids.max takes "max" on both versions.
  return [{ controller: 'pids', field, file: 'pids.max', value: unlimited(pids.limit, 'max') }];
}

/**
 * Device nodes every container may use whatever its spec says: the list runc and crun
 * append after the spec's rules (mknod of anything, use of null, zero, full, tty, random,
 * urandom, ptmx, pts and tun). Without them a "deny all" spec would break /dev/null.
 */
const DEFAULT_DEVICES: LinuxDeviceRule[] = [
  { allow: true, type: 'c', major: null, minor: null, access: 'm' },
  { allow: true, type: 'b', major: null, minor: null, access: 'm' },
  ...[[1, 3], [1, 5], [1, 7], [1, 8], [1, 9], [5, 0], [5, 1], [5, 2], [136, null], [10, 200]].map(
    ([major, minor]) => ({ allow: true, type: 'c' as const, major: major!, minor: minor ?? null, access: 'rwm' }),
  ),
];

export function deviceRuleText(rule: LinuxDeviceRule): string {
  if (rule.type === 'a' || rule.type === undefined) return 'a';
  return `${rule.type} ${rule.major ?? '*'}:${rule.minor ?? '*'} ${rule.access ?? 'rwm'}`;
}

function deviceWrites(devices: LinuxDeviceRule[], versionOf: VersionOf): ControlWrite[] {
  if (devices.length === 0) return [];
  const field = `${FIELD}.devices`;
  const version = versionOf('devices');
  if (version !== 1) {
    // v2 needs an eBPF device program, which skerry does not load yet.
    log.warn({ field }, 'device rules are not enforced: cgroup v2 needs an eBPF device program skerry does not load');
    return [];
  }
  return [...devices, ...DEFAULT_DEVICES].map((rule) => ({
    controller: 'devices', field, file: rule.allow ? 'devices.allow' : 'devices.deny', value: deviceRuleText(rule),
  }));
}

function unifiedWrites(unified: Record<string, string>, versionOf: VersionOf): ControlWrite[] {
  return Object.entries(unified).map(([file, value]) => {
    const controller = file.slice(0, file.indexOf('.'));
    const field = `${FIELD}.unified["${file}"]`;
    if (need(versionOf, controller, field) !== 2) throw invalid(field, `needs ${controller} on cgroup v2, but v1 serves it here`);
    return { controller, field, file, value };
  });
}
