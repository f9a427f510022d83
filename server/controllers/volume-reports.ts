/**
 * A node's report about one of its local volumes (common/sync VolumeReport), written onto the
 * PV: the state, real capacity, usage and problem go into annotations, which the volume
 * controller turns into the claim's conditions and events; Deleted lets a deleted PV go.
 * A node speaks only for the volumes its PVs' node affinity names (as for pods).
 */
import type { VolumeReport } from '../../common/sync/index.ts';
import { LOCAL_VOLUME_FINALIZER, type Catalog, type KubeObject, type ObjectStore, type ResourceType } from '../api/index.ts';
import { CAPACITY_ANNOTATION, hasFinalizer, MESSAGE_ANNOTATION, nodeOfVolume, STATE_ANNOTATION, USED_ANNOTATION } from './local-volumes.ts';
import { getOrUndefined, isNotFound } from './workload-util.ts';

/** stale: no such PV, or not this node's; the caller drops the report. */
export type VolumeReportOutcome = 'applied' | 'unchanged' | 'stale';

function annotationsFor(current: Record<string, string>, report: VolumeReport): Record<string, string> {
  const next: Record<string, string> = { ...current, [STATE_ANNOTATION]: report.state, [CAPACITY_ANNOTATION]: String(report.capacityBytes), [USED_ANNOTATION]: String(report.usedBytes) };
  // The message explains a problem; a Ready volume's last problem is history.
  if (report.state !== 'Ready' && report.message) next[MESSAGE_ANNOTATION] = report.message;
  else delete next[MESSAGE_ANNOTATION];
  return next;
}

const sameMap = (a: Record<string, string>, b: Record<string, string>) => Object.keys(a).length === Object.keys(b).length && Object.entries(a).every(([k, v]) => b[k] === v);

async function release(objects: ObjectStore, Volume: ResourceType, pv: KubeObject): Promise<VolumeReportOutcome> {
  if (!hasFinalizer(pv, LOCAL_VOLUME_FINALIZER)) return 'unchanged';
  await objects.mutate(Volume, undefined, pv.metadata.name!, (current) => ({
    ...current,
    metadata: { ...current.metadata, finalizers: (current.metadata.finalizers ?? []).filter((f) => f !== LOCAL_VOLUME_FINALIZER) },
  }));
  return 'applied';
}

export async function applyVolumeReport(objects: ObjectStore, catalog: Catalog, node: string, report: VolumeReport): Promise<VolumeReportOutcome> {
  const Volume = catalog.byResource('', 'v1', 'persistentvolumes')!;
  const pv = await getOrUndefined(objects, Volume, undefined, report.volume);
  if (!pv || nodeOfVolume(pv) !== node) return 'stale';
  if (report.state === 'Deleted' && pv.metadata.deletionTimestamp) return release(objects, Volume, pv);
  const before = pv.metadata.annotations ?? {};
  // Only a change is written: every PV write reaches the node's view again.
  if (sameMap(annotationsFor(before, report), before)) return 'unchanged';
  try {
    await objects.mutate(Volume, undefined, pv.metadata.name!, (current) => ({ ...current, metadata: { ...current.metadata, annotations: annotationsFor(current.metadata.annotations ?? {}, report) } }));
  } catch (error) {
    if (isNotFound(error)) return 'stale';
    throw error;
  }
  return 'applied';
}
