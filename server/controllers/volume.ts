/**
 * The volume controller: local-path provisioning and binding, expansion, health, protection
 * and reclaim of PersistentVolumeClaims and PersistentVolumes (ADR 012). Reconcilers read the
 * store, not caches: volumes are few, and a stale cache must never release data in use.
 */
import type { Catalog, KubeObject, ObjectStore } from '../api/index.ts';
import { discardEvents, type EventRecorder } from '../events/index.ts';
import { claimSpec, volumeTypes, type VolumeContext } from './local-volumes.ts';
import { syncBoundClaim } from './volume-claim-status.ts';
import { provisionClaim } from './volume-provision.ts';
import { reconcileVolume, releaseClaim } from './volume-release.ts';
import { getOrUndefined } from './workload-util.ts';

export interface VolumeReconciler {
  claim(namespace: string, name: string): Promise<'again' | 'done'>;
  volume(name: string): Promise<'again' | 'done'>;
  /** Forgets the once-only events of a claim that is gone. */
  forget(uid: string): void;
}

export function volumeContext(objects: ObjectStore, catalog: Catalog, now: () => Date, events: EventRecorder = discardEvents): VolumeContext & { forget(uid: string): void } {
  const told = new Map<string, Set<string>>();
  return {
    objects,
    types: volumeTypes(catalog),
    events,
    now,
    eventOnce(object, type, reason, message) {
      const uid = object.metadata.uid ?? '';
      const reasons = told.get(uid) ?? new Set<string>();
      told.set(uid, reasons);
      if (reasons.has(`${reason}\u0000${message}`)) return;
      reasons.add(`${reason}\u0000${message}`);
      events.event(object, type, reason, message);
    },
    forget: (uid) => void told.delete(uid),
  };
}

async function reconcileClaim(ctx: VolumeContext, namespace: string, name: string): Promise<'again' | 'done'> {
  const claim: KubeObject | undefined = await getOrUndefined(ctx.objects, ctx.types.Claim, namespace, name);
  if (!claim) return 'done';
  if (claim.metadata.deletionTimestamp) return releaseClaim(ctx, claim);
  if (claimSpec(claim).volumeName) await syncBoundClaim(ctx, claim);
  else await provisionClaim(ctx, claim);
  return 'done';
}

export function volumeReconciler(objects: ObjectStore, catalog: Catalog, now: () => Date, events?: EventRecorder): VolumeReconciler {
  const ctx = volumeContext(objects, catalog, now, events);
  return {
    claim: (namespace, name) => reconcileClaim(ctx, namespace, name),
    volume: (name) => reconcileVolume(ctx, name),
    forget: ctx.forget,
  };
}
