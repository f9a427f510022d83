// The resource API driven by the official JavaScript client, @kubernetes/client-node 1.4.0:
// list, create, patch (merge and JSON patch), delete, and an informer that lists and watches.
import fs from 'node:fs';
import path from 'node:path';
import test from 'ava';
import * as k8s from '@kubernetes/client-node';
import { runSkerry, startServer, tempDir, type ServerProcess } from './helpers/skerry.ts';

let server: ServerProcess;
let dir: string;
let kc: k8s.KubeConfig;

test.before(async () => {
  dir = tempDir('api-client-node');
  server = await startServer(path.join(dir, 'server'));
  const printed = await runSkerry(['kubeconfig', '--data-dir', path.join(dir, 'server'), '--server', `https://127.0.0.1:${server.port}`]);
  if (printed.code !== 0) throw new Error(printed.stderr);
  kc = new k8s.KubeConfig();
  kc.loadFromString(printed.stdout);
});

test.after.always(() => {
  server?.child.kill('SIGKILL');
  if (dir) fs.rmSync(dir, { recursive: true, force: true });
});

test.serial('list, create, patch (merge and JSON patch) and delete through client-node', async (t) => {
  const core = kc.makeApiClient(k8s.CoreV1Api);
  const apps = kc.makeApiClient(k8s.AppsV1Api);
  const namespaces = await core.listNamespace();
  t.true(namespaces.items.some((ns) => ns.metadata?.name === 'default'));
  t.regex(namespaces.metadata?.resourceVersion ?? '', /^\d+$/);

  await core.createNamespace({ body: { metadata: { name: 'client-node' } } });
  const created = await apps.createNamespacedDeployment({
    namespace: 'client-node',
    body: {
      metadata: { name: 'api', labels: { app: 'api' } },
      spec: {
        replicas: 1,
        selector: { matchLabels: { app: 'api' } },
        template: { metadata: { labels: { app: 'api' } }, spec: { containers: [{ name: 'api', image: 'busybox:1.36' }] } },
      },
    },
  });
  t.is(created.metadata?.generation, 1);
  t.is(created.spec?.strategy?.type, 'RollingUpdate', 'defaults applied');

  const merged = await apps.patchNamespacedDeployment(
    { name: 'api', namespace: 'client-node', body: { spec: { replicas: 3 } } },
    k8s.setHeaderOptions('Content-Type', k8s.PatchStrategy.MergePatch),
  );
  t.is(merged.spec?.replicas, 3);
  t.is(merged.metadata?.generation, 2);
  const jsonPatched = await apps.patchNamespacedDeployment(
    { name: 'api', namespace: 'client-node', body: [{ op: 'add', path: '/metadata/labels/tier', value: 'edge' }] },
    k8s.setHeaderOptions('Content-Type', k8s.PatchStrategy.JsonPatch),
  );
  t.is(jsonPatched.metadata?.labels?.tier, 'edge');

  const listed = await apps.listNamespacedDeployment({ namespace: 'client-node', labelSelector: 'tier=edge' });
  t.deepEqual(listed.items.map((d) => d.metadata?.name), ['api']);

  const conflict = await t.throwsAsync(
    apps.replaceNamespacedDeployment({ name: 'api', namespace: 'client-node', body: { ...created, spec: { ...created.spec!, replicas: 9 } } }),
  );
  t.is((conflict as { code?: number }).code, 409);

  await apps.deleteNamespacedDeployment({ name: 'api', namespace: 'client-node' });
  const missing = await t.throwsAsync(apps.readNamespacedDeployment({ name: 'api', namespace: 'client-node' }));
  t.is((missing as { code?: number }).code, 404);
});

test.serial('an informer lists, then sees adds, updates and deletes as they happen', async (t) => {
  const core = kc.makeApiClient(k8s.CoreV1Api);
  await core.createNamespace({ body: { metadata: { name: 'informed' } } });
  await core.createNamespacedConfigMap({ namespace: 'informed', body: { metadata: { name: 'before' }, data: { a: '1' } } });
  const informer = k8s.makeInformer(kc, '/api/v1/namespaces/informed/configmaps', () => core.listNamespacedConfigMap({ namespace: 'informed' }));
  const seen: string[] = [];
  informer.on('add', (o) => seen.push(`add ${o.metadata?.name}`));
  informer.on('update', (o) => seen.push(`update ${o.metadata?.name} ${JSON.stringify(o.data)}`));
  informer.on('delete', (o) => seen.push(`delete ${o.metadata?.name}`));
  await informer.start();
  t.teardown(() => informer.stop());

  await core.createNamespacedConfigMap({ namespace: 'informed', body: { metadata: { name: 'after' }, data: { b: '2' } } });
  await core.patchNamespacedConfigMap(
    { name: 'after', namespace: 'informed', body: { data: { b: '3' } } },
    k8s.setHeaderOptions('Content-Type', k8s.PatchStrategy.MergePatch),
  );
  await core.deleteNamespacedConfigMap({ name: 'before', namespace: 'informed' });
  const deadline = Date.now() + 10_000;
  while (seen.length < 4 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 50));
  t.deepEqual(seen, ['add before', 'add after', 'update after {"b":"3"}', 'delete before']);
  t.deepEqual(informer.list('informed').map((o) => o.metadata?.name), ['after']);
});
