import type { KubeObject } from './types.ts';

interface Resources {
  requests?: Record<string, unknown>;
  limits?: Record<string, unknown>;
}

/** A new pod's status, as kube-apiserver's pod strategy writes it on create: Pending, with its QoS class. */
export function initialPodStatus(pod: KubeObject): Record<string, unknown> {
  return { phase: 'Pending', qosClass: qosClassOf(pod) };
}

/**
 * Kubernetes' QoS class: BestEffort without any request or limit; Guaranteed when every
 * container limits cpu and memory and requests exactly that; Burstable otherwise.
 */
export function qosClassOf(pod: KubeObject): 'BestEffort' | 'Burstable' | 'Guaranteed' {
  const spec = (pod.spec ?? {}) as { containers?: unknown; initContainers?: unknown };
  const containers = [spec.containers, spec.initContainers].flatMap((list) => (Array.isArray(list) ? list : [])) as Array<{ resources?: Resources }>;
  let any = false;
  let guaranteed = containers.length > 0;
  for (const container of containers) {
    const { requests = {}, limits = {} } = container?.resources ?? {};
    if (Object.keys(requests).length > 0 || Object.keys(limits).length > 0) any = true;
    for (const resource of ['cpu', 'memory']) {
      if (limits[resource] === undefined || String(requests[resource] ?? limits[resource]) !== String(limits[resource])) guaranteed = false;
    }
  }
  if (!any) return 'BestEffort';
  return guaranteed ? 'Guaranteed' : 'Burstable';
}
