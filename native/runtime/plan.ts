// Compiles a checked OCI spec into the plan skerry-shim executes. Every decision is made
// here (order, defaults, what the host allows); the shim only performs the steps.
import fs from 'node:fs';
import path from 'node:path';
import { componentLogger, SkerryError } from '../../common/index.ts';
import { currentCgroupLayout, v1CgroupViews, type CgroupLayout, type CgroupView } from '../cgroups/index.ts';
import { addon } from '../load.ts';
import type { ResourceLimit } from '../types.ts';
import { joinPlan, type CompiledPlan, type EncodedRecords, type PlanRecord } from './plan-format.ts';
import { withHome } from './passwd.ts';
import { bufferKey, cached, fresh } from './plan-pieces.ts';
import {
  DEFAULT_MASKED_PATHS, DEFAULT_READONLY_PATHS, dependsOnHost, deviceRecords, mountRecordsOf, protectRecords, type MountContext,
} from './plan-mounts.ts';
import type { NamespaceType, OciIdMapping, OciSpec } from './spec.ts';

export type { CompiledPlan } from './plan-format.ts';

const log = componentLogger('runtime');

export const CLONE_FLAGS: Record<NamespaceType, number> = {
  mount: 0x00020000, cgroup: 0x02000000, uts: 0x04000000, ipc: 0x08000000, user: 0x10000000, pid: 0x20000000, network: 0x40000000,
};
const MS_REC = 0x4000;
const MS_PRIVATE = 1 << 18;
const MS_BIND = 0x1000;
export const CGROUP_SUPER_MAGIC = 0x27e0eb;
export const CGROUP2_SUPER_MAGIC = 0x63677270;
const RLIM_INFINITY = 0xffffffffffffffffn;
const CAP_SYS_RESOURCE = 24;
const DEFAULT_PATH = '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';

const RLIMITS: Record<string, number> = {
  RLIMIT_CPU: 0, RLIMIT_FSIZE: 1, RLIMIT_DATA: 2, RLIMIT_STACK: 3, RLIMIT_CORE: 4, RLIMIT_RSS: 5, RLIMIT_NPROC: 6, RLIMIT_NOFILE: 7,
  RLIMIT_MEMLOCK: 8, RLIMIT_AS: 9, RLIMIT_LOCKS: 10, RLIMIT_SIGPENDING: 11, RLIMIT_MSGQUEUE: 12, RLIMIT_NICE: 13, RLIMIT_RTPRIO: 14,
  RLIMIT_RTTIME: 15,
};

/** Capability sets as bit masks (bit n = capability n), e.g. from native/security's capabilityMask. */
export interface CapabilityMasks {
  bounding: bigint;
  effective: bigint;
  permitted: bigint;
}

export interface PlanOptions {
  /** Absolute path of the prepared root (a directory or an overlay mount point). */
  rootfsPath: string;
  /** The bundle directory: relative bind sources are resolved from it. */
  bundle: string;
  /** Where the shim writes `exit`; must exist. */
  stateDir: string;
  /** 'inherit': the container gets the shim's fds 0-2; else its stdout/stderr go to a CRI log. */
  stdio: 'inherit' | { logPath: string };
  /** cgroup.procs files the init writes "0" into, first thing, from native/cgroups. */
  cgroupProcs?: readonly string[];
  /**
   * The cgroups behind cgroupProcs are made while the shim starts: the init runs no step
   * until the agent says they exist (launchHeld's release()).
   */
  cgroupsMadeLater?: boolean;
  /** A classic-BPF sock_filter array (8 bytes per instruction) from native/security. */
  seccompProgram?: Buffer;
  capabilities: CapabilityMasks;
  /** The hard limits the shim will inherit; resourceLimits() of this process by default. */
  hostLimits?: Record<string, ResourceLimit>;
  /** Whether rlimits may be raised above hostLimits; CAP_SYS_RESOURCE of this process by default. */
  canRaiseHardLimits?: boolean;
  /** The host's cgroup layout, for a "cgroup" mount; read from /proc/self/mountinfo when absent. */
  cgroupLayout?: CgroupLayout;
  /** Whether a "cgroup" mount can show cgroup2; from the layout by default. */
  cgroup2?: boolean;
  /** What a "cgroup" mount shows of v1 hierarchies; from the host's layout and cgroupProcs by default. */
  cgroupViews?: CgroupView[];
}

function hasCapability(cap: number): boolean {
  const line = fs.readFileSync('/proc/self/status', 'utf8').split('\n').find((l) => l.startsWith('CapEff:'));
  return line !== undefined && ((BigInt(`0x${line.slice(7).trim()}`) >> BigInt(cap)) & 1n) === 1n;
}

// The agent never changes its own capabilities: one look at /proc/self/status will do.
let canRaiseLimits: boolean | undefined;

function mapText(mappings: OciIdMapping[]): string {
  return mappings.map((m) => `${m.containerID} ${m.hostID} ${m.size}\n`).join('');
}

function namespaceRecords(spec: OciSpec): PlanRecord[] {
  const namespaces = spec.linux.namespaces;
  // A user namespace to join goes first: the others are then joined from inside it.
  const joined = namespaces.filter((n) => n.path).sort((a, b) => Number(b.type === 'user') - Number(a.type === 'user'));
  // The cgroup namespace is unshared by the init after it joined its cgroups (see initRecords).
  const created = namespaces.filter((n) => !n.path && n.type !== 'cgroup');
  const records: PlanRecord[] = joined.map((n) => ({ op: 'JOIN_NS', label: `setns ${n.type} ${n.path}`, nums: [CLONE_FLAGS[n.type]], strs: [n.path!] }));
  const flags = created.reduce((f, n) => f | CLONE_FLAGS[n.type], 0);
  records.push({ op: 'CLONE', label: `clone the container init (new namespaces: ${created.map((n) => n.type).join(', ')})`, nums: [flags] });
  if (created.some((n) => n.type === 'user')) {
    records.push({ op: 'ID_MAP', label: 'write the init\'s uid_map', nums: [0], strs: [mapText(spec.linux.uidMappings)] });
    records.push({ op: 'ID_MAP', label: 'write the init\'s gid_map', nums: [1], strs: [mapText(spec.linux.gidMappings)] });
  }
  return records;
}

function shimRecords(spec: OciSpec, o: PlanOptions): PlanRecord[] {
  const records: PlanRecord[] = [{ op: 'STATE_DIR', label: `open state dir ${o.stateDir}`, strs: [o.stateDir] }];
  if (o.stdio !== 'inherit') records.push({ op: 'LOG', label: `open log ${o.stdio.logPath}`, strs: [o.stdio.logPath] });
  if (o.cgroupsMadeLater) records.push({ op: 'AWAIT_AGENT', label: 'wait for the agent to make the container\'s cgroups' });
  return [...records, ...namespaceRecords(spec)];
}

// In a new user namespace the init still runs as host root, which the namespace does not
// map: files it creates on the container's own mounts would be refused (EOVERFLOW). It
// becomes the namespace's root first, after joining its cgroups (those checks are the host's).
function userRootRecords(): PlanRecord[] {
  return [
    { op: 'SET_GID', label: 'setresgid 0 in the user namespace', nums: [0] },
    { op: 'SET_UID', label: 'setresuid 0 in the user namespace', nums: [0] },
  ];
}

function mountContext(spec: OciSpec, o: PlanOptions): MountContext {
  const wantsCgroupMount = spec.mounts.some((m) => m.type === 'cgroup');
  const layout = wantsCgroupMount && (o.cgroup2 === undefined || o.cgroupViews === undefined) ? (o.cgroupLayout ?? currentCgroupLayout()) : undefined;
  return {
    rootfs: o.rootfsPath,
    bundle: o.bundle,
    userns: spec.linux.namespaces.some((n) => n.type === 'user'),
    cgroup2: o.cgroup2 ?? layout?.hierarchies.some((h) => h.version === 2) ?? false,
    cgroupViews: o.cgroupViews ?? (layout ? v1CgroupViews(layout, o.cgroupProcs ?? []) : []),
  };
}

function cgroupJoinRecords(o: PlanOptions): PlanRecord[] {
  return (o.cgroupProcs ?? []).map((file) => ({ op: 'WRITE_FILE', label: `join cgroup ${file}`, nums: [CGROUP_SUPER_MAGIC, CGROUP2_SUPER_MAGIC], strs: [file, '0'] }));
}

/** After joining cgroups, up to the root's fd: namespaces, private mounts, the rootfs bind. */
function beforeMountRecords(spec: OciSpec, rootfs: string): PlanRecord[] {
  const newCgroupNs = spec.linux.namespaces.some((n) => n.type === 'cgroup' && !n.path);
  const newUserNs = spec.linux.namespaces.some((n) => n.type === 'user' && !n.path);
  return [
    ...(newUserNs ? userRootRecords() : []),
    ...(newCgroupNs ? [{ op: 'UNSHARE', label: 'unshare the cgroup namespace', nums: [CLONE_FLAGS.cgroup] } as PlanRecord] : []),
    { op: 'MOUNT_HOST', label: 'make every mount private (mount --make-rprivate /)', nums: [MS_REC | MS_PRIVATE], strs: ['', '/', '', ''] },
    { op: 'MOUNT_HOST', label: `bind ${rootfs} onto itself`, nums: [MS_BIND | MS_REC], strs: [rootfs, rootfs, '', ''] },
    { op: 'ROOT_OPEN', label: `open ${rootfs}`, strs: [rootfs] },
  ];
}

/** After the spec's mounts: /dev, masked and read-only paths, pivot_root, the hostname. */
function afterMountRecords(spec: OciSpec, ctx: MountContext): PlanRecord[] {
  const rootfs = ctx.rootfs;
  return [
    ...deviceRecords(ctx),
    ...protectRecords(spec.linux.maskedPaths ?? DEFAULT_MASKED_PATHS, spec.linux.readonlyPaths ?? DEFAULT_READONLY_PATHS, rootfs),
    { op: 'PIVOT_ROOT', label: `pivot_root ${rootfs}` },
    ...(spec.root.readonly ? [{ op: 'ROOT_READONLY', label: `remount ${rootfs} read-only` } as PlanRecord] : []),
    ...(spec.hostname !== undefined ? [{ op: 'HOSTNAME', label: `sethostname ${spec.hostname}`, strs: [spec.hostname] } as PlanRecord] : []),
  ];
}

/** The root half of a plan: cgroups, mounts, devices, masks, pivot_root, hostname. */
function rootPieces(spec: OciSpec, o: PlanOptions): EncodedRecords[] {
  const rootfs = o.rootfsPath;
  const ctx = mountContext(spec, o);
  const mounts = spec.mounts.map((m, i) => (dependsOnHost(m) ? fresh(mountRecordsOf(m, i, ctx)) : cached(spec, `mount\0${i}\0${rootfs}`, () => mountRecordsOf(m, i, ctx))));
  return [
    fresh(cgroupJoinRecords(o)),
    cached(spec, `before mounts\0${rootfs}`, () => beforeMountRecords(spec, rootfs)),
    ...mounts,
    cached(spec, `after mounts\0${rootfs}`, () => afterMountRecords(spec, ctx)),
  ];
}

function limitValue(value: number): bigint {
  return value >= 2 ** 64 - 1 ? RLIM_INFINITY : BigInt(value);
}

function rlimitRecords(spec: OciSpec, o: Pick<PlanOptions, 'hostLimits' | 'canRaiseHardLimits'>): PlanRecord[] {
  if (spec.process.rlimits.length === 0) return [];
  const canRaise = o.canRaiseHardLimits ?? (canRaiseLimits ??= hasCapability(CAP_SYS_RESOURCE));
  // The inherited limits only matter to a process that cannot raise them.
  const host: Record<string, ResourceLimit> = canRaise ? {} : (o.hostLimits ?? addon().getRlimits());
  return spec.process.rlimits.map((r, i) => {
    const resource = RLIMITS[r.type];
    const where = `process.rlimits[${i}]`;
    if (resource === undefined) throw new SkerryError('CONFIG_INVALID', `${where}.type ${r.type} is not a Linux resource limit`, { field: `${where}.type` });
    const inherited = host[r.type.slice(7).toLowerCase()]?.hard ?? Infinity;
    if (!canRaise && r.hard > inherited) {
      const detail = `${where} (${r.type}) asks for a hard limit of ${r.hard}, above the inherited hard limit ${inherited}; raising it needs CAP_SYS_RESOURCE, which this process lacks`;
      throw new SkerryError('CONFIG_INVALID', detail, { field: where, inheritedHard: inherited });
    }
    return { op: 'RLIMIT', label: `setrlimit ${r.type} soft ${r.soft} hard ${r.hard}`, nums: [resource, limitValue(r.soft), limitValue(r.hard)] };
  });
}

function seccompRecord(program: Buffer): PlanRecord {
  if (program.length === 0 || program.length % 8 !== 0) throw new RangeError(`seccomp program must be a non-empty multiple of 8 bytes (got ${program.length})`);
  return { op: 'SECCOMP', label: `load the seccomp filter (${program.length / 8} instructions)`, strs: [program] };
}

function warnIgnoredAmbient(spec: OciSpec): void {
  const ambient = spec.process.capabilities?.ambient;
  if (ambient?.length) log.warn({ ambient }, 'process.capabilities.ambient is ignored: the inheritable set stays empty (CVE-2022-27650), so no capability can be ambient');
}

type ProcessOptions = Pick<PlanOptions, 'capabilities' | 'seccompProgram' | 'hostLimits' | 'canRaiseHardLimits'>;

function buildProcessRecords(spec: OciSpec, o: ProcessOptions): PlanRecord[] {
  const p = spec.process;
  const caps = o.capabilities;
  // Without no_new_privs, loading a filter needs CAP_SYS_ADMIN: do it while the init has it.
  const early = o.seccompProgram && !p.noNewPrivileges ? [seccompRecord(o.seccompProgram)] : [];
  const late = o.seccompProgram && p.noNewPrivileges ? [seccompRecord(o.seccompProgram)] : [];
  const env = p.env;
  const searchPath = env.findLast((e) => e.startsWith('PATH='))?.slice(5) ?? DEFAULT_PATH;
  return [
    ...rlimitRecords(spec, o),
    ...early,
    { op: 'CAPS_BOUNDING', label: `drop capabilities outside the bounding set 0x${caps.bounding.toString(16)}`, nums: [caps.bounding] },
    { op: 'KEEP_CAPS', label: 'prctl PR_SET_KEEPCAPS' },
    { op: 'SET_GROUPS', label: `setgroups [${p.user.additionalGids.join(', ')}]`, nums: p.user.additionalGids },
    { op: 'SET_GID', label: `setresgid ${p.user.gid}`, nums: [p.user.gid] },
    { op: 'SET_UID', label: `setresuid ${p.user.uid}`, nums: [p.user.uid] },
    { op: 'CAPS_SET', label: 'capset (inheritable empty)', nums: [caps.effective & caps.permitted, caps.permitted, 0n, 0n] },
    ...(p.noNewPrivileges ? [{ op: 'NO_NEW_PRIVS', label: 'prctl PR_SET_NO_NEW_PRIVS' } as PlanRecord] : []),
    { op: 'CHDIR', label: `chdir ${p.cwd}`, strs: [p.cwd] },
    ...late,
    { op: 'ENV', label: 'set the environment', strs: env },
    { op: 'EXEC', label: `exec ${p.args[0]}`, nums: [p.user.umask ?? 0o022], strs: [searchPath, ...p.args] },
  ];
}

/** From rlimits to exec: the process half of a plan, shared by a container's init and exec. */
export function processRecords(spec: OciSpec, o: ProcessOptions): PlanRecord[] {
  warnIgnoredAmbient(spec);
  return buildProcessRecords(spec, o);
}

/**
 * The process half for a container's init. HOME comes from the image's /etc/passwd, read
 * every time (the image may change); given limits (tests) are never cached, the defaults
 * are this process's own and do not change.
 */
function processPiece(spec: OciSpec, o: PlanOptions): EncodedRecords {
  warnIgnoredAmbient(spec);
  const withEnv = withHome(spec, o.rootfsPath);
  if (o.hostLimits !== undefined || o.canRaiseHardLimits !== undefined) return fresh(buildProcessRecords(withEnv, o));
  // withHome appends HOME=... when the spec has none; paths and env entries hold no NUL.
  const home = withEnv === spec ? '' : withEnv.process.env.at(-1)!;
  const caps = o.capabilities;
  const key = ['process', o.rootfsPath, caps.bounding, caps.effective, caps.permitted, bufferKey(o.seccompProgram), home].join('\0');
  return cached(spec, key, () => buildProcessRecords(withEnv, o));
}

/** The plan for one container, with the label of every step for error messages. */
export function compilePlan(spec: OciSpec, options: PlanOptions): CompiledPlan {
  if (!path.isAbsolute(options.rootfsPath)) throw new RangeError(`rootfsPath must be absolute (got ${options.rootfsPath})`);
  return joinPlan([fresh(shimRecords(spec, options)), ...rootPieces(spec, options), processPiece(spec, options)]);
}
