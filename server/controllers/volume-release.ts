/**
 * The end of a volume's life: a deleted claim keeps its pvc-protection finalizer while a pod
 * uses it; its PV is then Released and, with reclaim policy Delete, deleted — it stays
 * Terminating on skerry.io/local-volume until its node reports the data gone (volume reports),
 * or until its node no longer exists, since nobody else can reach the data.
 */
import { componentLogger } from '../../common/index.ts';
import { LOCAL_PROVISIONER, LOCAL_VOLUME_FINALIZER, PV_PROTECTION, PVC_PROTECTION, type KubeObject } from '../api/index.ts';
import { claimSpec, hasFinalizer, nodeOfVolume, podUsesClaim, PROVISIONED_BY, volumePhase, volumeSpec, type VolumeContext } from './local-volumes.ts';
import { deleteIfPresent, getOrUndefined } from './workload-util.ts';

const log = componentLogger('persistentvolume-controller');

/** Removes one finalizer if it is still there; a vanished object is fine. */
export async function dropFinalizer(ctx: VolumeContext, object: KubeObject, finalizer: string): Promise<void> {
  const type = object.kind === 'PersistentVolume' ? ctx.types.Volume : ctx.types.Claim;
  const current = await getOrUndefined(ctx.objects, type, object.metadata.namespace, object.metadata.name!);
  if (!current || current.metadata.uid !== object.metadata.uid || !hasFinalizer(current, finalizer)) return;
  await ctx.objects.mutate(type, object.metadata.namespace, object.metadata.name!, (c) => ({
    ...c,
    metadata: { ...c.metadata, finalizers: (c.metadata.finalizers ?? []).filter((f) => f !== finalizer) },
  }));
}

/**
 * kube's pvc-protection controller: a claim being deleted goes once no scheduled, unfinished
 * pod names it. Pods are listed from the store, not a cache: a stale cache must not let go of a
 * claim whose pod just started. 'again' while in use (pod events also bring it back sooner).
 */
export async function releaseClaim(ctx: VolumeContext, claim: KubeObject): Promise<'again' | 'done'> {
  if (!hasFinalizer(claim, PVC_PROTECTION)) return 'done';
  const { items } = await ctx.objects.list(ctx.types.Pod, claim.metadata.namespace);
  const user = items.find((pod) => podUsesClaim(pod, claim.metadata.name!));
  if (user) {
    log.debug({ claim: `${claim.metadata.namespace}/${claim.metadata.name}`, pod: user.metadata.name }, 'claim in use; keeping pvc-protection');
    return 'again';
  }
  await dropFinalizer(ctx, claim, PVC_PROTECTION);
  return 'done';
}

async function setVolumePhase(ctx: VolumeContext, pv: KubeObject, phase: string): Promise<KubeObject> {
  return ctx.objects.mutate(ctx.types.Volume, undefined, pv.metadata.name!, (current) => ({ ...current, status: { ...((current.status ?? {}) as object), phase } }), { subresource: 'status' });
}

/** The PV's claim is gone (or replaced): Released, then reclaimed as its policy says. */
async function reclaim(ctx: VolumeContext, pv: KubeObject): Promise<void> {
  let current = pv;
  if (volumePhase(pv) !== 'Released' && volumePhase(pv) !== 'Failed') current = await setVolumePhase(ctx, pv, 'Released');
  // Retain keeps the PV and its data for an administrator; only what we provisioned is deleted by us.
  const ours = pv.metadata.annotations?.[PROVISIONED_BY] === LOCAL_PROVISIONER;
  if (volumeSpec(pv).persistentVolumeReclaimPolicy === 'Delete' && ours && !pv.metadata.deletionTimestamp) {
    log.info({ volume: pv.metadata.name, node: nodeOfVolume(pv) }, 'claim gone; deleting volume');
    await deleteIfPresent(ctx.objects, ctx.types.Volume, current);
  }
}

async function claimGone(ctx: VolumeContext, pv: KubeObject): Promise<boolean> {
  const ref = volumeSpec(pv).claimRef;
  if (!ref?.name) return false;
  const claim = await getOrUndefined(ctx.objects, ctx.types.Claim, ref.namespace, ref.name);
  return !claim || (ref.uid !== undefined && claim.metadata.uid !== ref.uid);
}

/** The node holding the data no longer exists: say so on the claim and let a deleted PV go. */
async function nodeLost(ctx: VolumeContext, pv: KubeObject, node: string): Promise<void> {
  const ref = volumeSpec(pv).claimRef;
  const claim = ref?.name ? await getOrUndefined(ctx.objects, ctx.types.Claim, ref.namespace, ref.name) : undefined;
  if (claim && claim.metadata.uid === ref?.uid && claimSpec(claim).volumeName === pv.metadata.name) {
    ctx.eventOnce(claim, 'Warning', 'NodeLost', `node "${node}" of volume ${pv.metadata.name} no longer exists; its data cannot be reached`);
  }
  if (pv.metadata.deletionTimestamp && hasFinalizer(pv, LOCAL_VOLUME_FINALIZER)) {
    ctx.events.event(pv, 'Warning', 'VolumeDataAbandoned', `node "${node}" no longer exists: nothing can delete the data of volume ${pv.metadata.name}; the volume is removed without it`);
    await dropFinalizer(ctx, pv, LOCAL_VOLUME_FINALIZER);
  }
}

/** One PV: release and reclaim after its claim, pv-protection, and a node that is gone. */
export async function reconcileVolume(ctx: VolumeContext, name: string): Promise<'again' | 'done'> {
  let pv = await getOrUndefined(ctx.objects, ctx.types.Volume, undefined, name);
  if (pv && (await claimGone(ctx, pv))) {
    await reclaim(ctx, pv);
    pv = await getOrUndefined(ctx.objects, ctx.types.Volume, undefined, name);
  }
  if (!pv) return 'done';
  if (pv.metadata.deletionTimestamp && hasFinalizer(pv, PV_PROTECTION) && volumePhase(pv) !== 'Bound') await dropFinalizer(ctx, pv, PV_PROTECTION);
  const node = nodeOfVolume(pv);
  if (node && !(await getOrUndefined(ctx.objects, ctx.types.Node, undefined, node))) await nodeLost(ctx, pv, node);
  return 'done';
}
