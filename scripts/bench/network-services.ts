/**
 * Part 3 of the network bench: connect+request latency from a pod to a ClusterIP, with
 * 10,000 other Services programmed on the client's node, against the same request sent to
 * the pod address directly (with the table there, and before it was made).
 */
import { applyServices, compileServices, removeServices, type Endpoints, type Service } from '../../network/services/index.ts';
import type { Lab } from '../../test/lab/index.ts';
import { CLUSTER_CIDR, ECHO_PORT, type BenchPod } from './network-lab.ts';
import { connectLatencies } from './network-probes.ts';
import { summarize, type Summary } from './stats.ts';

export const CLUSTER_IP = '10.43.0.10';
const SERVICE_PORT = 80;

function bulkView(count: number, server: BenchPod): { services: Service[]; endpoints: Endpoints[] } {
  const services: Service[] = [];
  const endpoints: Endpoints[] = [];
  const add = (name: string, clusterIP: string, ips: string[], port: number, targetPort: number) => {
    services.push({ metadata: { namespace: 'bench', name }, spec: { type: 'ClusterIP', clusterIP, ports: [{ name: 'http', protocol: 'TCP', port, targetPort }] } });
    endpoints.push({ metadata: { namespace: 'bench', name }, subsets: [{ addresses: ips.map((ip) => ({ ip })), ports: [{ name: 'http', protocol: 'TCP', port: targetPort }] }] });
  };
  add('echo', CLUSTER_IP, [server.ip], SERVICE_PORT, ECHO_PORT);
  // Two endpoints each (addresses nobody has), as in services.netns.test.ts.
  for (let i = 0; i < count; i++) add(`bulk-${i}`, `10.43.${100 + (i >> 8)}.${i & 255}`, [`10.44.${i >> 8}.${i & 255}`, `10.45.${i >> 8}.${i & 255}`], 80, 8080);
  return { services, endpoints };
}

export interface ServiceSettings {
  services: number;
  connects: number;
}

export interface ServiceResult {
  services: number;
  compileMs: number;
  applyMs: number;
  commands: number;
  /** ms per connect+request+close. */
  directBefore: Summary;
  direct: Summary;
  clusterIp: Summary;
  errors: Record<string, Record<string, number>>;
}

const WARMUP = 10;

export async function measureServices(lab: Lab, client: BenchPod, server: BenchPod, settings: ServiceSettings, progress: (m: string) => void): Promise<ServiceResult> {
  const netns = client.node.host.netnsPath;
  const direct = `${server.ip}:${ECHO_PORT}`;
  const viaService = `${CLUSTER_IP}:${SERVICE_PORT}`;
  const before = await connectLatencies(lab, client, settings.connects, [direct]);
  progress(`services: ${settings.connects} connects to the pod address before any Service`);
  try {
    const c0 = performance.now();
    const rules = compileServices({ ...bulkView(settings.services, server), nodeIps: [client.node.host.ip], clusterCidr: CLUSTER_CIDR });
    const compileMs = performance.now() - c0;
    if (rules.problems.length > 0) throw new Error(`services view: ${rules.problems.slice(0, 3).join('; ')}`);
    const a0 = performance.now();
    const applied = await applyServices(undefined, rules, { netns });
    const applyMs = performance.now() - a0;
    progress(`services: ${rules.ports.length} Service ports compiled in ${compileMs.toFixed(0)} ms, programmed in ${applyMs.toFixed(0)} ms (${applied.commands} nft commands)`);
    const after = await connectLatencies(lab, client, settings.connects, [viaService, direct]);
    const errors = { ...Object.fromEntries(Object.entries(before.errors).map(([k, v]) => [`${k} (before)`, v])), ...after.errors };
    const failures = Object.values(errors).reduce((n, e) => n + Object.values(e).reduce((a, b) => a + b, 0), 0);
    if (failures > 0) throw new Error(`connects failed: ${JSON.stringify(errors)}`);
    const summary = (samples: number[] | undefined) => summarize((samples ?? []).slice(WARMUP));
    return {
      services: rules.ports.length,
      compileMs,
      applyMs,
      commands: applied.commands,
      directBefore: summary(before.samples[direct]),
      direct: summary(after.samples[direct]),
      clusterIp: summary(after.samples[viaService]),
      errors,
    };
  } finally {
    await removeServices({ netns });
  }
}
