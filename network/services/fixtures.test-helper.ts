// Small builders for Service and Endpoints objects as the node's view carries them.
import type { EndpointSubset, Endpoints, Service, ServicePort } from './kube.ts';

export function service(namespace: string, name: string, clusterIP: string, ports: ServicePort[], type = 'ClusterIP'): Service {
  return { metadata: { namespace, name }, spec: { type, clusterIP, ports } };
}

export function endpoints(namespace: string, name: string, subsets: EndpointSubset[]): Endpoints {
  return { metadata: { namespace, name }, subsets };
}

/** One subset: these ready (and not ready) addresses on these ports. */
export function subset(ready: string[], ports: Array<{ name?: string; port: number; protocol?: string }>, notReady: string[] = []): EndpointSubset {
  return {
    ...(ready.length > 0 ? { addresses: ready.map((ip) => ({ ip })) } : {}),
    ...(notReady.length > 0 ? { notReadyAddresses: notReady.map((ip) => ({ ip })) } : {}),
    ports: ports.map((p) => ({ protocol: 'TCP', ...p })),
  };
}

export const BASE = { nodeIps: ['192.168.77.1'], clusterCidr: '10.42.0.0/16' };
