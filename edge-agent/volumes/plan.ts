// What the node should do with its local volumes, given its view: a pure function, so the
// rules (never delete data in use, never delete what is Retained, grow but never shrink) are
// tested apart from the disk.
import { capacityOf, isLocalVolumeOf, type VolumeSpec } from './claims.ts';

type ViewObject = Record<string, unknown>;

export interface PlanInput {
  node: string;
  /** Volumes this node holds (its durable records), by name, with their capacity. */
  local: ReadonlyMap<string, number>;
  /** PersistentVolumes of the view. */
  volumes: ReadonlyArray<ViewObject>;
  /** PersistentVolume names that pods of this node still use. */
  inUse: ReadonlySet<string>;
  /** Volumes this agent mounted for a pod (and has not unmounted since). */
  mounted: ReadonlySet<string>;
}

export type VolumeAction =
  | { kind: 'remove'; volume: string }
  /** A Retained volume released by the server: its data stays on the node, the PV may go. */
  | { kind: 'release'; volume: string }
  /** Gone here already (deleted before a crash lost the report): say so again. */
  | { kind: 'reportDeleted'; volume: string }
  | { kind: 'expand'; volume: string; capacityBytes: number }
  /** No pod here uses it any more: let the mount go, so it may grow or be removed. */
  | { kind: 'unmount'; volume: string };

const nameOf = (o: ViewObject) => ((o.metadata ?? {}) as { name?: string }).name ?? '';
const deleting = (o: ViewObject) => Boolean(((o.metadata ?? {}) as { deletionTimestamp?: string }).deletionTimestamp);

export function planVolumes(input: PlanInput): VolumeAction[] {
  const actions: VolumeAction[] = [];
  for (const pv of input.volumes) {
    if (!isLocalVolumeOf(pv, input.node)) continue;
    const name = nameOf(pv);
    const spec = (pv.spec ?? {}) as VolumeSpec;
    const held = input.local.get(name);
    if (deleting(pv)) {
      if (held === undefined) actions.push({ kind: 'reportDeleted', volume: name });
      else if (!input.inUse.has(name)) actions.push({ kind: spec.persistentVolumeReclaimPolicy === 'Retain' ? 'release' : 'remove', volume: name });
      continue;
    }
    if (held !== undefined && input.mounted.has(name) && !input.inUse.has(name)) actions.push({ kind: 'unmount', volume: name });
    const wanted = capacityOf(spec);
    if (held !== undefined && wanted !== undefined && wanted > held) actions.push({ kind: 'expand', volume: name, capacityBytes: wanted });
  }
  return actions;
}

/** PersistentVolume names the pods of this node name through their claims. */
export function volumesInUse(pods: ReadonlyArray<ViewObject>, claimVolume: (namespace: string, claim: string) => string | undefined): Set<string> {
  const used = new Set<string>();
  for (const pod of pods) {
    const namespace = ((pod.metadata ?? {}) as { namespace?: string }).namespace ?? '';
    const volumes = ((pod.spec ?? {}) as { volumes?: Array<{ persistentVolumeClaim?: { claimName?: string } }> }).volumes ?? [];
    for (const v of volumes) {
      const name = v.persistentVolumeClaim?.claimName && claimVolume(namespace, v.persistentVolumeClaim.claimName);
      if (name) used.add(name);
    }
  }
  return used;
}
