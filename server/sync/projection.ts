// What of an object goes into a view. Fields that only echo what the node itself reported
// (a pod's status, its own node's status) or that churn without meaning for the node
// (resourceVersion, managedFields, a peer's heartbeat conditions) are left out, so a
// status report does not come straight back down as a "change" and an idle node stays idle.
import type { ViewObject, ViewResource } from '../../common/sync/index.ts';

export interface Projection {
  object: ViewObject;
  fingerprint: string;
}

// Projections are pure functions of an immutable stored object, so each is made once.
// A pod is projected two ways (as the node's own pod and as a policy peer), so the slot names the resource.
const memo = new WeakMap<ViewObject, Map<string, Projection>>();

export function project(resource: ViewResource, object: ViewObject, self: boolean): Projection {
  let slots = memo.get(object);
  if (!slots) memo.set(object, (slots = new Map()));
  const slot = `${resource}:${self}`;
  const cached = slots.get(slot);
  if (cached) return cached;
  const projected = projectObject(resource, object, self);
  const made = { object: projected, fingerprint: JSON.stringify(projected) };
  slots.set(slot, made);
  return made;
}

function projectObject(resource: ViewResource, object: ViewObject, self: boolean): ViewObject {
  const metadata = cleanMetadata(object.metadata);
  switch (resource) {
    case 'pods':
      return { apiVersion: object.apiVersion, kind: object.kind, metadata, spec: object.spec };
    case 'peerpods':
      return peerPodProjection(object, metadata);
    case 'namespaces':
      return { apiVersion: object.apiVersion, kind: object.kind, metadata: defined({ name: metadata.name, uid: metadata.uid, labels: metadata.labels }) };
    case 'nodes':
      return self ? { apiVersion: object.apiVersion, kind: object.kind, metadata, spec: object.spec } : peerNode(object, metadata);
    case 'persistentvolumes':
      return { ...object, metadata: withoutUsage(metadata) };
    default: {
      const { status: _status, ...rest } = object;
      // Services and claims keep their status: a node reads a LoadBalancer's address and a claim's phase.
      return resource === 'services' || resource === 'persistentvolumeclaims' ? { ...object, metadata } : { ...rest, metadata };
    }
  }
}

/** What NetworkPolicy needs of any pod: who it is, its labels, its addresses and its named ports. */
function peerPodProjection(object: ViewObject, metadata: Record<string, unknown>): ViewObject {
  const spec = (object.spec ?? {}) as { nodeName?: string; containers?: Array<{ ports?: Array<{ name?: string; containerPort?: number; protocol?: string }> }> };
  const status = (object.status ?? {}) as { podIP?: string; podIPs?: Array<{ ip: string }> };
  const ports = (spec.containers ?? []).flatMap((c) => c.ports ?? []).map((p) => defined({ name: p.name, containerPort: p.containerPort, protocol: p.protocol ?? 'TCP' }));
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: defined({ name: metadata.name, namespace: metadata.namespace, uid: metadata.uid, labels: metadata.labels }),
    spec: defined({ nodeName: spec.nodeName, ports }),
    status: { podIP: status.podIP, podIPs: status.podIPs ?? [{ ip: status.podIP }] },
  };
}

function peerNode(object: ViewObject, metadata: Record<string, unknown>): ViewObject {
  const spec = (object.spec ?? {}) as { podCIDR?: string; podCIDRs?: string[] };
  const status = (object.status ?? {}) as { addresses?: unknown };
  return {
    apiVersion: object.apiVersion,
    kind: object.kind,
    metadata: defined({ name: metadata.name, uid: metadata.uid, labels: metadata.labels }),
    spec: defined({ podCIDR: spec.podCIDR, podCIDRs: spec.podCIDRs }),
    status: { addresses: status.addresses ?? [] },
  };
}

/** A volume's capacity and usage are the node's own report; echoed back they would be churn. */
function withoutUsage(metadata: Record<string, unknown>): Record<string, unknown> {
  const annotations = metadata.annotations as Record<string, string> | undefined;
  if (!annotations) return metadata;
  const kept = Object.fromEntries(Object.entries(annotations).filter(([k]) => k !== 'volume.skerry.io/used-bytes' && k !== 'volume.skerry.io/capacity-bytes'));
  return { ...metadata, annotations: kept };
}

// CBOR, unlike JSON, would carry an undefined field as a value; leave such fields out.
function defined(fields: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(fields).filter(([, v]) => v !== undefined));
}

function cleanMetadata(value: unknown): Record<string, unknown> {
  const { resourceVersion: _rv, managedFields: _mf, ...metadata } = (value ?? {}) as Record<string, unknown>;
  return metadata;
}
