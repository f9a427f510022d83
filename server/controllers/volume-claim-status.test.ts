import test from 'ava';
import type { VolumeReport, VolumeState } from '../../common/sync/index.ts';
import type { ObjectStore } from '../api/index.ts';
import { catalog } from './controller-fixtures.test-helper.ts';
import { claimStatus, conditionOf, volumeSpec } from './local-volumes.ts';
import { applyVolumeReport } from './volume-reports.ts';
import { Claim, createClaim, getClaim, Volume, volumeWorld } from './volume-fixtures.test-helper.ts';

const GI = 1024 ** 3;
const report = (volume: string, state: VolumeState, capacityBytes: number, message = ''): VolumeReport => ({ kind: 'volume', key: `volume/${volume}`, volume, state, capacityBytes, usedBytes: 4096, message });

async function grow(objects: ObjectStore, storage: string): Promise<void> {
  await objects.mutate(Claim, 'default', 'data', (c) => ({ ...c, spec: { ...(c.spec as object), resources: { requests: { storage } } } }));
}

test('expansion: the PV grows, the claim waits in FileSystemResizePending until its node reports the new size', async (t) => {
  const { objects, events, pass } = await volumeWorld(t);
  const claim = await createClaim(objects, 'data', { node: 'node-a' });
  const pvName = `pvc-${claim.metadata.uid}`;
  await pass();
  await grow(objects, '3Gi');
  await pass();
  t.deepEqual(volumeSpec(await objects.get(Volume, undefined, pvName)).capacity, { storage: '3Gi' });
  let status = claimStatus(await getClaim(objects, 'data'));
  t.deepEqual(status.capacity, { storage: '1Gi' }, 'capacity shows what the node has until it reports more');
  t.deepEqual(status.allocatedResources, { storage: '3Gi' });
  t.deepEqual(status.allocatedResourceStatuses, { storage: 'NodeResizePending' });
  t.is(conditionOf(await getClaim(objects, 'data'), 'FileSystemResizePending')?.status, 'True');

  await applyVolumeReport(objects, catalog, 'node-a', report(pvName, 'Ready', 1 * GI));
  await pass();
  t.truthy(conditionOf(await getClaim(objects, 'data'), 'FileSystemResizePending'), 'a report of the old size does not finish it');
  await applyVolumeReport(objects, catalog, 'node-a', report(pvName, 'Ready', 3 * GI));
  await pass();
  status = claimStatus(await getClaim(objects, 'data'));
  t.deepEqual(status.capacity, { storage: '3Gi' });
  t.is(status.conditions?.length ?? 0, 0);
  t.is(status.allocatedResourceStatuses, undefined);
  t.deepEqual(events.reasons('data').filter((r) => r !== 'ProvisioningSucceeded'), ['Resizing', 'FileSystemResizeRequired', 'FileSystemResizeSuccessful']);
});

test('the node reports: Ready writes state, capacity and usage onto the PV, only when they change', async (t) => {
  const { objects, pass } = await volumeWorld(t);
  const claim = await createClaim(objects, 'data', { node: 'node-a' });
  const pvName = `pvc-${claim.metadata.uid}`;
  await pass();
  t.is(await applyVolumeReport(objects, catalog, 'node-a', report(pvName, 'Ready', GI)), 'applied');
  t.like((await objects.get(Volume, undefined, pvName)).metadata.annotations, { 'volume.skerry.io/state': 'Ready', 'volume.skerry.io/capacity-bytes': String(GI), 'volume.skerry.io/used-bytes': '4096' });
  t.is(await applyVolumeReport(objects, catalog, 'node-a', report(pvName, 'Ready', GI)), 'unchanged');
  t.is(await applyVolumeReport(objects, catalog, 'node-b', report(pvName, 'Ready', GI)), 'stale', 'a node speaks only for its own volumes');
  t.is(await applyVolumeReport(objects, catalog, 'node-a', report('pvc-nope', 'Ready', GI)), 'stale');
});

test('a volume its node reports Missing makes the claim VolumeHealthy=False with a Warning; Ready clears it', async (t) => {
  const { objects, events, pass } = await volumeWorld(t);
  const claim = await createClaim(objects, 'data', { node: 'node-a' });
  const pvName = `pvc-${claim.metadata.uid}`;
  await pass();
  await applyVolumeReport(objects, catalog, 'node-a', report(pvName, 'Missing', 0, 'the data directory is gone'));
  await pass();
  await pass();
  const condition = conditionOf(await getClaim(objects, 'data'), 'VolumeHealthy');
  t.like(condition, { status: 'False', reason: 'Missing', message: `volume ${pvName} on node node-a is Missing: the data directory is gone` });
  t.is((await objects.get(Volume, undefined, pvName)).metadata.annotations?.['volume.skerry.io/message'], 'the data directory is gone');
  const warnings = events.seen.filter((e) => e.reason === 'VolumeConditionAbnormal');
  t.deepEqual(warnings.map((e) => `${e.type} ${e.name}`), ['Warning data'], 'one event per change, not per pass');

  await applyVolumeReport(objects, catalog, 'node-a', report(pvName, 'Ready', GI));
  await pass();
  t.is(conditionOf(await getClaim(objects, 'data'), 'VolumeHealthy'), undefined);
  t.true(events.reasons('data').includes('VolumeConditionNormal'));
  t.is((await objects.get(Volume, undefined, pvName)).metadata.annotations?.['volume.skerry.io/message'], undefined);
});

test('a bound claim whose PV vanished is Lost', async (t) => {
  const { objects, events, pass } = await volumeWorld(t);
  const claim = await createClaim(objects, 'data', { node: 'node-a' });
  await pass();
  const pvName = `pvc-${claim.metadata.uid}`;
  await objects.mutate(Volume, undefined, pvName, (v) => ({ ...v, metadata: { ...v.metadata, finalizers: [] } }));
  await objects.delete(Volume, undefined, pvName);
  await pass();
  t.is(claimStatus(await getClaim(objects, 'data')).phase, 'Lost');
  t.true(events.reasons('data').includes('ClaimLost'));
});
