import { invalid } from './files.ts';

/** The subset of OCI runtime-spec `linux.resources` skerry applies (config-linux.md). */
export interface LinuxResources {
  memory?: { limit?: number; reservation?: number; swap?: number; [field: string]: unknown };
  cpu?: { shares?: number; quota?: number; period?: number; cpus?: string; mems?: string; [field: string]: unknown };
  pids?: { limit?: number };
  devices?: LinuxDeviceRule[];
  /** cgroup v2 files written as given ("memory.high": "1G"); only where v2 serves them. */
  unified?: Record<string, string>;
  [field: string]: unknown;
}

export interface LinuxDeviceRule {
  allow: boolean;
  type?: 'a' | 'b' | 'c';
  major?: number | null;
  minor?: number | null;
  access?: string;
}

/** -1 stands for "unlimited" everywhere below, as in the spec. */
export interface ResourceRequest {
  memory: { limit?: number; reservation?: number; swap?: number };
  cpu: { shares?: number; quota?: number; period?: number; cpus?: string; mems?: string };
  pids: { limit?: number };
  devices: LinuxDeviceRule[];
  unified: Record<string, string>;
}

const PREFIX = 'linux.resources';
const SUPPORTED = {
  top: new Set(['memory', 'cpu', 'pids', 'devices', 'unified']),
  memory: new Set(['limit', 'reservation', 'swap']),
  cpu: new Set(['shares', 'quota', 'period', 'cpus', 'mems']),
  pids: new Set(['limit']),
};
// Kernel bounds for CFS bandwidth (kernel/sched/core.c): 1 ms .. 1 s periods, quota >= 1 ms.
const MIN_CFS_US = 1000;
const MAX_CFS_PERIOD_US = 1_000_000;
// cpu.shares bounds of the v1 scheduler (MIN_SHARES, MAX_SHARES); the v2 weight maps from them.
export const MIN_SHARES = 2;
export const MAX_SHARES = 262_144;
const CPU_LIST = /^\d+(-\d+)?(,\d+(-\d+)?)*$/;

/**
 * Checks `linux.resources` and returns the values to apply. Every refusal is a
 * CONFIG_INVALID naming the field, and happens before anything is created.
 */
export function validateResources(resources: LinuxResources | undefined): ResourceRequest {
  const request: ResourceRequest = { memory: {}, cpu: {}, pids: {}, devices: [], unified: {} };
  if (resources === undefined || resources === null) return request;
  if (typeof resources !== 'object' || Array.isArray(resources)) throw invalid(PREFIX, `must be an object, got ${show(resources)}`);
  refuseUnsupported(resources, SUPPORTED.top, PREFIX);
  request.memory = validateMemory(section(resources.memory, 'memory'));
  request.cpu = validateCpu(section(resources.cpu, 'cpu'));
  request.pids = validatePids(section(resources.pids, 'pids'));
  request.devices = validateDevices(resources.devices);
  request.unified = validateUnified(resources.unified);
  return request;
}

function section(value: unknown, name: string): Record<string, unknown> {
  if (value === undefined || value === null) return {};
  if (typeof value !== 'object' || Array.isArray(value)) throw invalid(`${PREFIX}.${name}`, `must be an object, got ${show(value)}`);
  refuseUnsupported(value as Record<string, unknown>, SUPPORTED[name as 'memory'], `${PREFIX}.${name}`);
  return value as Record<string, unknown>;
}

// Fields we do not implement are refused when set, so a limit is never silently dropped.
function refuseUnsupported(object: Record<string, unknown>, known: Set<string>, prefix: string): void {
  for (const [key, value] of Object.entries(object)) {
    if (known.has(key) || value === undefined || value === null || isEmpty(value)) continue;
    throw invalid(`${prefix}.${key}`, 'is not supported by skerry');
  }
}

function isEmpty(value: unknown): boolean {
  return typeof value === 'object' && value !== null && Object.keys(value).length === 0;
}

function validateMemory(memory: Record<string, unknown>): ResourceRequest['memory'] {
  const field = (name: string) => `${PREFIX}.memory.${name}`;
  const limit = bytesOrUnlimited(memory.limit, field('limit'));
  const reservation = bytesOrUnlimited(memory.reservation, field('reservation'));
  const swap = bytesOrUnlimited(memory.swap, field('swap'));
  // The spec's swap is memory+swap (v1 memsw), so a finite one needs a finite limit below it.
  if (swap !== undefined && swap !== -1) {
    if (limit === undefined || limit === -1) throw invalid(field('swap'), `needs ${field('limit')} to be set to a byte count, got swap ${swap}`);
    if (swap < limit) throw invalid(field('swap'), `(memory+swap) must be at least ${field('limit')} (${limit}), got ${swap}`);
  }
  return { limit, reservation, swap };
}

function validateCpu(cpu: Record<string, unknown>): ResourceRequest['cpu'] {
  const field = (name: string) => `${PREFIX}.cpu.${name}`;
  const shares = integer(cpu.shares, field('shares'), MIN_SHARES, MAX_SHARES, `an integer from ${MIN_SHARES} to ${MAX_SHARES}`);
  const period = integer(cpu.period, field('period'), MIN_CFS_US, MAX_CFS_PERIOD_US, `an integer of microseconds from ${MIN_CFS_US} to ${MAX_CFS_PERIOD_US}`);
  let quota: number | undefined;
  if (cpu.quota !== -1) {
    quota = integer(cpu.quota, field('quota'), MIN_CFS_US, Number.MAX_SAFE_INTEGER, `-1 (unlimited) or an integer of microseconds of at least ${MIN_CFS_US}`);
  } else quota = -1;
  return { shares, quota, period, cpus: cpuList(cpu.cpus, field('cpus')), mems: cpuList(cpu.mems, field('mems')) };
}

function validatePids(pids: Record<string, unknown>): ResourceRequest['pids'] {
  const field = `${PREFIX}.pids.limit`;
  if (pids.limit === undefined || pids.limit === -1) return { limit: pids.limit as number | undefined };
  return { limit: integer(pids.limit, field, 1, Number.MAX_SAFE_INTEGER, '-1 (unlimited) or a positive integer') };
}

function validateDevices(devices: unknown): LinuxDeviceRule[] {
  if (devices === undefined || devices === null) return [];
  const field = `${PREFIX}.devices`;
  if (!Array.isArray(devices)) throw invalid(field, `must be an array, got ${show(devices)}`);
  return devices.map((rule: Record<string, unknown>, index) => {
    const at = `${field}[${index}]`;
    if (typeof rule !== 'object' || rule === null) throw invalid(at, `must be an object, got ${show(rule)}`);
    if (typeof rule.allow !== 'boolean') throw invalid(`${at}.allow`, `must be true or false, got ${show(rule.allow)}`);
    const type = rule.type ?? 'a';
    if (type !== 'a' && type !== 'b' && type !== 'c') throw invalid(`${at}.type`, `must be "a", "b" or "c", got ${show(rule.type)}`);
    const access = rule.access ?? 'rwm';
    if (typeof access !== 'string' || !/^[rwm]{1,3}$/.test(access)) throw invalid(`${at}.access`, `must be letters from "rwm", got ${show(rule.access)}`);
    const major = deviceNumber(rule.major, `${at}.major`);
    const minor = deviceNumber(rule.minor, `${at}.minor`);
    return { allow: rule.allow, type, major, minor, access };
  });
}

function deviceNumber(value: unknown, field: string): number | null {
  if (value === undefined || value === null || value === -1) return null;
  return integer(value, field, 0, 2 ** 32 - 1, 'a device number (or -1 for any)')!;
}

function validateUnified(unified: unknown): Record<string, string> {
  if (unified === undefined || unified === null) return {};
  const field = `${PREFIX}.unified`;
  if (typeof unified !== 'object' || Array.isArray(unified)) throw invalid(field, `must be an object of file names to values, got ${show(unified)}`);
  for (const [key, value] of Object.entries(unified)) {
    // A file name only: never a path that could leave the container's cgroup.
    if (!/^[a-z][a-z0-9_]*\.[A-Za-z0-9_.]+$/.test(key)) throw invalid(`${field}["${key}"]`, 'must name a cgroup v2 file such as "memory.high"');
    if (typeof value !== 'string') throw invalid(`${field}["${key}"]`, `must be a string, got ${show(value)}`);
  }
  return unified as Record<string, string>;
}

function bytesOrUnlimited(value: unknown, field: string): number | undefined {
  if (value === undefined || value === -1) return value as number | undefined;
  return integer(value, field, 1, Number.MAX_SAFE_INTEGER, 'a positive integer of bytes (or -1 for unlimited)');
}

function integer(value: unknown, field: string, min: number, max: number, what: string): number | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < min || value > max) {
    throw invalid(field, `must be ${what}, got ${show(value)}`);
  }
  return value;
}

function cpuList(value: unknown, field: string): string | undefined {
  if (value === undefined || value === '') return undefined;
  if (typeof value !== 'string' || !CPU_LIST.test(value)) throw invalid(field, `must be a list such as "0-3,6", got ${show(value)}`);
  return value;
}

function show(value: unknown): string {
  return JSON.stringify(value) ?? String(value);
}
