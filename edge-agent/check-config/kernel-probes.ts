import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { kernelConstants, probePidfd, runChildSteps, type KernelConstant } from '../../native/index.ts';
import { requireTool } from './tools.ts';
import type { Probe } from './types.ts';

const NAMESPACES: Array<[string, KernelConstant, string, boolean]> = [
  ['pid', 'CLONE_NEWPID', 'CONFIG_PID_NS', true],
  ['mount', 'CLONE_NEWNS', 'CONFIG_NAMESPACES', true],
  ['uts', 'CLONE_NEWUTS', 'CONFIG_UTS_NS', true],
  ['ipc', 'CLONE_NEWIPC', 'CONFIG_IPC_NS', true],
  ['net', 'CLONE_NEWNET', 'CONFIG_NET_NS', true],
  ['cgroup', 'CLONE_NEWCGROUP', 'CONFIG_CGROUPS', true],
  ['user', 'CLONE_NEWUSER', 'CONFIG_USER_NS and sysctl user.max_user_namespaces > 0', false],
];

/** Each namespace is tried by a child that unshares it and exits. */
export const namespaceProbes: Probe[] = NAMESPACES.map(([name, flag, option, required]) => ({
  group: 'Namespaces',
  name: `${name} namespace`,
  required,
  remedy: `kernel option ${option}`,
  run: () => {
    runChildSteps([{ kind: 'unshare', label: `unshare ${flag}`, flags: kernelConstants()[flag] }]);
    return `unshare(${flag}) works`;
  },
}));

/** Runs `argv` inside a fresh network namespace, so nothing touches the host's. */
function inScratchNetns(label: string, argv: string[]): string {
  const c = kernelConstants();
  const outcome = runChildSteps([
    { kind: 'unshare', label: 'unshare CLONE_NEWNET', flags: c.CLONE_NEWNET },
    { kind: 'exec', label: `exec ${argv[0]}`, path: argv[0]!, argv },
  ]);
  if (outcome.exitCode !== 0) throw new Error(`${label} failed: ${outcome.output.trim() || `exit ${outcome.exitCode ?? `signal ${outcome.signal}`}`}`);
  return label;
}

const LINK_TYPES: Array<[string, string[], string]> = [
  ['veth', ['type', 'veth', 'peer', 'name', 'skerryprobe1'], 'CONFIG_VETH'],
  ['bridge', ['type', 'bridge'], 'CONFIG_BRIDGE'],
  ['vxlan', ['type', 'vxlan', 'id', '42', 'dstport', '4789'], 'CONFIG_VXLAN'],
];

export const linkProbes: Probe[] = LINK_TYPES.map(([type, args, option]) => ({
  group: 'Networking',
  name: `${type} links`,
  required: true,
  remedy: `kernel option ${option}; the ip tool from Debian package iproute2`,
  run: () => inScratchNetns(`ip link add skerryprobe0 ${args.join(' ')} (in a scratch netns)`, [requireTool('ip', 'iproute2'), 'link', 'add', 'skerryprobe0', ...args]),
}));

export const nftablesProbe: Probe = {
  group: 'Networking',
  name: 'nftables',
  required: true,
  remedy: 'Debian package nftables; kernel option CONFIG_NF_TABLES with CONFIG_NFT_NAT',
  run: () => {
    const nft = requireTool('nft', 'nftables');
    inScratchNetns('nft', [nft, 'add table inet skerry_probe; add chain inet skerry_probe nat_probe { type nat hook prerouting priority -100; }']);
    return `${nft}: created a table and a nat chain in a scratch netns`;
  },
};

export const overlayProbe: Probe = {
  group: 'Filesystems',
  name: 'overlayfs',
  required: true,
  remedy: 'kernel option CONFIG_OVERLAY_FS',
  run: () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'skerry-probe-overlay-'));
    try {
      const [lower, upper, work, merged] = ['lower', 'upper', 'work', 'merged'].map((d) => path.join(dir, d));
      for (const d of [lower!, upper!, work!, merged!]) fs.mkdirSync(d);
      const c = kernelConstants();
      runChildSteps([
        { kind: 'unshare', label: 'unshare CLONE_NEWNS', flags: c.CLONE_NEWNS },
        { kind: 'mount', label: 'make / private', target: '/', flags: c.MS_REC | c.MS_PRIVATE },
        { kind: 'mount', label: `mount overlay on ${merged}`, source: 'overlay', target: merged!, fstype: 'overlay', data: `lowerdir=${lower},upperdir=${upper},workdir=${work}` },
      ]);
      return 'mounted an overlay in a scratch mount namespace';
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  },
};

export const securityProbes: Probe[] = [
  {
    group: 'Security',
    name: 'seccomp filters',
    required: true,
    remedy: 'kernel options CONFIG_SECCOMP and CONFIG_SECCOMP_FILTER',
    run: () => {
      runChildSteps([
        { kind: 'no-new-privs', label: 'prctl PR_SET_NO_NEW_PRIVS' },
        { kind: 'seccomp-allow-all', label: 'seccomp SECCOMP_SET_MODE_FILTER' },
      ]);
      return 'installed a filter with no_new_privs';
    },
  },
  {
    group: 'Security',
    name: 'pidfd',
    required: false,
    remedy: 'Linux 5.3 or later (pidfd_open); without it containers are tracked by pid only',
    run: () => {
      probePidfd();
      return 'pidfd_open works';
    },
  },
];
