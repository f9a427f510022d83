import test from 'ava';
import { LOCAL_VOLUME_FINALIZER, PV_PROTECTION, PVC_PROTECTION, SELECTED_NODE } from '../api/index.ts';
import { claimSpec, claimStatus, newLocalVolume, volumePhase } from './local-volumes.ts';
import { Claim, createClaim, createPod, getClaim, StorageClass, Volume, volumeWorld } from './volume-fixtures.test-helper.ts';

test('a claim the scheduler marked with a node gets a local PV there, and both are bound', async (t) => {
  const { objects, events, pass } = await volumeWorld(t);
  const claim = await createClaim(objects, 'data', { storage: '2Gi', node: 'node-b' });
  await pass();
  const name = `pvc-${claim.metadata.uid}`;
  const pv = await objects.get(Volume, undefined, name);
  t.like(pv.spec, {
    capacity: { storage: '2Gi' },
    accessModes: ['ReadWriteOnce'],
    volumeMode: 'Filesystem',
    storageClassName: 'local-path',
    persistentVolumeReclaimPolicy: 'Delete',
    claimRef: { apiVersion: 'v1', kind: 'PersistentVolumeClaim', namespace: 'default', name: 'data', uid: claim.metadata.uid },
    csi: { driver: 'local.skerry.io', volumeHandle: name, fsType: 'ext4' },
  });
  t.deepEqual((pv.spec as { nodeAffinity: unknown }).nodeAffinity, { required: { nodeSelectorTerms: [{ matchExpressions: [{ key: 'kubernetes.io/hostname', operator: 'In', values: ['node-b'] }] }] } });
  t.is(pv.metadata.annotations?.['pv.kubernetes.io/provisioned-by'], 'skerry.io/local-path');
  t.deepEqual([...(pv.metadata.finalizers ?? [])].sort(), [PV_PROTECTION, LOCAL_VOLUME_FINALIZER].sort());
  t.is(volumePhase(pv), 'Bound');
  const bound = await getClaim(objects, 'data');
  t.is(claimSpec(bound).volumeName, name);
  t.like(bound.metadata.annotations, { 'pv.kubernetes.io/bind-completed': 'yes', 'pv.kubernetes.io/bound-by-controller': 'yes', [SELECTED_NODE]: 'node-b' });
  t.deepEqual(bound.metadata.finalizers, [PVC_PROTECTION]);
  t.deepEqual(claimStatus(bound), { phase: 'Bound', accessModes: ['ReadWriteOnce'], capacity: { storage: '2Gi' } });
  t.deepEqual(events.seen.map((e) => `${e.type} ${e.reason}: ${e.message}`), [`Normal ProvisioningSucceeded: Successfully provisioned volume ${name}`]);

  await pass();
  await pass();
  t.is((await objects.list(Volume, undefined)).items.length, 1, 'reconciling again makes nothing new');
  t.is(events.seen.length, 1);
});

test('provisioning is idempotent: a PV left by an interrupted attempt is bound, not made twice', async (t) => {
  const { objects, reconciler, events } = await volumeWorld(t);
  const claim = await createClaim(objects, 'data', { node: 'node-a' });
  // As if the controller had stopped right after creating the PV.
  await objects.create(Volume, undefined, newLocalVolume(claim, await objects.get(StorageClass, undefined, 'local-path'), 'node-a'));
  await reconciler.claim('default', 'data');
  t.is(claimStatus(await getClaim(objects, 'data')).phase, 'Bound');
  t.deepEqual((await objects.list(Volume, undefined)).items.map((v) => v.metadata.name), [`pvc-${claim.metadata.uid}`]);
  t.deepEqual(events.seen, []);
  // A bound claim whose status write was lost is marked Bound again.
  await objects.mutate(Claim, 'default', 'data', (c) => ({ ...c, status: { phase: 'Pending' } }), { subresource: 'status' });
  await reconciler.claim('default', 'data');
  t.is(claimStatus(await getClaim(objects, 'data')).phase, 'Bound');
});

test('a WaitForFirstConsumer claim without a consumer waits, saying so once', async (t) => {
  const { objects, events, pass } = await volumeWorld(t);
  await createClaim(objects, 'data');
  await pass();
  await pass();
  t.deepEqual(events.seen.map((e) => `${e.type} ${e.reason}: ${e.message}`), ['Normal WaitForFirstConsumer: waiting for first consumer to be created before binding']);
  t.is(claimStatus(await getClaim(objects, 'data')).phase, 'Pending');
  t.is((await objects.list(Volume, undefined)).items.length, 0);
});

test('a claim of a class that does not exist stays Pending with ProvisioningFailed', async (t) => {
  const { objects, events, pass } = await volumeWorld(t);
  await createClaim(objects, 'data', { storageClassName: 'fast', node: 'node-a' });
  await pass();
  await pass();
  t.deepEqual(events.seen.map((e) => `${e.type} ${e.reason}: ${e.message}`), ['Warning ProvisioningFailed: storageclass.storage.k8s.io "fast" not found']);
  t.is(claimStatus(await getClaim(objects, 'data')).phase, 'Pending');
});

test('a claim marked for a node that is gone loses the mark, so its pod can be placed again', async (t) => {
  const { objects, events, pass } = await volumeWorld(t);
  await createClaim(objects, 'data', { node: 'node-x' });
  await pass();
  t.is((await getClaim(objects, 'data')).metadata.annotations?.[SELECTED_NODE], undefined);
  t.deepEqual(events.reasons('data'), ['ProvisioningFailed']);
  t.is((await objects.list(Volume, undefined)).items.length, 0);
});

test('claims of other provisioners and without a class are left alone', async (t) => {
  const { objects, events, pass } = await volumeWorld(t);
  await objects.create(StorageClass, undefined, {
    apiVersion: 'storage.k8s.io/v1', kind: 'StorageClass', metadata: { name: 'nfs' }, provisioner: 'example.com/nfs', volumeBindingMode: 'WaitForFirstConsumer',
  });
  await createClaim(objects, 'theirs', { storageClassName: 'nfs', node: 'node-a' });
  await createClaim(objects, 'static', { storageClassName: '' });
  await pass();
  t.is((await objects.list(Volume, undefined)).items.length, 0);
  t.deepEqual(events.seen, []);
});

test('a claim of a pod bound past the scheduler (spec.nodeName) is provisioned on that pod’s node', async (t) => {
  const { objects, reconciler } = await volumeWorld(t);
  const claim = await createClaim(objects, 'pinned');
  await reconciler.claim('default', 'pinned');
  t.is(claimStatus(await getClaim(objects, 'pinned')).phase, 'Pending', 'no consumer yet: it waits');
  await createPod(objects, 'gateway-app', 'pinned', 'node-b');
  await reconciler.claim('default', 'pinned');
  t.is(claimStatus(await getClaim(objects, 'pinned')).phase, 'Bound');
  const pv = await objects.get(Volume, undefined, `pvc-${claim.metadata.uid}`);
  t.deepEqual((pv.spec as { nodeAffinity: { required: { nodeSelectorTerms: Array<{ matchExpressions: Array<{ values: string[] }> }> } } }).nodeAffinity.required.nodeSelectorTerms[0]!.matchExpressions[0]!.values, ['node-b']);
});
