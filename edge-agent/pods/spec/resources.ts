// Container resources as the kubelet turns them into cgroup settings, and the pod's QoS
// class. Quantities are parsed here (the agent does not import the server's parser): enough
// precision for cpu in millicores and memory in bytes.
import type { KubeContainer, Pod, Quantity } from '../types.ts';
import { PodError } from './errors.ts';

const SUFFIX: Record<string, number> = {
  n: 1e-9, u: 1e-6, m: 1e-3, '': 1, k: 1e3, M: 1e6, G: 1e9, T: 1e12, P: 1e15, E: 1e18,
  Ki: 2 ** 10, Mi: 2 ** 20, Gi: 2 ** 30, Ti: 2 ** 40, Pi: 2 ** 50, Ei: 2 ** 60,
};
const QUANTITY = /^([+-]?(?:\d+\.?\d*|\.\d+))(?:([eE][+-]?\d+)|(Ki|Mi|Gi|Ti|Pi|Ei|n|u|m|k|M|G|T|P|E))?$/;

/** A Kubernetes quantity as a number ("100m" → 0.1, "64Mi" → 67108864), or undefined when malformed. */
export function quantityValue(q: Quantity | undefined): number | undefined {
  if (q === undefined) return undefined;
  if (typeof q === 'number') return Number.isFinite(q) ? q : undefined;
  const m = QUANTITY.exec(q.trim());
  if (!m) return undefined;
  const base = Number(m[1]);
  if (m[2]) return base * 10 ** Number(m[2].slice(1));
  return base * SUFFIX[m[3] ?? '']!;
}

function required(q: Quantity | undefined, what: string): number | undefined {
  if (q === undefined) return undefined;
  const value = quantityValue(q);
  if (value === undefined || value < 0) throw new PodError('CreateContainerConfigError', `${what} ${JSON.stringify(q)} is not a valid quantity`);
  return value;
}

// Kubelet's MilliCPUToShares / MilliCPUToQuota bounds.
const MIN_SHARES = 2;
const MAX_SHARES = 262_144;
const QUOTA_PERIOD_US = 100_000;
const MIN_QUOTA_US = 1_000;

/**
 * OCI linux.resources for a container: cpu.shares from the cpu request (2 when none, as
 * for BestEffort pods), a CFS quota from the cpu limit, the memory limit, and a pids limit.
 */
export function linuxResources(container: KubeContainer, pidsLimit: number): Record<string, unknown> {
  const { requests = {}, limits = {} } = container.resources ?? {};
  const cpuRequest = required(requests.cpu ?? limits.cpu, 'resources.requests.cpu');
  const cpuLimit = required(limits.cpu, 'resources.limits.cpu');
  const memoryLimit = required(limits.memory, 'resources.limits.memory');
  const milli = cpuRequest === undefined ? 0 : Math.ceil(cpuRequest * 1000);
  const shares = Math.min(MAX_SHARES, Math.max(MIN_SHARES, Math.floor((milli * 1024) / 1000)));
  const cpu: Record<string, number> = { shares };
  if (cpuLimit !== undefined && cpuLimit > 0) {
    cpu.quota = Math.max(MIN_QUOTA_US, Math.floor((Math.ceil(cpuLimit * 1000) * QUOTA_PERIOD_US) / 1000));
    cpu.period = QUOTA_PERIOD_US;
  }
  const resources: Record<string, unknown> = { cpu };
  if (memoryLimit !== undefined && memoryLimit > 0) resources.memory = { limit: Math.ceil(memoryLimit) };
  if (pidsLimit > 0) resources.pids = { limit: pidsLimit };
  return resources;
}

const COMPUTE = ['cpu', 'memory'];

function addPositive(sums: Map<string, number>, map: Record<string, Quantity> | undefined): Set<string> {
  const found = new Set<string>();
  for (const name of COMPUTE) {
    const value = quantityValue(map?.[name]);
    if (value === undefined || value <= 0) continue;
    found.add(name);
    sums.set(name, (sums.get(name) ?? 0) + value);
  }
  return found;
}

/**
 * v1qos.GetPodQOS: BestEffort without cpu/memory requests or limits; Guaranteed when every
 * container limits both and the summed requests equal the summed limits; else Burstable.
 */
export function qosClass(pod: Pod): 'BestEffort' | 'Burstable' | 'Guaranteed' {
  const requests = new Map<string, number>();
  const limits = new Map<string, number>();
  let guaranteed = true;
  for (const c of [...(pod.spec.initContainers ?? []), ...pod.spec.containers]) {
    addPositive(requests, c.resources?.requests);
    if (addPositive(limits, c.resources?.limits).size < COMPUTE.length) guaranteed = false;
  }
  if (requests.size === 0 && limits.size === 0) return 'BestEffort';
  for (const [name, value] of requests) if (limits.get(name) !== value) guaranteed = false;
  return guaranteed && requests.size === limits.size ? 'Guaranteed' : 'Burstable';
}
