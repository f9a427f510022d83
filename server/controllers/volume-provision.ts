/**
 * Provisioning and binding of local-path claims (kube's PV controller and external-provisioner
 * in one): a claim the scheduler marked with its consumer's node gets a PV `pvc-<claim uid>` on
 * that node, then both are bound. Every step is idempotent, so a crash between them is finished
 * by the next reconcile.
 */
import { componentLogger } from '../../common/index.ts';
import { ApiError, classFields, LOCAL_PROVISIONER, SELECTED_NODE, type KubeObject } from '../api/index.ts';
import {
  BIND_COMPLETED,
  BOUND_BY_CONTROLLER,
  claimSpec,
  claimStatus,
  newLocalVolume,
  podUsesClaim,
  STORAGE_PROVISIONER,
  volumeNameFor,
  volumePhase,
  volumeSpec,
  type VolumeContext,
} from './local-volumes.ts';
import { getOrUndefined } from './workload-util.ts';

const log = componentLogger('persistentvolume-controller');

/** Thrown inside a change function to leave the object as it is. */
class Unchanged extends Error {}

async function writeIf(change: () => Promise<unknown>): Promise<void> {
  try {
    await change();
  } catch (error) {
    if (!(error instanceof Unchanged)) throw error;
  }
}

/** The claim's status as bound to `pv`: capacity is the PV's, as kube's binder copies it. */
export async function markClaimBound(ctx: VolumeContext, claim: KubeObject, pv: KubeObject): Promise<void> {
  const { Claim } = ctx.types;
  await writeIf(() => ctx.objects.mutate(Claim, claim.metadata.namespace, claim.metadata.name!, (current) => {
    if (current.metadata.uid !== claim.metadata.uid || claimStatus(current).phase === 'Bound') throw new Unchanged();
    const spec = volumeSpec(pv);
    return { ...current, status: { ...claimStatus(current), phase: 'Bound', accessModes: spec.accessModes, capacity: spec.capacity } };
  }, { subresource: 'status' }));
}

export async function markVolumeBound(ctx: VolumeContext, pv: KubeObject): Promise<void> {
  if (volumePhase(pv) === 'Bound' || pv.metadata.deletionTimestamp) return;
  await writeIf(() => ctx.objects.mutate(ctx.types.Volume, undefined, pv.metadata.name!, (current) => {
    if (volumePhase(current) === 'Bound' || current.metadata.deletionTimestamp) throw new Unchanged();
    return { ...current, status: { ...((current.status ?? {}) as object), phase: 'Bound' } };
  }, { subresource: 'status' }));
}

/** spec.volumeName and the binder's annotations, then both statuses. */
async function bind(ctx: VolumeContext, claim: KubeObject, pv: KubeObject): Promise<void> {
  const annotations = { [BIND_COMPLETED]: 'yes', [BOUND_BY_CONTROLLER]: 'yes', [STORAGE_PROVISIONER]: LOCAL_PROVISIONER };
  const bound = await ctx.objects.mutate(ctx.types.Claim, claim.metadata.namespace, claim.metadata.name!, (current) => {
    if (current.metadata.uid !== claim.metadata.uid) throw new ApiError(409, 'Conflict', `claim ${claim.metadata.name} was replaced`);
    const metadata = { ...current.metadata, annotations: { ...(current.metadata.annotations ?? {}), ...annotations } };
    return { ...current, metadata, spec: { ...claimSpec(current), volumeName: pv.metadata.name } };
  });
  await markClaimBound(ctx, bound, pv);
  await markVolumeBound(ctx, pv);
}

/** The claim's PV, made now or found from an earlier attempt; undefined when the name is taken by another claim's. */
async function ensureVolume(ctx: VolumeContext, claim: KubeObject, storageClass: KubeObject, node: string): Promise<KubeObject | undefined> {
  const name = volumeNameFor(claim);
  try {
    const created = await ctx.objects.create(ctx.types.Volume, undefined, newLocalVolume(claim, classFields(storageClass), node));
    ctx.events.event(claim, 'Normal', 'ProvisioningSucceeded', `Successfully provisioned volume ${name}`);
    log.info({ claim: `${claim.metadata.namespace}/${claim.metadata.name}`, volume: name, node }, 'provisioned local volume');
    return created;
  } catch (error) {
    if (!(error instanceof ApiError && error.reason === 'AlreadyExists')) throw error;
  }
  const existing = await getOrUndefined(ctx.objects, ctx.types.Volume, undefined, name);
  return existing && volumeSpec(existing).claimRef?.uid === claim.metadata.uid ? existing : undefined;
}

/** The scheduler's choice names a node that is gone: drop it so the next pod placement chooses again. */
async function forgetSelectedNode(ctx: VolumeContext, claim: KubeObject, node: string): Promise<void> {
  ctx.eventOnce(claim, 'Warning', 'ProvisioningFailed', `failed to provision volume: node "${node}" not found; the claim waits for its pod to be scheduled again`);
  await writeIf(() => ctx.objects.mutate(ctx.types.Claim, claim.metadata.namespace, claim.metadata.name!, (current) => {
    if (current.metadata.annotations?.[SELECTED_NODE] !== node) throw new Unchanged();
    const annotations = { ...current.metadata.annotations };
    delete annotations[SELECTED_NODE];
    return { ...current, metadata: { ...current.metadata, annotations } };
  }));
}

/**
 * The node of a pod bound past the scheduler (spec.nodeName) that uses the claim. Kubernetes
 * leaves such a claim Pending for good (kubernetes#89953); edge users pin pods to gateways
 * that way, and a local volume has only one sensible place: that pod's node.
 */
async function pinnedConsumerNode(ctx: VolumeContext, claim: KubeObject): Promise<string | undefined> {
  const { items } = await ctx.objects.list(ctx.types.Pod, claim.metadata.namespace);
  const pinned = items.find((pod) => podUsesClaim(pod, claim.metadata.name!) && !pod.metadata.deletionTimestamp && (pod.spec as { nodeName?: string } | undefined)?.nodeName);
  return (pinned?.spec as { nodeName?: string } | undefined)?.nodeName;
}

/** Why a local-path claim cannot be provisioned yet (an event once), or the node to provision on. */
async function provisioningNode(ctx: VolumeContext, claim: KubeObject, storageClass: KubeObject): Promise<string | undefined> {
  const node = claim.metadata.annotations?.[SELECTED_NODE];
  if (node) return node;
  if (classFields(storageClass).volumeBindingMode === 'WaitForFirstConsumer') {
    const pinned = await pinnedConsumerNode(ctx, claim);
    if (pinned) return pinned;
    ctx.eventOnce(claim, 'Normal', 'WaitForFirstConsumer', 'waiting for first consumer to be created before binding');
  } else {
    ctx.eventOnce(claim, 'Warning', 'ProvisioningFailed', `${LOCAL_PROVISIONER} needs volumeBindingMode WaitForFirstConsumer: a local volume is made on its first pod's node`);
  }
  return undefined;
}

/** An unbound claim: provision and bind it when its class is local-path and a node was chosen. */
export async function provisionClaim(ctx: VolumeContext, claim: KubeObject): Promise<void> {
  const className = claimSpec(claim).storageClassName;
  // No class: only a pre-made PV could match, and skerry provisions only through classes.
  if (!className) return;
  const storageClass = await getOrUndefined(ctx.objects, ctx.types.StorageClass, undefined, className);
  if (!storageClass) return ctx.eventOnce(claim, 'Warning', 'ProvisioningFailed', `storageclass.storage.k8s.io "${className}" not found`);
  if (classFields(storageClass).provisioner !== LOCAL_PROVISIONER) return;
  const node = await provisioningNode(ctx, claim, storageClass);
  if (!node) return;
  if (!(await getOrUndefined(ctx.objects, ctx.types.Node, undefined, node))) return forgetSelectedNode(ctx, claim, node);
  const pv = await ensureVolume(ctx, claim, storageClass, node);
  if (!pv) {
    ctx.eventOnce(claim, 'Warning', 'ProvisioningFailed', `persistentvolume "${volumeNameFor(claim)}" exists and belongs to another claim`);
    return;
  }
  await bind(ctx, claim, pv);
}
