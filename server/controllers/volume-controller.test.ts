import test from 'ava';
import { ensureLocalPathClass, type KubeObject } from '../api/index.ts';
import { startScheduler } from '../scheduler/index.ts';
import { catalog, createNode, Node as NodeType, Pod, store, until } from './controller-fixtures.test-helper.ts';
import { claimSpec, claimStatus } from './local-volumes.ts';
import { startControllers } from './index.ts';
import { Claim, createClaim, createPod, StorageClass, Volume } from './volume-fixtures.test-helper.ts';
import { getOrUndefined } from './workload-util.ts';

test('wired together: a pod’s new claim is provisioned on the pod’s node, and a deleted claim waits for the pod', async (t) => {
  const objects = await store(t);
  await ensureLocalPathClass(objects, StorageClass);
  await createNode(objects, 'node-a');
  // The scheduler needs room for a pod on the node.
  await objects.mutate(NodeType, undefined, 'node-a', (n) => ({ ...n, status: { ...(n.status as object), allocatable: { cpu: '2', memory: '4Gi', pods: '110' } } }), { subresource: 'status' });
  const controllers = startControllers(objects, catalog);
  const scheduler = startScheduler(objects, catalog);
  t.teardown(async () => {
    await scheduler.stop();
    await controllers.stop();
  });
  await Promise.all([controllers.synced, scheduler.synced]);
  await createClaim(objects, 'data');
  await createPod(objects, 'app', 'data');
  const bound = await until('claim bound', async () => undefined, async () => {
    const claim = await objects.get(Claim, 'default', 'data');
    return claimStatus(claim).phase === 'Bound' ? claim : undefined;
  });
  const pv = await objects.get(Volume, undefined, claimSpec(bound).volumeName!);
  t.is(((await objects.get(Pod, 'default', 'app')).spec as { nodeName?: string }).nodeName, 'node-a');
  t.deepEqual((pv.spec as { nodeAffinity: { required: { nodeSelectorTerms: Array<{ matchExpressions: Array<{ values: string[] }> }> } } }).nodeAffinity.required.nodeSelectorTerms[0]!.matchExpressions[0]!.values, ['node-a']);

  await objects.delete(Claim, 'default', 'data');
  await new Promise((resolve) => setTimeout(resolve, 200));
  t.truthy(await getOrUndefined(objects, Claim, 'default', 'data'), 'held by pvc-protection while the pod runs');
  await objects.delete(Pod, 'default', 'app', { gracePeriodSeconds: 0 });
  const released = await until('volume deleted and waiting for its node', async () => undefined, async () => {
    const current: KubeObject | undefined = await getOrUndefined(objects, Volume, undefined, pv.metadata.name!);
    return current?.metadata.deletionTimestamp && current.metadata.finalizers?.length === 1 ? current : undefined;
  });
  t.deepEqual(released.metadata.finalizers, ['skerry.io/local-volume'], 'pv-protection went; the node must report the data deleted');
  t.is(await getOrUndefined(objects, Claim, 'default', 'data'), undefined);
});
