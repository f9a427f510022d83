import test from 'ava';
import { timestamp, type KubeObject, type ObjectStore } from '../api/index.ts';
import { catalog, clock, Pod, store } from './controller-fixtures.test-helper.ts';
import { endpointsReconciler, servicesForPod } from './endpoints.ts';

const Service = catalog.byResource('', 'v1', 'services')!;
const Endpoints = catalog.byResource('', 'v1', 'endpoints')!;

async function pod(objects: ObjectStore, name: string, labels: Record<string, string>, state: { ip?: string; ready?: boolean; port?: number; node?: string; hostname?: string; subdomain?: string } = {}): Promise<KubeObject> {
  await objects.create(Pod, 'default', {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name, labels },
    spec: {
      ...(state.hostname ? { hostname: state.hostname, subdomain: state.subdomain } : {}),
      containers: [{ name: 'app', image: 'app:1', ports: [{ name: 'http', containerPort: state.port ?? 8080 }] }],
    },
  });
  if (state.node) await objects.mutate(Pod, 'default', name, (p) => ({ ...p, spec: { ...(p.spec as object), nodeName: state.node } }), { subresource: 'binding' });
  if (!state.ip) return objects.get(Pod, 'default', name);
  const conditions = [{ type: 'Ready', status: state.ready === false ? 'False' : 'True', lastTransitionTime: timestamp(new Date()) }];
  return objects.mutate(Pod, 'default', name, (p) => ({ ...p, status: { ...((p.status ?? {}) as object), phase: 'Running', podIP: state.ip, conditions } }), { subresource: 'status' });
}

const service = (name: string, spec: Record<string, unknown>, labels?: Record<string, string>): KubeObject => ({
  apiVersion: 'v1',
  kind: 'Service',
  metadata: { name, ...(labels ? { labels } : {}) },
  spec,
});

test('Endpoints list the selected pods with IPs, ready or not, with ports resolved per pod', async (t) => {
  const objects = await store(t);
  const reconcile = endpointsReconciler(objects, catalog, clock().now);
  await objects.create(Service, 'default', service('web', { selector: { app: 'web' }, ports: [{ name: 'http', port: 80, targetPort: 'http' }, { name: 'metrics', port: 9100, targetPort: 9100 }] }, { team: 'a' }));
  const a = await pod(objects, 'web-a', { app: 'web' }, { ip: '10.42.0.5', node: 'edge-1' });
  const b = await pod(objects, 'web-b', { app: 'web' }, { ip: '10.42.0.3', ready: false, node: 'edge-2' });
  // A pod whose named port is another number lands in a subset of its own for that port.
  const c = await pod(objects, 'web-c', { app: 'web' }, { ip: '10.42.0.4', port: 9090, node: 'edge-1' });
  await pod(objects, 'web-pending', { app: 'web' });
  await pod(objects, 'other', { app: 'other' }, { ip: '10.42.0.9' });
  await reconcile('default', 'web');
  const ep = await objects.get(Endpoints, 'default', 'web');
  t.deepEqual(ep.metadata.labels, { team: 'a' });
  const ref = (p: KubeObject) => ({ kind: 'Pod', namespace: 'default', name: p.metadata.name, uid: p.metadata.uid });
  const addr = (p: KubeObject, ip: string, node: string) => ({ ip, nodeName: node, targetRef: ref(p) });
  // Subsets come in a stable order of their own; compare them as a set.
  const bag = (subsets: unknown) => (subsets as unknown[]).map((x) => JSON.stringify(x)).sort();
  t.deepEqual(bag(ep.subsets), bag([
    {
      addresses: [addr(a, '10.42.0.5', 'edge-1')],
      notReadyAddresses: [addr(b, '10.42.0.3', 'edge-2')],
      ports: [{ name: 'http', port: 8080, protocol: 'TCP' }],
    },
    {
      addresses: [addr(c, '10.42.0.4', 'edge-1'), addr(a, '10.42.0.5', 'edge-1')],
      notReadyAddresses: [addr(b, '10.42.0.3', 'edge-2')],
      ports: [{ name: 'metrics', port: 9100, protocol: 'TCP' }],
    },
    {
      addresses: [addr(c, '10.42.0.4', 'edge-1')],
      ports: [{ name: 'http', port: 9090, protocol: 'TCP' }],
    },
  ]));

  // Nothing changed: no write.
  await reconcile('default', 'web');
  t.is((await objects.get(Endpoints, 'default', 'web')).metadata.resourceVersion, ep.metadata.resourceVersion);

  // A pod being deleted leaves; routing: which services a pod change concerns.
  const services = (await objects.list(Service, 'default')).items;
  t.deepEqual(servicesForPod(services, c), ['default/web']);
  t.deepEqual(servicesForPod(services, { ...c, metadata: { ...c.metadata, labels: { app: 'x' } } }, c), ['default/web']);
  await objects.delete(Pod, 'default', 'web-c');
  await objects.delete(Pod, 'default', 'web-b');
  await reconcile('default', 'web');
  t.deepEqual((await objects.get(Endpoints, 'default', 'web')).subsets, [
    { addresses: [addr(a, '10.42.0.5', 'edge-1')], ports: [{ name: 'http', port: 8080, protocol: 'TCP' }, { name: 'metrics', port: 9100, protocol: 'TCP' }] },
  ]);

  await objects.delete(Service, 'default', 'web');
  await reconcile('default', 'web');
  await t.throwsAsync(objects.get(Endpoints, 'default', 'web'), { message: /not found/ });
});

test('a headless service lists hostnames of pods under it, even without ports; a service without selector is left alone', async (t) => {
  const objects = await store(t);
  const reconcile = endpointsReconciler(objects, catalog, clock().now);
  await objects.create(Service, 'default', service('db', { clusterIP: 'None', selector: { app: 'db' } }));
  const p = await pod(objects, 'db-0', { app: 'db' }, { ip: '10.42.1.7', hostname: 'db-0', subdomain: 'db' });
  await reconcile('default', 'db');
  const ep = await objects.get(Endpoints, 'default', 'db');
  t.deepEqual(ep.metadata.labels, { 'service.kubernetes.io/headless': '' });
  t.deepEqual(ep.subsets, [{ addresses: [{ ip: '10.42.1.7', hostname: 'db-0', targetRef: { kind: 'Pod', namespace: 'default', name: 'db-0', uid: p.metadata.uid } }] }]);

  await objects.create(Service, 'default', service('external', { ports: [{ port: 5432 }] }));
  const manual = await objects.create(Endpoints, 'default', { apiVersion: 'v1', kind: 'Endpoints', metadata: { name: 'external' }, subsets: [{ addresses: [{ ip: '192.168.1.50' }], ports: [{ port: 5432 }] }] });
  await reconcile('default', 'external');
  t.is((await objects.get(Endpoints, 'default', 'external')).metadata.resourceVersion, manual.metadata.resourceVersion);

  // A selected service with no ready pods still gets an (empty) Endpoints object.
  await objects.create(Service, 'default', service('empty', { selector: { app: 'none' }, ports: [{ port: 80 }] }));
  await reconcile('default', 'empty');
  t.is((await objects.get(Endpoints, 'default', 'empty')).subsets, undefined);
});
