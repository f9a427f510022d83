// Cluster IPs and node ports for Services, as kube-apiserver's service registry hands them out:
// at create (and when an update turns a Service into a NodePort), never the same value twice
// among live Services. The taken values are read from the store once and then kept in memory;
// any Service delete or update makes the next allocation read them again, and values handed
// out to writes still in flight are kept aside so a re-read cannot give them out twice.
import type { KubeObject, StatusCause } from './types.ts';

export interface ServiceRanges {
  /** The Service CIDR (kube-apiserver's --service-cluster-ip-range), IPv4. */
  serviceCidr: string;
  /** The node port range, inclusive (--service-node-port-range). */
  nodePorts: { first: number; last: number };
}

export const DEFAULT_SERVICE_RANGES: ServiceRanges = { serviceCidr: '10.43.0.0/16', nodePorts: { first: 30000, last: 32767 } };

export interface ServiceAllocator {
  /**
   * Fills in the cluster IP and node ports `service` needs (in place). Returns causes when a
   * requested value is outside its range or taken; otherwise a function that says whether the
   * write landed, to be called once it is known.
   */
  allocate(service: KubeObject, old: KubeObject | undefined): Promise<StatusCause[] | ((landed: boolean) => void)>;
  /** A Service was deleted or changed: read the taken values again before the next allocation. */
  forget(): void;
}

interface Taken {
  ips: Set<number>;
  ports: Set<number>;
}

type Spec = { type?: string; clusterIP?: string; clusterIPs?: string[]; ipFamilies?: string[]; ipFamilyPolicy?: string; ports?: Array<{ nodePort?: number }> };

export function parseIpv4(text: string): number | undefined {
  const parts = text.split('.');
  if (parts.length !== 4 || parts.some((p) => !/^\d{1,3}$/.test(p) || Number(p) > 255)) return undefined;
  return parts.reduce((n, p) => n * 256 + Number(p), 0);
}

export function formatIpv4(n: number): string {
  return [n >>> 24, (n >>> 16) & 255, (n >>> 8) & 255, n & 255].join('.');
}

/** The first and last usable address of an IPv4 CIDR (network and broadcast excluded). */
export function cidrRange(cidr: string): { first: number; last: number; base: number; bits: number } {
  const [address, bitsText] = cidr.split('/');
  const base = parseIpv4(address ?? '');
  const bits = Number(bitsText);
  if (base === undefined || !Number.isInteger(bits) || bits < 8 || bits > 30) throw new Error(`${cidr} is not an IPv4 CIDR between /8 and /30`);
  const size = 2 ** (32 - bits);
  const network = base - (base % size);
  return { first: network + 1, last: network + size - 2, base: network, bits };
}

const usesClusterIp = (spec: Spec) => spec.type !== 'ExternalName' && spec.clusterIP !== 'None';
const usesNodePorts = (spec: Spec) => spec.type === 'NodePort' || spec.type === 'LoadBalancer';

export function createServiceAllocator(listServices: () => Promise<KubeObject[]>, ranges: ServiceRanges = DEFAULT_SERVICE_RANGES): ServiceAllocator {
  const ipRange = cidrRange(ranges.serviceCidr);
  // kube-apiserver keeps the lower part of the range for static picks (the DNS Service's .10): dynamic picks start higher.
  const dynamicStart = Math.min(ipRange.last, ipRange.first + Math.max(16, Math.min(256, Math.floor((ipRange.last - ipRange.first) / 16))));
  let stored: Promise<Taken> | undefined;
  const pending: Taken = { ips: new Set(), ports: new Set() };
  let nextIp = dynamicStart;
  let nextPort = ranges.nodePorts.first;

  async function load(): Promise<Taken> {
    const taken: Taken = { ips: new Set(), ports: new Set() };
    for (const service of await listServices()) {
      const spec = (service.spec ?? {}) as Spec;
      for (const ip of spec.clusterIPs ?? [spec.clusterIP ?? '']) {
        const n = parseIpv4(ip);
        if (n !== undefined) taken.ips.add(n);
      }
      for (const port of spec.ports ?? []) if (port.nodePort) taken.ports.add(port.nodePort);
    }
    return taken;
  }

  const isTaken = (taken: Taken, kind: keyof Taken, value: number) => taken[kind].has(value) || pending[kind].has(value);

  function pickIp(taken: Taken): number | undefined {
    const size = ipRange.last - ipRange.first + 1;
    for (let i = 0; i < size; i++) {
      const candidate = ipRange.first + ((nextIp - ipRange.first + i) % size);
      if (!isTaken(taken, 'ips', candidate)) {
        nextIp = candidate + 1 > ipRange.last ? dynamicStart : candidate + 1;
        return candidate;
      }
    }
    return undefined;
  }

  function pickPort(taken: Taken): number | undefined {
    const { first, last } = ranges.nodePorts;
    for (let i = 0; i <= last - first; i++) {
      const candidate = first + ((nextPort - first + i) % (last - first + 1));
      if (!isTaken(taken, 'ports', candidate)) {
        nextPort = candidate + 1;
        return candidate;
      }
    }
    return undefined;
  }

  async function allocate(service: KubeObject, old: KubeObject | undefined): Promise<StatusCause[] | ((landed: boolean) => void)> {
    stored ??= load();
    const taken = await stored;
    const spec = (service.spec ?? {}) as Spec;
    const before = (old?.spec ?? {}) as Spec;
    const mine: Taken = { ips: new Set(), ports: new Set() };
    const causes: StatusCause[] = [];
    if (usesClusterIp(spec)) {
      const requested = spec.clusterIP ?? '';
      if (requested === '') {
        const ip = pickIp(taken);
        if (ip === undefined) causes.push({ reason: 'FieldValueInvalid', field: 'spec.clusterIPs', message: `failed to allocate IP from ${ranges.serviceCidr}: range is full` });
        else {
          mine.ips.add(ip);
          spec.clusterIP = formatIpv4(ip);
          spec.clusterIPs = [spec.clusterIP];
          spec.ipFamilies = ['IPv4'];
          spec.ipFamilyPolicy ??= 'SingleStack';
        }
      } else if (requested !== before.clusterIP) {
        const ip = parseIpv4(requested);
        if (ip !== undefined && (ip < ipRange.first || ip > ipRange.last)) {
          causes.push({ reason: 'FieldValueInvalid', field: 'spec.clusterIPs', message: `failed to allocate IP ${requested}: the provided IP (${requested}) is not in the valid range. The range of valid IPs is ${ranges.serviceCidr}` });
        } else if (ip !== undefined && isTaken(taken, 'ips', ip)) {
          causes.push({ reason: 'FieldValueInvalid', field: 'spec.clusterIPs', message: `failed to allocate IP ${requested}: provided IP is already allocated` });
        } else if (ip !== undefined) mine.ips.add(ip);
      }
    }
    const keptPorts = new Set((before.ports ?? []).map((p) => p.nodePort).filter((p): p is number => !!p));
    if (usesNodePorts(spec)) {
      (spec.ports ?? []).forEach((port, i) => {
        if (!port.nodePort) {
          const picked = pickPort(taken);
          if (picked === undefined) return void causes.push({ reason: 'FieldValueInvalid', field: `spec.ports[${i}].nodePort`, message: 'failed to allocate a node port: range is full' });
          mine.ports.add(picked);
          port.nodePort = picked;
        } else if (!keptPorts.has(port.nodePort)) {
          const { first, last } = ranges.nodePorts;
          if (port.nodePort < first || port.nodePort > last) causes.push({ reason: 'FieldValueInvalid', field: `spec.ports[${i}].nodePort`, message: `provided port is not in the valid range. The range of valid ports is ${first}-${last}` });
          else if (isTaken(taken, 'ports', port.nodePort) || mine.ports.has(port.nodePort)) causes.push({ reason: 'FieldValueInvalid', field: `spec.ports[${i}].nodePort`, message: `provided port is already allocated` });
          else mine.ports.add(port.nodePort);
        }
      });
    } else {
      // A Service that stops being a NodePort gives its ports back, as Kubernetes clears them.
      for (const port of spec.ports ?? []) delete port.nodePort;
    }
    if (causes.length > 0) return causes;
    for (const ip of mine.ips) pending.ips.add(ip);
    for (const port of mine.ports) pending.ports.add(port);
    return (landed: boolean) => {
      for (const ip of mine.ips) (pending.ips.delete(ip), landed && taken.ips.add(ip));
      for (const port of mine.ports) (pending.ports.delete(port), landed && taken.ports.add(port));
    };
  }

  return {
    allocate,
    forget: () => {
      stored = undefined;
    },
  };
}
