import fs from 'node:fs';
import path from 'node:path';
import { hierarchyFor, readCgroupLayout, resourceLimits, type CgroupLayout } from '../../native/index.ts';
import { requireTool } from './tools.ts';
import type { Probe } from './types.ts';

const CAP_SYS_RESOURCE = 24n;

function describeLayout(layout: CgroupLayout): string {
  const parts = layout.hierarchies
    .filter((h) => h.version === 2 || h.controllers.length > 0)
    .map((h) => `v${h.version} ${h.mountPoint} (${h.controllers.join(', ') || 'no controllers'})`);
  return `${layout.mode}: ${parts.join('; ')}`;
}

export const cgroupLayoutProbe: Probe = {
  group: 'Cgroups',
  name: 'cgroup layout',
  required: true,
  remedy: 'mount cgroup2 on /sys/fs/cgroup (systemd does) or the v1 controllers; kernel option CONFIG_CGROUPS',
  run: () => {
    const layout = readCgroupLayout();
    if (layout.mode === 'none') throw new Error('no cgroup or cgroup2 file system is mounted');
    return describeLayout(layout);
  },
};

/** A controller is present when a child cgroup can be made (and removed) in its hierarchy. */
function controllerProbe(controller: string, required: boolean, option: string): Probe {
  return {
    group: 'Cgroups',
    name: `${controller} controller`,
    required,
    remedy: `kernel option ${option}`,
    run: () => {
      const hierarchy = hierarchyFor(readCgroupLayout(), controller);
      if (!hierarchy) throw new Error(`no mounted hierarchy holds the ${controller} controller`);
      const probe = path.join(hierarchy.mountPoint, `skerry-probe-${process.pid}`);
      fs.mkdirSync(probe);
      fs.rmdirSync(probe);
      return `v${hierarchy.version} at ${hierarchy.mountPoint}; created and removed a child cgroup`;
    },
  };
}

export const controllerProbes: Probe[] = [
  controllerProbe('memory', true, 'CONFIG_MEMCG'),
  controllerProbe('cpu', true, 'CONFIG_CGROUP_SCHED and CONFIG_CFS_BANDWIDTH'),
  controllerProbe('pids', true, 'CONFIG_CGROUP_PIDS'),
  controllerProbe('cpuset', false, 'CONFIG_CPUSETS'),
];

function effectiveCapabilities(): bigint {
  const line = fs.readFileSync('/proc/self/status', 'utf8').split('\n').find((l) => l.startsWith('CapEff:'));
  return BigInt(`0x${line?.split(/\s+/)[1] ?? '0'}`);
}

const shown = (n: number) => (n === Infinity ? 'unlimited' : String(n));

export const rlimitProbe: Probe = {
  group: 'Limits',
  name: 'resource limits',
  required: false,
  remedy: 'run skerry with CAP_SYS_RESOURCE (a systemd unit grants it to root) or raise the hard limits it starts with',
  run: () => {
    const limits = resourceLimits();
    const summary = ['nofile', 'nproc', 'memlock', 'stack']
      .map((name) => `${name} hard=${shown(limits[name]!.hard)}`)
      .join(', ');
    if ((effectiveCapabilities() >> CAP_SYS_RESOURCE) & 1n) return `${summary}; can raise them (CAP_SYS_RESOURCE)`;
    return { degraded: `${summary}; no CAP_SYS_RESOURCE, so containers cannot get limits above these, and a volume grows only while no pod has it mounted` };
  },
};

const TOOLS: Array<[string, string, boolean]> = [
  ['ip', 'iproute2', true],
  ['nft', 'nftables', true],
  // Local persistent volumes: a loop-mounted ext4 image each (docs/adr/012-local-volumes.md).
  ['losetup', 'util-linux', false],
  ['mkfs.ext4', 'e2fsprogs', false],
  ['resize2fs', 'e2fsprogs', false],
];

/** Loop devices back local persistent volumes; without them a claim's pod cannot start. */
export const loopProbe: Probe = {
  group: 'Storage',
  name: 'loop devices',
  required: false,
  remedy: 'kernel option CONFIG_BLK_DEV_LOOP (modprobe loop)',
  run: () => {
    const fd = fs.openSync('/dev/loop-control', 'r');
    fs.closeSync(fd);
    return 'opened /dev/loop-control';
  },
};

export const toolProbes: Probe[] = TOOLS.map(([tool, pkg, required]) => ({
  group: 'Tools',
  name: tool,
  required,
  remedy: `Debian package ${pkg}`,
  run: () => requireTool(tool, pkg),
}));
