// An edge rollout waits for offline nodes instead of failing: while pods of the Deployment
// sit on nodes whose heartbeat lapsed (Ready=Unknown), the progress deadline does not fire;
// on reachable nodes it does, as in Kubernetes.
import test from 'ava';
import { timestamp, type KubeObject, type ObjectStore } from '../api/index.ts';
import { catalog, createNode, Node, store } from './controller-fixtures.test-helper.ts';
import { startControllers } from './index.ts';

const Deployment = catalog.byResource('apps', 'v1', 'deployments')!;

async function markUnknown(objects: ObjectStore, name: string): Promise<void> {
  const at = timestamp(new Date());
  await objects.mutate(Node, undefined, name, (n) => ({ ...n, status: { conditions: [{ type: 'Ready', status: 'Unknown', reason: 'NodeStatusUnknown', message: 'Kubelet stopped posting node status.', lastHeartbeatTime: at, lastTransitionTime: at }] } }), { subresource: 'status' });
}

function deployment(name: string, node: string): KubeObject {
  const labels = { app: name };
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name, namespace: 'default' },
    spec: { replicas: 2, progressDeadlineSeconds: 1, selector: { matchLabels: labels }, template: { metadata: { labels }, spec: { nodeName: node, containers: [{ name: 'c', image: 'busybox' }] } } },
  } as KubeObject;
}

async function progressing(objects: ObjectStore, name: string): Promise<{ status: string; reason: string; message: string } | undefined> {
  const d = await objects.get(Deployment, 'default', name);
  return ((d.status ?? {}) as { conditions?: Array<{ type: string; status: string; reason: string; message: string }> }).conditions?.find((c) => c.type === 'Progressing');
}

test('the progress deadline waits for pods on offline nodes, and fires on reachable ones', async (t) => {
  const objects = await store(t);
  await createNode(objects, 'edge-offline');
  await createNode(objects, 'edge-online');
  await markUnknown(objects, 'edge-offline');
  const controllers = startControllers(objects, catalog);
  t.teardown(() => controllers.stop());
  await objects.create(Deployment, 'default', deployment('far', 'edge-offline'));
  await objects.create(Deployment, 'default', deployment('near', 'edge-online'));
  const deadline = Date.now() + 15_000;
  let near: Awaited<ReturnType<typeof progressing>>;
  while (Date.now() < deadline) {
    near = await progressing(objects, 'near');
    if (near?.reason === 'ProgressDeadlineExceeded') break;
    await new Promise((r) => setTimeout(r, 200));
  }
  t.is(near?.reason, 'ProgressDeadlineExceeded', 'pods on a reachable node that never become available time out');
  await new Promise((r) => setTimeout(r, 1_500));
  const far = await progressing(objects, 'far');
  t.is(far?.status, 'True');
  t.regex(far?.message ?? '', /waiting for 2 pod\(s\) on offline nodes/);
});
