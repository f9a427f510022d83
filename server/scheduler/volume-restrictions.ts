/**
 * The ReadWriteOncePod half of kube-scheduler's VolumeRestrictions plugin: a claim with that
 * access mode is used by one pod at a time in the whole cluster, so a second pod waits (in
 * kube's 1.22–1.26 words) until the first has finished or gone.
 */
import type { KubeObject } from '../api/index.ts';
import type { NodeInfo } from './node-info.ts';
import type { PodInfo } from './pod-info.ts';
import { claimsOf, type PreFilterFailure, type VolumeLookup } from './volumes.ts';

export const RWOP_CONFLICT = 'node(s) unavailable due to PersistentVolumeClaim with ReadWriteOncePod access mode already in-use by another pod';

const accessModesOf = (claim: KubeObject | undefined) => ((claim?.spec ?? {}) as { accessModes?: string[] }).accessModes ?? [];

/** Scans the placed pods only when the pod has such a claim; finished pods are not in the cache. */
export function readWriteOncePodConflict(pod: PodInfo, nodes: readonly NodeInfo[], lookup: VolumeLookup | undefined): PreFilterFailure | undefined {
  if (!lookup) return undefined;
  const exclusive = new Set(claimsOf(pod).map((ref) => ref.name).filter((name) => accessModesOf(lookup.claim(pod.namespace, name)).includes('ReadWriteOncePod')));
  if (exclusive.size === 0) return undefined;
  for (const node of nodes) {
    for (const other of node.pods.values()) {
      if (other.key === pod.key || other.namespace !== pod.namespace) continue;
      if (claimsOf(other).some((ref) => exclusive.has(ref.name))) return { message: RWOP_CONFLICT, resolvable: false };
    }
  }
  return undefined;
}
