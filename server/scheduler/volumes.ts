/**
 * The VolumeBinding plugin's part that skerry needs: a pod's claims must exist and, when bound,
 * their PersistentVolumes' node affinity limits where the pod may run. Unbound claims of a
 * WaitForFirstConsumer class impose nothing yet (no provisioner picks a node for them so far).
 */
import type { KubeObject } from '../api/index.ts';
import type { NodeSelector } from './node-selector.ts';
import type { PodInfo } from './pod-info.ts';

/** Read access to the storage objects; the loop serves it from its caches, tests from arrays. */
export interface VolumeLookup {
  claim(namespace: string, name: string): KubeObject | undefined;
  volume(name: string): KubeObject | undefined;
  storageClass?(name: string): KubeObject | undefined;
}

export interface VolumeConstraints {
  selectors: NodeSelector[];
  missingVolume: boolean;
}

/** A rejection before any node is looked at (kube's PreFilter), with kube's message. */
export interface PreFilterFailure {
  message: string;
  resolvable: boolean;
}

interface ClaimRef {
  name: string;
  ephemeral: boolean;
}

function claimsOf(pod: PodInfo): ClaimRef[] {
  return (pod.spec.volumes ?? []).flatMap((volume): ClaimRef[] => {
    if (volume?.persistentVolumeClaim?.claimName) return [{ name: volume.persistentVolumeClaim.claimName, ephemeral: false }];
    // A generic ephemeral volume's claim is named after the pod and the volume.
    if (volume?.ephemeral) return [{ name: `${pod.name}-${volume.name}`, ephemeral: true }];
    return [];
  });
}

function waitsForConsumer(claim: KubeObject, lookup: VolumeLookup): boolean {
  const className = ((claim.spec ?? {}) as { storageClassName?: string }).storageClassName;
  if (!className || !lookup.storageClass) return false;
  const mode = (lookup.storageClass(className) ?? {}) as { volumeBindingMode?: string };
  return mode.volumeBindingMode === 'WaitForFirstConsumer';
}

export function volumeConstraints(pod: PodInfo, lookup: VolumeLookup | undefined): VolumeConstraints | PreFilterFailure {
  const constraints: VolumeConstraints = { selectors: [], missingVolume: false };
  if (!lookup) return constraints;
  let unboundImmediate = false;
  for (const ref of claimsOf(pod)) {
    const claim = lookup.claim(pod.namespace, ref.name);
    if (!claim) {
      return ref.ephemeral
        ? { message: `waiting for ephemeral volume controller to create the persistentvolumeclaim "${ref.name}"`, resolvable: false }
        : { message: `persistentvolumeclaim "${ref.name}" not found`, resolvable: false };
    }
    if (claim.metadata.deletionTimestamp) return { message: `persistentvolumeclaim "${ref.name}" is being deleted`, resolvable: false };
    const volumeName = ((claim.spec ?? {}) as { volumeName?: string }).volumeName;
    if (!volumeName) {
      if (!waitsForConsumer(claim, lookup)) unboundImmediate = true;
      continue;
    }
    const volume = lookup.volume(volumeName);
    if (!volume) constraints.missingVolume = true;
    const required = ((volume?.spec ?? {}) as { nodeAffinity?: { required?: NodeSelector } }).nodeAffinity?.required;
    if (required) constraints.selectors.push(required);
  }
  if (unboundImmediate) return { message: 'pod has unbound immediate PersistentVolumeClaims', resolvable: false };
  return constraints;
}
