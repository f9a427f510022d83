// The Node as the agent reports it, shaped as the kubelet's: real capacity read from the
// host, the addresses it is reached at, and the conditions the scheduler and `kubectl get
// nodes` read. The server creates the Node object from the first report (registration).
import fs from 'node:fs';
import os from 'node:os';
import type { Report } from '../../common/sync/index.ts';

export interface NodeFacts {
  node: string;
  nodeIp: string;
  dataDir: string;
  /** Extra labels, e.g. the control-plane role for the server's own agent. */
  labels?: Record<string, string>;
  version: string;
}

const MAX_PODS = 110;

export function nodeReport(facts: NodeFacts, readyTransition: string, now: Date): Extract<Report, { kind: 'node' }> {
  const arch = goArch(process.arch);
  const capacity = {
    cpu: String(os.cpus().length),
    memory: `${Math.floor(os.totalmem() / 1024)}Ki`,
    pods: String(MAX_PODS),
    'ephemeral-storage': `${Math.floor(diskBytes(facts.dataDir) / 1024)}Ki`,
  };
  const heartbeat = now.toISOString().replace(/\.\d{3}Z$/, 'Z');
  const condition = (type: string, status: string, reason: string, message: string) => ({ type, status, reason, message, lastHeartbeatTime: heartbeat, lastTransitionTime: readyTransition });
  return {
    kind: 'node',
    key: 'node',
    labels: {
      'kubernetes.io/hostname': facts.node,
      'kubernetes.io/os': 'linux',
      'kubernetes.io/arch': arch,
      'beta.kubernetes.io/os': 'linux',
      'beta.kubernetes.io/arch': arch,
      ...facts.labels,
    },
    status: {
      capacity,
      allocatable: capacity,
      conditions: [
        condition('MemoryPressure', 'False', 'KubeletHasSufficientMemory', 'kubelet has sufficient memory available'),
        condition('DiskPressure', 'False', 'KubeletHasNoDiskPressure', 'kubelet has no disk pressure'),
        condition('PIDPressure', 'False', 'KubeletHasSufficientPID', 'kubelet has sufficient PID available'),
        condition('Ready', 'True', 'KubeletReady', 'kubelet is posting ready status'),
      ],
      addresses: [
        { type: 'InternalIP', address: facts.nodeIp },
        { type: 'Hostname', address: facts.node },
      ],
      daemonEndpoints: { kubeletEndpoint: { Port: 0 } },
      nodeInfo: {
        machineID: readFirstLine('/etc/machine-id'),
        systemUUID: readFirstLine('/sys/class/dmi/id/product_uuid'),
        bootID: readFirstLine('/proc/sys/kernel/random/boot_id'),
        kernelVersion: os.release(),
        osImage: osImage(),
        containerRuntimeVersion: `skerry://${facts.version}`,
        kubeletVersion: facts.version,
        kubeProxyVersion: facts.version,
        operatingSystem: 'linux',
        architecture: arch,
      },
    },
  };
}

export function leaseReport(now: Date, durationSeconds: number): Extract<Report, { kind: 'lease' }> {
  return { kind: 'lease', key: 'lease', renewTime: now.toISOString().replace('Z', '000Z'), durationSeconds };
}

function goArch(arch: string): string {
  return ({ x64: 'amd64', arm64: 'arm64', arm: 'arm', ia32: '386' } as Record<string, string>)[arch] ?? arch;
}

function diskBytes(dir: string): number {
  try {
    const stats = fs.statfsSync(dir);
    return stats.blocks * stats.bsize;
  } catch {
    return 0;
  }
}

function readFirstLine(file: string): string {
  try {
    return fs.readFileSync(file, 'utf8').split('\n')[0]!.trim();
  } catch {
    return '';
  }
}

function osImage(): string {
  try {
    const match = /^PRETTY_NAME="?([^"\n]*)"?/m.exec(fs.readFileSync('/etc/os-release', 'utf8'));
    return match?.[1] ?? 'Linux';
  } catch {
    return 'Linux';
  }
}
