// A node's view (DESIGN §5): what it needs and may see. Its own Node; the pods bound to it;
// the ConfigMaps, Secrets and claims those pods name; every Service and Endpoints (a pod may
// call any of them); NetworkPolicies of its pods' namespaces; and each peer Node reduced to
// its name, pod CIDR and addresses; every Namespace's name and labels; the local
// PersistentVolumes on it; and, when it has a policy, every pod as a policy peer. Never a Secret no pod of the node names.
import { viewKey, type ViewChange, type ViewObject, type ViewResource } from '../../common/sync/index.ts';
import { project } from './projection.ts';

export interface StoredObject {
  key: string;
  rev: number;
  object: ViewObject;
}

/** Where views are computed from: the live mirror, or the store as of an older revision. */
export interface ObjectSource {
  get(resource: ViewResource, namespace: string | undefined, name: string): StoredObject | undefined;
  list(resource: ViewResource): Iterable<StoredObject>;
  podsOn(node: string): Iterable<StoredObject>;
}

export interface ViewEntry {
  rev: number;
  object: ViewObject;
  /** The projected content; equal fingerprints mean the node already has this entry. */
  fingerprint: string;
}

export type View = Map<string, ViewEntry>;

export function computeView(node: string, source: ObjectSource): View {
  const view: View = new Map();
  const add = (stored: StoredObject | undefined, resource: ViewResource, self = false) => {
    if (stored && !view.has(stored.key)) view.set(stored.key, { rev: stored.rev, ...project(resource, stored.object, self) });
  };
  for (const peer of source.list('nodes')) add(peer, 'nodes', nameOf(peer.object) === node);
  const namespaces = new Set<string>();
  for (const pod of source.podsOn(node)) {
    add(pod, 'pods');
    const namespace = namespaceOf(pod.object);
    namespaces.add(namespace);
    const refs = podReferences(pod.object);
    for (const name of refs.configMaps) add(source.get('configmaps', namespace, name), 'configmaps');
    for (const name of refs.secrets) add(source.get('secrets', namespace, name), 'secrets');
    for (const name of refs.claims) {
      const claim = source.get('persistentvolumeclaims', namespace, name);
      add(claim, 'persistentvolumeclaims');
      const volumeName = (claim?.object.spec as { volumeName?: string } | undefined)?.volumeName;
      if (volumeName) add(source.get('persistentvolumes', undefined, volumeName), 'persistentvolumes');
    }
  }
  // The node's own local volumes, also those no pod names any more: it deletes their data
  // when the server deletes them (reconnecting after an outage, it finds them in the view).
  for (const volume of source.list('persistentvolumes')) if (volumeNodes(volume.object).includes(node)) add(volume, 'persistentvolumes');
  for (const service of source.list('services')) add(service, 'services');
  for (const endpoints of source.list('endpoints')) add(endpoints, 'endpoints');
  for (const namespace of source.list('namespaces')) add(namespace, 'namespaces');
  let policed = false;
  for (const policy of source.list('networkpolicies')) {
    if (!namespaces.has(namespaceOf(policy.object))) continue;
    add(policy, 'networkpolicies');
    policed = true;
  }
  // A policy's peers may be any pod of the cluster; a node without policies needs none of them.
  if (policed) {
    for (const pod of source.list('pods')) {
      const peer = peerPod(pod);
      if (peer && !view.has(peer.key)) view.set(peer.key, { rev: pod.rev, ...project('peerpods', pod.object, false) });
    }
  }
  return view;
}

/** The pod as a policy peer: only pods that hold an address (not finished, not host-network). */
function peerPod(stored: StoredObject): { key: string } | undefined {
  const status = (stored.object.status ?? {}) as { podIP?: string; phase?: string };
  if (!status.podIP || status.phase === 'Succeeded' || status.phase === 'Failed') return undefined;
  if ((stored.object.spec as { hostNetwork?: boolean } | undefined)?.hostNetwork) return undefined;
  return { key: viewKey('peerpods', namespaceOf(stored.object), nameOf(stored.object)) };
}

/** What turns `base` into `next`: entries new or changed, and null for entries gone. */
export function diffViews(base: View, next: View): ViewChange[] {
  const changes: ViewChange[] = [];
  for (const [key, entry] of next) {
    if (base.get(key)?.fingerprint !== entry.fingerprint) changes.push({ key, rev: entry.rev, object: entry.object });
  }
  for (const [key, entry] of base) if (!next.has(key)) changes.push({ key, rev: entry.rev, object: null });
  return changes;
}

export function snapshotChanges(view: View): ViewChange[] {
  return [...view].map(([key, entry]) => ({ key, rev: entry.rev, object: entry.object }));
}

interface PodReferences {
  configMaps: Set<string>;
  secrets: Set<string>;
  claims: Set<string>;
}

type Named = { name?: string } | undefined;

/** Every ConfigMap, Secret and claim a pod spec names, in volumes, env, envFrom and pull secrets. */
export function podReferences(pod: ViewObject): PodReferences {
  const refs: PodReferences = { configMaps: new Set(), secrets: new Set(), claims: new Set() };
  const spec = (pod.spec ?? {}) as Record<string, unknown>;
  const addName = (set: Set<string>, value: unknown) => typeof value === 'string' && value && set.add(value);
  for (const volume of (spec.volumes ?? []) as Array<Record<string, Record<string, unknown> | undefined>>) {
    addName(refs.configMaps, volume.configMap?.name);
    addName(refs.secrets, volume.secret?.secretName);
    addName(refs.claims, volume.persistentVolumeClaim?.claimName);
    for (const source of (volume.projected?.sources ?? []) as Array<Record<string, Named>>) {
      addName(refs.configMaps, source.configMap?.name);
      addName(refs.secrets, source.secret?.name);
    }
  }
  const containers = [...((spec.initContainers ?? []) as unknown[]), ...((spec.containers ?? []) as unknown[])] as Array<Record<string, unknown>>;
  for (const container of containers) {
    for (const env of (container.env ?? []) as Array<{ valueFrom?: Record<string, Named> }>) {
      addName(refs.configMaps, env.valueFrom?.configMapKeyRef?.name);
      addName(refs.secrets, env.valueFrom?.secretKeyRef?.name);
    }
    for (const from of (container.envFrom ?? []) as Array<Record<string, Named>>) {
      addName(refs.configMaps, from.configMapRef?.name);
      addName(refs.secrets, from.secretRef?.name);
    }
  }
  for (const pull of (spec.imagePullSecrets ?? []) as Named[]) addName(refs.secrets, pull?.name);
  return refs;
}

type VolumeAffinity = { nodeAffinity?: { required?: { nodeSelectorTerms?: Array<{ matchExpressions?: Array<{ key?: string; operator?: string; values?: string[] }> }> } } };

/** The nodes a PersistentVolume's required affinity names by hostname (a local volume's node). */
function volumeNodes(volume: ViewObject): string[] {
  const terms = ((volume.spec ?? {}) as VolumeAffinity).nodeAffinity?.required?.nodeSelectorTerms ?? [];
  return terms.flatMap((t) => (t.matchExpressions ?? []).filter((e) => e.key === 'kubernetes.io/hostname' && e.operator === 'In').flatMap((e) => e.values ?? []));
}

function nameOf(object: ViewObject): string {
  return ((object.metadata ?? {}) as { name?: string }).name ?? '';
}

function namespaceOf(object: ViewObject): string {
  return ((object.metadata ?? {}) as { namespace?: string }).namespace ?? '';
}
