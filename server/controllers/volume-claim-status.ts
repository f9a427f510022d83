/**
 * A bound claim kept in step with its PV: Bound status, expansion (kube's resize controller and
 * the kubelet's FileSystemResizePending) and the health its node reports (ADR 012).
 */
import { timestamp, type KubeObject } from '../api/index.ts';
import {
  bytesToNanos,
  CAPACITY_ANNOTATION,
  capacityNanos,
  claimSpec,
  claimStatus,
  conditionOf,
  HEALTH_CONDITION,
  MESSAGE_ANNOTATION,
  nodeOfVolume,
  requestNanos,
  RESIZE_PENDING,
  STATE_ANNOTATION,
  volumeSpec,
  type ClaimStatus,
  type Condition,
  type VolumeContext,
} from './local-volumes.ts';
import { markClaimBound, markVolumeBound } from './volume-provision.ts';
import { getOrUndefined } from './workload-util.ts';

const PROBLEM_STATES = new Set(['Missing', 'Damaged', 'Failed', 'Deleted']);

const withoutCondition = (status: ClaimStatus, type: string) => (status.conditions ?? []).filter((c) => c.type !== type);

/** Writes the claim's status when `change` alters it (compared as JSON, so no write for nothing). */
async function changeClaimStatus(ctx: VolumeContext, claim: KubeObject, change: (status: ClaimStatus) => ClaimStatus): Promise<boolean> {
  let changed = false;
  await ctx.objects.mutate(ctx.types.Claim, claim.metadata.namespace, claim.metadata.name!, (current) => {
    const before = claimStatus(current);
    const after = change(structuredClone(before));
    changed = JSON.stringify(after) !== JSON.stringify(before);
    return changed ? { ...current, status: after } : current;
  }, { subresource: 'status' });
  return changed;
}

/** A request above the PV's capacity: grow the PV; the node grows the filesystem and reports it. */
async function startExpansion(ctx: VolumeContext, claim: KubeObject, pv: KubeObject): Promise<void> {
  const storage = claimSpec(claim).resources?.requests?.storage;
  await ctx.objects.mutate(ctx.types.Volume, undefined, pv.metadata.name!, (current) => ({ ...current, spec: { ...volumeSpec(current), capacity: { ...volumeSpec(current).capacity, storage } } }));
  const pending: Condition = {
    type: RESIZE_PENDING,
    status: 'True',
    lastProbeTime: null,
    lastTransitionTime: timestamp(ctx.now()),
    message: 'Waiting for the node to grow the file system of the volume',
  };
  await changeClaimStatus(ctx, claim, (s) => ({
    ...s,
    allocatedResources: { ...s.allocatedResources, storage },
    allocatedResourceStatuses: { ...s.allocatedResourceStatuses, storage: 'NodeResizePending' },
    conditions: [...withoutCondition(s, RESIZE_PENDING), pending],
  }));
  ctx.events.event(claim, 'Normal', 'Resizing', `External resizer is resizing volume ${pv.metadata.name}`);
  ctx.events.event(claim, 'Normal', 'FileSystemResizeRequired', 'Require file system resize of volume on node');
}

/** The node reported a size that holds the request: the claim shows it and the resize is over. */
async function finishExpansion(ctx: VolumeContext, claim: KubeObject, pv: KubeObject): Promise<void> {
  const reported = Number(pv.metadata.annotations?.[CAPACITY_ANNOTATION]);
  const wanted = requestNanos(claim);
  if (pv.metadata.annotations?.[STATE_ANNOTATION] !== 'Ready' || !Number.isFinite(reported) || wanted === undefined || bytesToNanos(reported) < wanted) return;
  const finished = await changeClaimStatus(ctx, claim, (s) => {
    const next: ClaimStatus = { ...s, capacity: volumeSpec(pv).capacity, conditions: withoutCondition(s, RESIZE_PENDING) };
    delete next.allocatedResourceStatuses;
    return next;
  });
  if (finished) ctx.events.event(claim, 'Normal', 'FileSystemResizeSuccessful', `MountVolume.NodeExpandVolume succeeded for volume "${pv.metadata.name}" ${nodeOfVolume(pv) ?? ''}`.trimEnd());
}

async function syncExpansion(ctx: VolumeContext, claim: KubeObject, pv: KubeObject): Promise<void> {
  const wanted = requestNanos(claim);
  const capacity = capacityNanos(pv);
  if (wanted !== undefined && capacity !== undefined && wanted > capacity) return startExpansion(ctx, claim, pv);
  if (conditionOf(claim, RESIZE_PENDING)) await finishExpansion(ctx, claim, pv);
}

/** The VolumeHealthy condition follows the node's last report; each change is an event too. */
async function syncHealth(ctx: VolumeContext, claim: KubeObject, pv: KubeObject): Promise<void> {
  const state = pv.metadata.annotations?.[STATE_ANNOTATION];
  const problem = state !== undefined && PROBLEM_STATES.has(state);
  const current = conditionOf(claim, HEALTH_CONDITION);
  if (problem) {
    const message = `volume ${pv.metadata.name} on node ${nodeOfVolume(pv) ?? '?'} is ${state}: ${pv.metadata.annotations?.[MESSAGE_ANNOTATION] ?? ''}`.replace(/: $/, '');
    if (current?.reason === state && current.message === message) return;
    const condition: Condition = { type: HEALTH_CONDITION, status: 'False', reason: state, message, lastTransitionTime: timestamp(ctx.now()) };
    await changeClaimStatus(ctx, claim, (s) => ({ ...s, conditions: [...withoutCondition(s, HEALTH_CONDITION), condition] }));
    ctx.events.event(claim, 'Warning', 'VolumeConditionAbnormal', message);
  } else if (current && state === 'Ready') {
    await changeClaimStatus(ctx, claim, (s) => ({ ...s, conditions: withoutCondition(s, HEALTH_CONDITION) }));
    ctx.events.event(claim, 'Normal', 'VolumeConditionNormal', `volume ${pv.metadata.name} is Ready again`);
  }
}

/** A claim with spec.volumeName: Lost without its PV, else Bound, grown and healthy as the PV says. */
export async function syncBoundClaim(ctx: VolumeContext, claim: KubeObject): Promise<void> {
  const pv = await getOrUndefined(ctx.objects, ctx.types.Volume, undefined, claimSpec(claim).volumeName!);
  if (!pv) {
    if (claimStatus(claim).phase === 'Bound') await changeClaimStatus(ctx, claim, (s) => ({ ...s, phase: 'Lost' }));
    ctx.eventOnce(claim, 'Warning', 'ClaimLost', 'Bound claim has lost its PersistentVolume. Data on this volume is lost!');
    return;
  }
  // A PV made for another claim (a user's volumeName): kube's binder leaves it to the user too.
  if (volumeSpec(pv).claimRef?.uid && volumeSpec(pv).claimRef?.uid !== claim.metadata.uid) return;
  await markClaimBound(ctx, claim, pv);
  await markVolumeBound(ctx, pv);
  const fresh = await getOrUndefined(ctx.objects, ctx.types.Claim, claim.metadata.namespace, claim.metadata.name!);
  if (!fresh || fresh.metadata.uid !== claim.metadata.uid) return;
  await syncExpansion(ctx, fresh, pv);
  await syncHealth(ctx, fresh, pv);
}
