// What the node's network is made from, read out of its local view (the SQLite cache): its own
// pod CIDR, its peers, Services and Endpoints, Namespaces, NetworkPolicies and policy peers.
// Only the cache is read, so everything here keeps working while the node is offline.
import type { ViewObject } from '../../common/sync/index.ts';
import type { Endpoints, Service } from '../../network/services/index.ts';
import type { LocalPod } from './local-pods.ts';

export interface ViewReader {
  get(key: string): ViewObject | undefined;
  list(prefix: string): Array<{ key: string; rev: number; object: ViewObject }>;
}

export interface Peer {
  name: string;
  podCidr: string;
  nodeIp: string;
}

type NodeObject = { metadata?: { name?: string }; spec?: { podCIDR?: string }; status?: { addresses?: Array<{ type: string; address: string }> } };

export function ownPodCidr(view: ViewReader, node: string): string | undefined {
  return (view.get(`nodes/${node}`) as NodeObject | undefined)?.spec?.podCIDR;
}

/** Every other node with a pod CIDR and an InternalIP. */
export function peers(view: ViewReader, node: string): Peer[] {
  const found: Peer[] = [];
  for (const { object } of view.list('nodes/')) {
    const peer = object as NodeObject;
    const name = peer.metadata?.name;
    const podCidr = peer.spec?.podCIDR;
    const nodeIp = peer.status?.addresses?.find((a) => a.type === 'InternalIP')?.address;
    if (name && name !== node && podCidr && nodeIp) found.push({ name, podCidr, nodeIp });
  }
  return found;
}

export const objectsOf = (view: ViewReader, resource: string): ViewObject[] => view.list(`${resource}/`).map((e) => e.object);

/** The view's Services and Endpoints, read once per pass for both the rules and DNS. */
export interface ServiceInputs {
  /** Changes exactly when an entry is added, changed or removed: its keys and revisions. */
  signature: string;
  services: Service[];
  endpoints: Endpoints[];
}

export function serviceInputs(view: ViewReader): ServiceInputs {
  const services = view.list('services/');
  const endpoints = view.list('endpoints/');
  const signature = [...services, ...endpoints].map((e) => `${e.key}@${e.rev}`).join(' ');
  return { signature, services: services.map((e) => e.object) as unknown as Service[], endpoints: endpoints.map((e) => e.object) as unknown as Endpoints[] };
}

export interface PolicyPodInfo {
  namespace: string;
  name: string;
  labels: Record<string, string>;
  ips: string[];
  ports: Array<{ name?: string; containerPort: number; protocol: string }>;
}

type PodObject = {
  metadata?: { name?: string; namespace?: string; uid?: string; labels?: Record<string, string> };
  spec?: { nodeName?: string; containers?: Array<{ ports?: Array<{ name?: string; containerPort: number; protocol?: string }> }>; ports?: Array<{ name?: string; containerPort: number; protocol?: string }> };
  status?: { podIP?: string; podIPs?: Array<{ ip: string }> };
};

/**
 * Every pod a policy may name, with its address: this node's own pods from what it wired
 * (their labels and ports from the view), the others as the server last reported them.
 */
export function policyPods(view: ViewReader, local: LocalPod[]): PolicyPodInfo[] {
  const pods = new Map<string, PolicyPodInfo>();
  for (const { object } of view.list('peerpods/')) {
    const pod = object as PodObject;
    const ips = (pod.status?.podIPs ?? []).map((p) => p.ip).filter(Boolean);
    if (!pod.metadata?.name || !pod.metadata.namespace || ips.length === 0) continue;
    pods.set(`${pod.metadata.namespace}/${pod.metadata.name}`, {
      namespace: pod.metadata.namespace, name: pod.metadata.name, labels: pod.metadata.labels ?? {}, ips,
      ports: (pod.spec?.ports ?? []).map((p) => ({ ...p, protocol: p.protocol ?? 'TCP' })),
    });
  }
  for (const mine of local) {
    const pod = view.get(`pods/${mine.namespace}/${mine.name}`) as PodObject | undefined;
    if (!pod || pod.metadata?.uid !== mine.uid) continue;
    const ports = (pod.spec?.containers ?? []).flatMap((c) => c.ports ?? []).map((p) => ({ ...p, protocol: p.protocol ?? 'TCP' }));
    pods.set(`${mine.namespace}/${mine.name}`, { namespace: mine.namespace, name: mine.name, labels: pod.metadata?.labels ?? {}, ips: [mine.ip], ports });
  }
  return [...pods.values()];
}

export function namespaces(view: ViewReader): Array<{ name: string; labels: Record<string, string> }> {
  return objectsOf(view, 'namespaces').map((o) => {
    const meta = (o.metadata ?? {}) as { name?: string; labels?: Record<string, string> };
    // Kubernetes labels every namespace with its name (NamespaceDefaultLabelName); older objects may lack it.
    return { name: meta.name ?? '', labels: { 'kubernetes.io/metadata.name': meta.name ?? '', ...(meta.labels ?? {}) } };
  }).filter((n) => n.name);
}
