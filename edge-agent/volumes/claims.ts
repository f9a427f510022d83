// From a pod's claim to the local volume it is bound to, read from the node's view only: the
// node must be able to start a pod with its volume while the server cannot be reached.
import { quantityValue } from '../pods/index.ts';

/** The driver skerry's local-path PersistentVolumes name; the handle is the volume's name on its node. */
export const LOCAL_DRIVER = 'local.skerry.io';
/** Set by the server once the node reported the volume Ready: proof the data existed here. */
export const STATE_ANNOTATION = 'volume.skerry.io/state';

type ViewObject = Record<string, unknown>;

export interface ViewReader {
  get(key: string): ViewObject | undefined;
}

export interface LocalVolumeTarget {
  /** The PersistentVolume's name, and the volume's name on the node. */
  volume: string;
  capacityBytes: number;
  /** The node reported it Ready before: a volume with no data here is lost, not new. */
  reportedBefore: boolean;
}

interface Metadata {
  name?: string;
  deletionTimestamp?: string;
  annotations?: Record<string, string>;
}

export interface VolumeSpec {
  capacity?: { storage?: string | number };
  persistentVolumeReclaimPolicy?: string;
  csi?: { driver?: string; volumeHandle?: string };
  nodeAffinity?: { required?: { nodeSelectorTerms?: Array<{ matchExpressions?: Array<{ key?: string; operator?: string; values?: string[] }> }> } };
}

const metadataOf = (o: ViewObject) => (o.metadata ?? {}) as Metadata;

/** The nodes a PersistentVolume's required affinity allows by hostname (skerry's local volumes name one). */
export function volumeNodes(spec: VolumeSpec): string[] {
  return (spec.nodeAffinity?.required?.nodeSelectorTerms ?? []).flatMap((term) =>
    (term.matchExpressions ?? []).filter((e) => e.key === 'kubernetes.io/hostname' && e.operator === 'In').flatMap((e) => e.values ?? []));
}

/** Whether the PersistentVolume is one of skerry's local volumes on `node`. */
export function isLocalVolumeOf(pv: ViewObject, node: string): boolean {
  const spec = (pv.spec ?? {}) as VolumeSpec;
  return spec.csi?.driver === LOCAL_DRIVER && volumeNodes(spec).includes(node);
}

export function capacityOf(spec: VolumeSpec): number | undefined {
  const bytes = quantityValue(spec.capacity?.storage);
  return bytes !== undefined && bytes > 0 ? Math.ceil(bytes) : undefined;
}

/**
 * The local volume behind `namespace/claimName` on `node`, or an Error whose message says
 * why the pod must wait (as the kubelet's FailedMount events do).
 */
export function resolveClaim(view: ViewReader, node: string, namespace: string, claimName: string): LocalVolumeTarget {
  const claim = view.get(`persistentvolumeclaims/${namespace}/${claimName}`);
  if (!claim) throw new Error(`persistentvolumeclaim "${claimName}" not found`);
  if (metadataOf(claim).deletionTimestamp) throw new Error(`persistentvolumeclaim "${claimName}" is being deleted`);
  const volumeName = ((claim.spec ?? {}) as { volumeName?: string }).volumeName;
  if (!volumeName) throw new Error(`persistentvolumeclaim "${claimName}" is not bound to a volume yet`);
  const pv = view.get(`persistentvolumes/${volumeName}`);
  if (!pv) throw new Error(`persistentvolume "${volumeName}" of claim "${claimName}" is not known on this node yet`);
  if (metadataOf(pv).deletionTimestamp) throw new Error(`persistentvolume "${volumeName}" of claim "${claimName}" is being deleted`);
  const spec = (pv.spec ?? {}) as VolumeSpec;
  if (spec.csi?.driver !== LOCAL_DRIVER) throw new Error(`persistentvolume "${volumeName}" of claim "${claimName}" is not a skerry local volume (only driver ${LOCAL_DRIVER} is supported)`);
  const nodes = volumeNodes(spec);
  if (!nodes.includes(node)) {
    throw new Error(`volume "${volumeName}" of claim "${claimName}" lives on node "${nodes.join('", "')}", not on "${node}": a local volume is reachable only from its node`);
  }
  const capacityBytes = capacityOf(spec);
  if (capacityBytes === undefined) throw new Error(`persistentvolume "${volumeName}" has no valid spec.capacity.storage`);
  return { volume: volumeName, capacityBytes, reportedBefore: metadataOf(pv).annotations?.[STATE_ANNOTATION] !== undefined };
}
