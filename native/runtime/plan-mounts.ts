// The filesystem half of a plan: the spec's mounts, /dev, masked and read-only paths.
// Targets are container paths; the shim resolves each inside the rootfs (RESOLVE_IN_ROOT).
import fs from 'node:fs';
import path from 'node:path';
import { SkerryError } from '../../common/index.ts';
import type { PlanRecord } from './plan-format.ts';
import type { CgroupView } from '../cgroups/index.ts';
import type { OciMount } from './spec.ts';

/** Docker's defaults, used when the spec has no linux.maskedPaths / readonlyPaths. */
export const DEFAULT_MASKED_PATHS = [
  '/proc/asound', '/proc/acpi', '/proc/interrupts', '/proc/kcore', '/proc/keys', '/proc/latency_stats', '/proc/timer_list',
  '/proc/timer_stats', '/proc/sched_debug', '/proc/scsi', '/sys/firmware', '/sys/devices/virtual/powercap',
];
export const DEFAULT_READONLY_PATHS = ['/proc/bus', '/proc/fs', '/proc/irq', '/proc/sys', '/proc/sysrq-trigger'];

// MOUNT_ATTR_* from <linux/mount.h>.
const ATTRS: Record<string, number> = {
  ro: 0x1, nosuid: 0x2, nodev: 0x4, noexec: 0x8, noatime: 0x10, strictatime: 0x20, nodiratime: 0x80, nosymfollow: 0x200000,
};
// Options that ask for what a new mount has anyway.
const DEFAULTS = new Set(['rw', 'suid', 'dev', 'exec', 'atime', 'diratime', 'relatime', 'defaults', 'async']);
// MS_UNBINDABLE, MS_PRIVATE, MS_SLAVE, MS_SHARED; an rbind applies them to its whole tree.
const PROPAGATION: Record<string, number> = { unbindable: 1 << 17, private: 1 << 18, slave: 1 << 19, shared: 1 << 20 };

const RESOLVE_NO_SYMLINKS = 0x04;
const PROC_SUPER_MAGIC = 0x9fa0;
const SYSFS_MAGIC = 0x62656572;
const S_IFCHR = 0o020000;

const DEVICES: [string, number, number][] = [['null', 1, 3], ['zero', 1, 5], ['full', 1, 7], ['random', 1, 8], ['urandom', 1, 9], ['tty', 5, 0]];
const DEV_LINKS: [string, string][] = [
  ['/proc/self/fd', '/dev/fd'], ['/proc/self/fd/0', '/dev/stdin'], ['/proc/self/fd/1', '/dev/stdout'],
  ['/proc/self/fd/2', '/dev/stderr'], ['pts/ptmx', '/dev/ptmx'],
];

export interface MountContext {
  rootfs: string;
  bundle: string;
  /** In a user namespace devices are bound from the host instead of made with mknod. */
  userns: boolean;
  /** Whether the host has a cgroup2 hierarchy, which a "cgroup" mount shows when there is no v1 one. */
  cgroup2: boolean;
  /** The host's v1 hierarchies as the container sees them; empty on a pure v2 host. */
  cgroupViews: CgroupView[];
}

interface Parsed {
  attr: number;
  propagation: number;
  bind: boolean;
  recursive: boolean;
  data: [string, string][];
}

function parseOptions(options: string[]): Parsed {
  const parsed: Parsed = { attr: 0, propagation: 0, bind: false, recursive: false, data: [] };
  for (const option of options) {
    const base = option.startsWith('r') && PROPAGATION[option.slice(1)] ? option.slice(1) : option;
    if (ATTRS[option] !== undefined) parsed.attr |= ATTRS[option]!;
    else if (DEFAULTS.has(option)) continue;
    else if (option === 'bind' || option === 'rbind') parsed.bind = true, parsed.recursive ||= option === 'rbind';
    else if (PROPAGATION[base] !== undefined) parsed.propagation = PROPAGATION[base]!;
    else {
      const eq = option.indexOf('=');
      parsed.data.push(eq < 0 ? [option, ''] : [option.slice(0, eq), option.slice(eq + 1)]);
    }
  }
  return parsed;
}

function bindRecords(m: OciMount, i: number, o: Parsed, ctx: MountContext): PlanRecord[] {
  if (!m.source) throw new SkerryError('CONFIG_INVALID', `mounts[${i}].source must be set for a bind mount`, { field: `mounts[${i}].source` });
  if (o.data.length) {
    const bad = o.data.map(([k, v]) => (v ? `${k}=${v}` : k)).join(', ');
    throw new SkerryError('CONFIG_INVALID', `mounts[${i}].options has ${bad}, which a bind mount does not take`, { field: `mounts[${i}].options` });
  }
  const source = path.resolve(ctx.bundle, m.source);
  let isDir: boolean;
  try {
    isDir = fs.statSync(source).isDirectory();
  } catch {
    throw new SkerryError('CONFIG_INVALID', `mounts[${i}].source ${source} does not exist on the host`, { field: `mounts[${i}].source` });
  }
  const where = `${ctx.rootfs}${m.destination}`;
  return [
    { op: isDir ? 'MKDIR' : 'MKFILE', label: `create mount point ${where}`, nums: [isDir ? 0o755 : 0o644], strs: [m.destination] },
    { op: 'MOUNT_BIND', label: `bind ${source} onto ${where}`, nums: [o.attr, o.propagation, o.recursive ? 1 : 0, 0], strs: [source, m.destination] },
  ];
}

// MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV | MOUNT_ATTR_NOEXEC
const TMPFS_ATTR = 0x2 | 0x4 | 0x8;

// With v1 hierarchies, as crun and runc do: a tmpfs holding one bind per hierarchy of the
// cgroup the init is in (read-only when the mount asks for ro), and links for joint ones.
function v1CgroupRecords(m: OciMount, o: Parsed, ctx: MountContext): PlanRecord[] {
  const where = `${ctx.rootfs}${m.destination}`;
  return [
    { op: 'MKDIR', label: `create mount point ${where}`, nums: [0o755], strs: [m.destination] },
    { op: 'MOUNT_FS', label: `mount tmpfs on ${where}`, nums: [TMPFS_ATTR, o.propagation, 0, 0], strs: ['tmpfs', 'tmpfs', m.destination, 'mode', '755'] },
    ...ctx.cgroupViews.flatMap((view): PlanRecord[] => {
      const target = path.posix.join(m.destination, view.name);
      return [
        { op: 'MKDIR', label: `create mount point ${ctx.rootfs}${target}`, nums: [0o755], strs: [target] },
        { op: 'MOUNT_BIND', label: `bind ${view.hostDir} onto ${ctx.rootfs}${target}`, nums: [o.attr | TMPFS_ATTR, o.propagation, 0, 0], strs: [view.hostDir, target] },
        ...view.links.map((link): PlanRecord => {
          const at = path.posix.join(m.destination, link);
          return { op: 'SYMLINK', label: `symlink ${ctx.rootfs}${at} -> ${view.name}`, strs: [view.name, at] };
        }),
      ];
    }),
  ];
}

function fsRecords(m: OciMount, i: number, o: Parsed, ctx: MountContext): PlanRecord[] {
  let fstype = m.type!;
  if (fstype === 'cgroup') {
    if (ctx.cgroupViews.length > 0) return v1CgroupRecords(m, o, ctx);
    if (!ctx.cgroup2) throw new SkerryError('CONFIG_INVALID', `mounts[${i}] of type cgroup needs a cgroup hierarchy on the host`, { field: `mounts[${i}].type` });
    fstype = 'cgroup2';
  }
  // proc and sysfs go only onto a real directory, and /proc is checked to be a procfs after.
  const strict = fstype === 'proc' || fstype === 'sysfs';
  const magic = fstype === 'proc' ? PROC_SUPER_MAGIC : fstype === 'sysfs' ? SYSFS_MAGIC : 0;
  const where = `${ctx.rootfs}${m.destination}`;
  return [
    { op: 'MKDIR', label: `create mount point ${where}`, nums: [0o755], strs: [m.destination] },
    {
      op: 'MOUNT_FS',
      label: `mount ${fstype} on ${where}`,
      nums: [o.attr, o.propagation, strict ? RESOLVE_NO_SYMLINKS : 0, magic],
      strs: [fstype, m.source ?? '', m.destination, ...o.data.flat()],
    },
  ];
}

/** MKDIR/MKFILE + MOUNT_FS/MOUNT_BIND records for mounts[i]. */
export function mountRecordsOf(m: OciMount, i: number, ctx: MountContext): PlanRecord[] {
  const options = parseOptions(m.options);
  if (m.type === 'bind' || options.bind) return bindRecords(m, i, options, ctx);
  if (!m.type) throw new SkerryError('CONFIG_INVALID', `mounts[${i}].type must be set unless options has bind or rbind`, { field: `mounts[${i}].type` });
  return fsRecords(m, i, options, ctx);
}

/**
 * Whether a mount's records depend on more than the spec and the rootfs: a bind looks at
 * its source on the host, a cgroup mount shows the container's own cgroups.
 */
export function dependsOnHost(m: OciMount): boolean {
  return m.type === 'bind' || m.type === 'cgroup' || m.options.includes('bind') || m.options.includes('rbind');
}

/** The standard device nodes and /dev links (mknod, or a bind of the host's node in a user namespace). */
export function deviceRecords(ctx: MountContext): PlanRecord[] {
  const nodes = DEVICES.flatMap(([name, major, minor]): PlanRecord[] => {
    const target = `/dev/${name}`;
    const where = `${ctx.rootfs}${target}`;
    if (!ctx.userns) return [{ op: 'MKNOD', label: `mknod ${where} (${major}:${minor})`, nums: [S_IFCHR | 0o666, major, minor], strs: [target] }];
    return [
      { op: 'MKFILE', label: `create ${where}`, nums: [0o644], strs: [target] },
      { op: 'MOUNT_BIND', label: `bind /dev/${name} onto ${where}`, nums: [0, 0, 0, 0], strs: [target, target] },
    ];
  });
  const links = DEV_LINKS.map(([text, link]): PlanRecord => ({ op: 'SYMLINK', label: `symlink ${ctx.rootfs}${link} -> ${text}`, strs: [text, link] }));
  return [...nodes, ...links];
}

/** maskedPaths and readonlyPaths; missing paths are skipped by the shim. */
export function protectRecords(masked: string[], readonly: string[], rootfs: string): PlanRecord[] {
  return [
    ...masked.map((p): PlanRecord => ({ op: 'MASK', label: `mask ${rootfs}${p}`, strs: [p] })),
    ...readonly.map((p): PlanRecord => ({ op: 'READONLY', label: `make ${rootfs}${p} read-only`, strs: [p] })),
  ];
}
