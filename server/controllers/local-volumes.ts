/**
 * What the volume controller and the volume reports share: the names it writes (ADR 012), the
 * fields it reads from claims and PersistentVolumes, and the PV it provisions for a claim.
 */
import {
  LOCAL_DRIVER,
  LOCAL_PROVISIONER,
  LOCAL_VOLUME_FINALIZER,
  quantityFromJson,
  type Catalog,
  type KubeObject,
  type ObjectStore,
  type ResourceType,
  type StorageClassFields,
} from '../api/index.ts';
import type { EventRecorder } from '../events/index.ts';

export const PROVISIONED_BY = 'pv.kubernetes.io/provisioned-by';
export const BIND_COMPLETED = 'pv.kubernetes.io/bind-completed';
export const BOUND_BY_CONTROLLER = 'pv.kubernetes.io/bound-by-controller';
export const STORAGE_PROVISIONER = 'volume.kubernetes.io/storage-provisioner';
/** What the volume's node last reported (VolumeReport): state, real capacity and usage, problem. */
export const STATE_ANNOTATION = 'volume.skerry.io/state';
export const CAPACITY_ANNOTATION = 'volume.skerry.io/capacity-bytes';
export const USED_ANNOTATION = 'volume.skerry.io/used-bytes';
export const MESSAGE_ANNOTATION = 'volume.skerry.io/message';
export const RESIZE_PENDING = 'FileSystemResizePending';
/** A claim condition present only while the node reports its volume unusable (status False, reason = state). */
export const HEALTH_CONDITION = 'VolumeHealthy';
const HOSTNAME = 'kubernetes.io/hostname';

export interface ClaimSpec {
  accessModes?: string[];
  storageClassName?: string;
  volumeName?: string;
  resources?: { requests?: { storage?: string | number } };
}

export interface Condition {
  type: string;
  status: string;
  reason?: string;
  message?: string;
  lastTransitionTime?: string;
  lastProbeTime?: string | null;
}

export interface ClaimStatus {
  phase?: string;
  accessModes?: string[];
  capacity?: Record<string, unknown>;
  allocatedResources?: Record<string, unknown>;
  allocatedResourceStatuses?: Record<string, string>;
  conditions?: Condition[];
}

export interface VolumeSpec {
  capacity?: { storage?: string | number };
  accessModes?: string[];
  claimRef?: { namespace?: string; name?: string; uid?: string };
  persistentVolumeReclaimPolicy?: string;
  storageClassName?: string;
  csi?: { driver?: string };
  nodeAffinity?: { required?: { nodeSelectorTerms?: Array<{ matchExpressions?: Array<{ key?: string; operator?: string; values?: string[] }> }> } };
}

export const claimSpec = (claim: KubeObject) => (claim.spec ?? {}) as ClaimSpec;
export const claimStatus = (claim: KubeObject) => (claim.status ?? {}) as ClaimStatus;
export const volumeSpec = (pv: KubeObject) => (pv.spec ?? {}) as VolumeSpec;
export const volumePhase = (pv: KubeObject) => ((pv.status ?? {}) as { phase?: string }).phase;
export const hasFinalizer = (object: KubeObject, name: string) => (object.metadata.finalizers ?? []).includes(name);
export const conditionOf = (claim: KubeObject, type: string) => claimStatus(claim).conditions?.find((c) => c.type === type);

/** Everything a volume reconcile needs, made once by the controller. */
export interface VolumeContext {
  objects: ObjectStore;
  types: { Claim: ResourceType; Volume: ResourceType; StorageClass: ResourceType; Node: ResourceType; Pod: ResourceType };
  events: EventRecorder;
  now: () => Date;
  /** Records an event only the first time for this object and reason (until forgotten). */
  eventOnce(object: KubeObject, type: 'Normal' | 'Warning', reason: string, message: string): void;
}

export function volumeTypes(catalog: Catalog): VolumeContext['types'] {
  return {
    Claim: catalog.byResource('', 'v1', 'persistentvolumeclaims')!,
    Volume: catalog.byResource('', 'v1', 'persistentvolumes')!,
    StorageClass: catalog.byResource('storage.k8s.io', 'v1', 'storageclasses')!,
    Node: catalog.byResource('', 'v1', 'nodes')!,
    Pod: catalog.byResource('', 'v1', 'pods')!,
  };
}

/** The node a skerry local PV lives on: the one hostname its required affinity names. */
export function nodeOfVolume(pv: KubeObject): string | undefined {
  const spec = volumeSpec(pv);
  if (spec.csi?.driver !== LOCAL_DRIVER) return undefined;
  for (const term of spec.nodeAffinity?.required?.nodeSelectorTerms ?? []) {
    for (const e of term.matchExpressions ?? []) if (e.key === HOSTNAME && e.operator === 'In' && e.values?.length === 1) return e.values[0];
  }
  return undefined;
}

/** Sizes in nano-units, exact (as resource.Quantity compares them). */
export const requestNanos = (claim: KubeObject) => quantityFromJson(claimSpec(claim).resources?.requests?.storage)?.nanos;
export const capacityNanos = (pv: KubeObject) => quantityFromJson(volumeSpec(pv).capacity?.storage)?.nanos;
export const bytesToNanos = (bytes: number) => BigInt(Math.floor(bytes)) * 1_000_000_000n;

export const volumeNameFor = (claim: KubeObject) => `pvc-${claim.metadata.uid}`;

/** The PV that local-path provisions for a claim on `node` (ADR 012: the agent relies on every field). */
export function newLocalVolume(claim: KubeObject, storageClass: KubeObject & StorageClassFields, node: string): KubeObject {
  const spec = claimSpec(claim);
  const name = volumeNameFor(claim);
  return {
    apiVersion: 'v1',
    kind: 'PersistentVolume',
    metadata: { name, annotations: { [PROVISIONED_BY]: LOCAL_PROVISIONER }, finalizers: [LOCAL_VOLUME_FINALIZER] },
    spec: {
      capacity: { storage: spec.resources?.requests?.storage },
      accessModes: spec.accessModes,
      volumeMode: 'Filesystem',
      storageClassName: storageClass.metadata.name,
      persistentVolumeReclaimPolicy: storageClass.reclaimPolicy || 'Delete',
      claimRef: { apiVersion: 'v1', kind: 'PersistentVolumeClaim', namespace: claim.metadata.namespace, name: claim.metadata.name, uid: claim.metadata.uid },
      nodeAffinity: { required: { nodeSelectorTerms: [{ matchExpressions: [{ key: HOSTNAME, operator: 'In', values: [node] }] }] } },
      csi: { driver: LOCAL_DRIVER, volumeHandle: name, fsType: 'ext4' },
    },
  };
}

/** Whether a pod still holds the claim (kube's pvc-protection): scheduled, and not finished. */
export function podUsesClaim(pod: KubeObject, claimName: string): boolean {
  const spec = (pod.spec ?? {}) as { nodeName?: string; volumes?: Array<{ name?: string; persistentVolumeClaim?: { claimName?: string }; ephemeral?: unknown }> };
  const phase = ((pod.status ?? {}) as { phase?: string }).phase;
  if (!spec.nodeName || phase === 'Succeeded' || phase === 'Failed') return false;
  return (spec.volumes ?? []).some((v) => v?.persistentVolumeClaim?.claimName === claimName || (v?.ephemeral !== undefined && `${pod.metadata.name}-${v.name}` === claimName));
}

/** The claims a pod names, for routing pod changes to the claims they may free. */
export function claimNamesOf(pod: KubeObject): string[] {
  const volumes = ((pod.spec ?? {}) as { volumes?: Array<{ name?: string; persistentVolumeClaim?: { claimName?: string }; ephemeral?: unknown }> }).volumes ?? [];
  return volumes.flatMap((v) => (v?.persistentVolumeClaim?.claimName ? [v.persistentVolumeClaim.claimName] : v?.ephemeral !== undefined ? [`${pod.metadata.name}-${v.name}`] : []));
}
