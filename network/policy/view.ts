// The pods, namespaces and local addresses of the input, checked: a bad entry is left out and
// reported, naming the object, the field and the reason. Leaving a pod out can only narrow
// what policies allow (it is in no peer set); its own isolation is decided by its addresses.
import { canonicalAddress } from './addresses.ts';
import type { Labels } from './selector.ts';
import type { PolicyInput, PolicyNamespace, PolicyPod, Protocol } from './types.ts';

export interface PodView {
  key: string;
  namespace: string;
  labels: Labels;
  /** Canonical address texts. */
  ips: string[];
  ports: Array<{ name: string; protocol: Protocol; port: number }>;
}

export interface ClusterView {
  pods: PodView[];
  namespaceLabels: Map<string, Labels>;
  /** Canonical local pod address → its pod. */
  local: Map<string, PodView>;
}

const PROTOCOLS: Record<string, Protocol> = { TCP: 'tcp', UDP: 'udp', SCTP: 'sctp' };

export function protocolOf(value: unknown): Protocol | undefined {
  return value === undefined || value === null ? 'tcp' : typeof value === 'string' ? PROTOCOLS[value] : undefined;
}

export const isPort = (v: unknown): v is number => Number.isInteger(v) && (v as number) >= 1 && (v as number) <= 65535;

function isLabels(v: unknown): v is Labels {
  return !!v && typeof v === 'object' && !Array.isArray(v) && Object.values(v).every((s) => typeof s === 'string');
}

function podView(pod: PolicyPod, i: number, problems: string[]): PodView | undefined {
  const label = `pod ${pod?.namespace}/${pod?.name}`;
  if (!pod || typeof pod.namespace !== 'string' || typeof pod.name !== 'string') return void problems.push(`pods[${i}]: needs a string namespace and name`);
  if (!isLabels(pod.labels ?? {})) return void problems.push(`${label}: labels: is not a map of strings`);
  if (!Array.isArray(pod.ips)) return void problems.push(`${label}: ips: is not a list`);
  const ips: string[] = [];
  pod.ips.forEach((ip, n) => {
    const canonical = typeof ip === 'string' ? canonicalAddress(ip) : undefined;
    if (canonical) ips.push(canonical);
    else problems.push(`${label}: ips[${n}]: ${JSON.stringify(ip)} is not an IP address`);
  });
  return { key: `${pod.namespace}/${pod.name}`, namespace: pod.namespace, labels: pod.labels ?? {}, ips, ports: containerPorts(pod, label, problems) };
}

function containerPorts(pod: PolicyPod, label: string, problems: string[]): PodView['ports'] {
  const out: PodView['ports'] = [];
  (Array.isArray(pod.ports) ? pod.ports : []).forEach((p, n) => {
    if (!p?.name) return; // only named container ports matter to policies
    const protocol = protocolOf(p.protocol);
    if (!protocol) return void problems.push(`${label}: ports[${n}].protocol: ${JSON.stringify(p.protocol)} is not TCP, UDP or SCTP`);
    if (!isPort(p.containerPort)) return void problems.push(`${label}: ports[${n}].containerPort: ${JSON.stringify(p.containerPort)} is not a port (1-65535)`);
    out.push({ name: p.name, protocol, port: p.containerPort });
  });
  return out;
}

function namespaceLabels(namespaces: PolicyNamespace[], problems: string[]): Map<string, Labels> {
  const out = new Map<string, Labels>();
  namespaces.forEach((ns, i) => {
    if (!ns || typeof ns.name !== 'string') return void problems.push(`namespaces[${i}].name: is not a string`);
    if (!isLabels(ns.labels ?? {})) return void problems.push(`namespace ${ns.name}: labels: is not a map of strings`);
    out.set(ns.name, ns.labels ?? {});
  });
  return out;
}

function checkLists(input: PolicyInput): void {
  for (const field of ['policies', 'pods', 'namespaces', 'localPodIps'] as const) {
    if (!Array.isArray(input?.[field])) throw new TypeError(`${field}: is not a list`);
  }
}

/** The checked view; throws a TypeError only when a whole list is missing. */
export function clusterView(input: PolicyInput, problems: string[]): ClusterView {
  checkLists(input);
  // Host-network pods share the node's addresses; isolating those would police the node itself.
  const pods = input.pods.map((p, i) => (p?.hostNetwork ? undefined : podView(p, i, problems))).filter((p): p is PodView => !!p);
  const byIp = new Map<string, PodView>();
  for (const pod of pods) for (const ip of pod.ips) byIp.set(ip, pod);
  const local = new Map<string, PodView>();
  input.localPodIps.forEach((ip, i) => {
    const canonical = typeof ip === 'string' ? canonicalAddress(ip) : undefined;
    if (!canonical) return void problems.push(`localPodIps[${i}]: ${JSON.stringify(ip)} is not an IP address`);
    const pod = byIp.get(canonical);
    if (pod) local.set(canonical, pod);
  });
  return { pods, namespaceLabels: namespaceLabels(input.namespaces, problems), local };
}
