import test from 'ava';
import type { VolumeReport } from '../../common/sync/index.ts';
import { LOCAL_VOLUME_FINALIZER, PVC_PROTECTION, type ObjectStore } from '../api/index.ts';
import { catalog, Pod } from './controller-fixtures.test-helper.ts';
import { claimStatus, volumePhase, volumeSpec } from './local-volumes.ts';
import { applyVolumeReport } from './volume-reports.ts';
import { Claim, createClaim, createPod, getClaim, Node, StorageClass, Volume, volumeWorld } from './volume-fixtures.test-helper.ts';
import { getOrUndefined } from './workload-util.ts';

const deleted = (volume: string): VolumeReport => ({ kind: 'volume', key: `volume/${volume}`, volume, state: 'Deleted', capacityBytes: 0, usedBytes: 0, message: '' });

async function provisioned(objects: ObjectStore, pass: () => Promise<void>, name = 'data', node = 'node-a'): Promise<string> {
  const claim = await createClaim(objects, name, { node });
  await pass();
  return `pvc-${claim.metadata.uid}`;
}

test('a claim deleted while a pod uses it stays Terminating until the pod is gone; then its Delete PV waits for the node', async (t) => {
  const { objects, pass } = await volumeWorld(t);
  const pvName = await provisioned(objects, pass);
  await createPod(objects, 'app', 'data', 'node-a');
  await objects.delete(Claim, 'default', 'data');
  await pass();
  const held = await getClaim(objects, 'data');
  t.truthy(held.metadata.deletionTimestamp);
  t.deepEqual(held.metadata.finalizers, [PVC_PROTECTION], 'pvc-protection holds while the pod may run');

  await objects.mutate(Pod, 'default', 'app', (p) => ({ ...p, status: { ...(p.status as object), phase: 'Succeeded' } }), { subresource: 'status' });
  await pass();
  t.is(await getOrUndefined(objects, Claim, 'default', 'data'), undefined, 'a finished pod no longer holds the claim');
  await pass();
  const pv = await objects.get(Volume, undefined, pvName);
  t.is(volumePhase(pv), 'Released');
  t.truthy(pv.metadata.deletionTimestamp, 'reclaim policy Delete deletes the PV object');
  t.deepEqual(pv.metadata.finalizers, [LOCAL_VOLUME_FINALIZER], 'pv-protection went with the binding; the data finalizer stays');

  t.is(await applyVolumeReport(objects, catalog, 'node-b', deleted(pvName)), 'stale', 'another node cannot release it');
  t.truthy(await getOrUndefined(objects, Volume, undefined, pvName));
  t.is(await applyVolumeReport(objects, catalog, 'node-a', deleted(pvName)), 'applied');
  t.is(await getOrUndefined(objects, Volume, undefined, pvName), undefined, 'gone once its node deleted the data');
});

test('a claim used by no scheduled pod goes at once; pods still Pending unscheduled do not hold it', async (t) => {
  const { objects, pass } = await volumeWorld(t);
  await provisioned(objects, pass);
  await createPod(objects, 'waiting', 'data');
  await objects.delete(Claim, 'default', 'data');
  await pass();
  t.is(await getOrUndefined(objects, Claim, 'default', 'data'), undefined);
});

test('reclaim policy Retain keeps a Released PV and its data', async (t) => {
  const { objects, pass } = await volumeWorld(t);
  await objects.create(StorageClass, undefined, { apiVersion: 'storage.k8s.io/v1', kind: 'StorageClass', metadata: { name: 'keep' }, provisioner: 'skerry.io/local-path', reclaimPolicy: 'Retain', volumeBindingMode: 'WaitForFirstConsumer' });
  const claim = await createClaim(objects, 'data', { storageClassName: 'keep', node: 'node-a' });
  await pass();
  const pvName = `pvc-${claim.metadata.uid}`;
  t.is(volumeSpec(await objects.get(Volume, undefined, pvName)).persistentVolumeReclaimPolicy, 'Retain');
  await objects.delete(Claim, 'default', 'data');
  await pass();
  await pass();
  const pv = await objects.get(Volume, undefined, pvName);
  t.is(volumePhase(pv), 'Released');
  t.falsy(pv.metadata.deletionTimestamp);
});

test('a node that is gone: the claim is told, and a deleted PV of that node lets go of its data finalizer', async (t) => {
  const { objects, events, pass } = await volumeWorld(t);
  const pvName = await provisioned(objects, pass, 'data', 'node-b');
  await objects.delete(Node, undefined, 'node-b');
  await pass();
  await pass();
  const lost = events.seen.filter((e) => e.reason === 'NodeLost');
  t.deepEqual(lost.map((e) => `${e.type} ${e.name}: ${e.message}`), [`Warning data: node "node-b" of volume ${pvName} no longer exists; its data cannot be reached`]);
  t.is(claimStatus(await getClaim(objects, 'data')).phase, 'Bound', 'the claim stays bound: the node may come back');

  await objects.delete(Claim, 'default', 'data');
  await pass();
  await pass();
  t.is(await getOrUndefined(objects, Volume, undefined, pvName), undefined);
  t.true(events.reasons(pvName).includes('VolumeDataAbandoned'));
});
