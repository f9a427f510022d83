/**
 * The VolumeBinding plugin's part that skerry needs: a pod's claims must exist and, when bound,
 * their PersistentVolumes' node affinity limits where the pod may run. An unbound claim of a
 * WaitForFirstConsumer class that a provisioner serves lets any node do (local-path has no
 * capacity to track), unless the scheduler already chose a node for it (the selected-node
 * annotation): then only that node, so pods sharing it cannot split across nodes.
 */
import { classFields, NO_PROVISIONER, SELECTED_NODE, type KubeObject } from '../api/index.ts';
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
  /** Nodes already chosen for the pod's unbound claims (their selected-node annotations). */
  selectedNodes: string[];
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

export function claimsOf(pod: PodInfo): ClaimRef[] {
  return (pod.spec.volumes ?? []).flatMap((volume): ClaimRef[] => {
    if (volume?.persistentVolumeClaim?.claimName) return [{ name: volume.persistentVolumeClaim.claimName, ephemeral: false }];
    // A generic ephemeral volume's claim is named after the pod and the volume.
    if (volume?.ephemeral) return [{ name: `${pod.name}-${volume.name}`, ephemeral: true }];
    return [];
  });
}

const classNameOf = (claim: KubeObject) => ((claim.spec ?? {}) as { storageClassName?: string }).storageClassName;
const volumeNameOf = (claim: KubeObject) => ((claim.spec ?? {}) as { volumeName?: string }).volumeName;

type Binding = 'immediate' | 'delayed' | 'provision' | { missingClass: string };

/**
 * How an unbound claim binds: now (Immediate, or no class), later by a provisioner once a node is
 * chosen, or later by matching a static PV (no-provisioner). A named class that does not exist is
 * reported as such: kube calls it "immediate", which hides the typo from the user.
 */
function bindingOf(claim: KubeObject, lookup: VolumeLookup): Binding {
  const className = classNameOf(claim);
  if (!className || !lookup.storageClass) return 'immediate';
  const found = lookup.storageClass(className);
  if (!found) return { missingClass: className };
  const storageClass = classFields(found);
  if (storageClass.volumeBindingMode !== 'WaitForFirstConsumer') return 'immediate';
  return storageClass.provisioner && storageClass.provisioner !== NO_PROVISIONER ? 'provision' : 'delayed';
}

function claimFailure(ref: ClaimRef, claim: KubeObject | undefined): PreFilterFailure | undefined {
  if (!claim) {
    return ref.ephemeral
      ? { message: `waiting for ephemeral volume controller to create the persistentvolumeclaim "${ref.name}"`, resolvable: false }
      : { message: `persistentvolumeclaim "${ref.name}" not found`, resolvable: false };
  }
  if (claim.metadata.deletionTimestamp) return { message: `persistentvolumeclaim "${ref.name}" is being deleted`, resolvable: false };
  return undefined;
}

function addBound(constraints: VolumeConstraints, volumeName: string, lookup: VolumeLookup): void {
  const volume = lookup.volume(volumeName);
  if (!volume) constraints.missingVolume = true;
  const required = ((volume?.spec ?? {}) as { nodeAffinity?: { required?: NodeSelector } }).nodeAffinity?.required;
  if (required) constraints.selectors.push(required);
}

export function volumeConstraints(pod: PodInfo, lookup: VolumeLookup | undefined): VolumeConstraints | PreFilterFailure {
  const constraints: VolumeConstraints = { selectors: [], missingVolume: false, selectedNodes: [] };
  if (!lookup) return constraints;
  let unboundImmediate = false;
  for (const ref of claimsOf(pod)) {
    const claim = lookup.claim(pod.namespace, ref.name);
    const failure = claimFailure(ref, claim);
    if (failure) return failure;
    const volumeName = volumeNameOf(claim!);
    if (volumeName) {
      addBound(constraints, volumeName, lookup);
      continue;
    }
    const binding = bindingOf(claim!, lookup);
    if (typeof binding === 'object') return { message: `storageclass.storage.k8s.io "${binding.missingClass}" not found`, resolvable: false };
    if (binding === 'immediate') unboundImmediate = true;
    const selected = claim!.metadata.annotations?.[SELECTED_NODE];
    if (binding === 'provision' && selected) constraints.selectedNodes.push(selected);
  }
  if (unboundImmediate) return { message: 'pod has unbound immediate PersistentVolumeClaims', resolvable: false };
  return constraints;
}

/**
 * The claims the scheduler must mark with the chosen node before binding the pod (kube's
 * PreBind): unbound, provisioned on first consumer, and not marked yet.
 */
export function claimsToProvision(pod: PodInfo, lookup: VolumeLookup): KubeObject[] {
  return claimsOf(pod).flatMap((ref) => {
    const claim = lookup.claim(pod.namespace, ref.name);
    if (!claim || volumeNameOf(claim) || claim.metadata.annotations?.[SELECTED_NODE]) return [];
    return bindingOf(claim, lookup) === 'provision' ? [claim] : [];
  });
}
