import test from 'ava';
import type { ViewResource } from '../../common/sync/index.ts';
import { viewKey } from '../../common/sync/index.ts';
import { computeView, diffViews, type ObjectSource, type StoredObject } from './view.ts';

function source(objects: Array<[ViewResource, Record<string, unknown>, number]>): ObjectSource {
  const stored = objects.map(([resource, object, rev]) => {
    const m = object.metadata as { name: string; namespace?: string };
    return { resource, s: { key: viewKey(resource, m.namespace, m.name), rev, object } as StoredObject };
  });
  return {
    get: (resource, namespace, name) => stored.find((x) => x.resource === resource && x.s.key === viewKey(resource, namespace, name))?.s,
    list: (resource) => stored.filter((x) => x.resource === resource).map((x) => x.s),
    podsOn: (node) => stored.filter((x) => x.resource === 'pods' && (x.s.object.spec as { nodeName?: string }).nodeName === node).map((x) => x.s),
  };
}

const pod = (name: string, node: string, spec: Record<string, unknown> = {}, status: Record<string, unknown> = {}) => ({ apiVersion: 'v1', kind: 'Pod', metadata: { name, namespace: 'default', uid: name }, spec: { nodeName: node, containers: [{ name: 'c', image: 'i' }], ...spec }, status });
const secret = (name: string) => ({ apiVersion: 'v1', kind: 'Secret', metadata: { name, namespace: 'default' }, data: { k: 'dg==' } });
const node = (name: string, heartbeat: string) => ({ apiVersion: 'v1', kind: 'Node', metadata: { name, uid: name }, spec: { podCIDR: '10.42.0.0/24' }, status: { addresses: [{ type: 'InternalIP', address: '10.0.0.1' }], conditions: [{ type: 'Ready', lastHeartbeatTime: heartbeat }] } });

test('a node sees its pods and their secrets, never another node’s secrets', (t) => {
  const src = source([
    ['pods', pod('a', 'n1', { volumes: [{ name: 'v', secret: { secretName: 's1' } }] }), 5],
    ['pods', pod('b', 'n2', { containers: [{ name: 'c', image: 'i', env: [{ name: 'X', valueFrom: { secretKeyRef: { name: 's2', key: 'k' } } }] }] }), 6],
    ['secrets', secret('s1'), 2],
    ['secrets', secret('s2'), 3],
    ['secrets', secret('unused'), 4],
  ]);
  t.deepEqual([...computeView('n1', src).keys()].sort(), ['pods/default/a', 'secrets/default/s1']);
  t.deepEqual([...computeView('n2', src).keys()].sort(), ['pods/default/b', 'secrets/default/s2']);
});

test('a peer is reduced to its addresses: its heartbeats change nothing in the view', (t) => {
  const before = computeView('n1', source([['nodes', node('n1', 't1'), 1], ['nodes', node('n2', 't1'), 2]]));
  const after = computeView('n1', source([['nodes', node('n1', 't1'), 1], ['nodes', node('n2', 't2'), 9]]));
  t.deepEqual(diffViews(before, after), []);
  t.deepEqual((before.get('nodes/n2')!.object as { status: unknown }).status, { addresses: [{ type: 'InternalIP', address: '10.0.0.1' }] });
});

test('a pod’s status, reported by the node itself, is not echoed back', (t) => {
  const before = computeView('n1', source([['pods', pod('a', 'n1'), 5]]));
  const after = computeView('n1', source([['pods', pod('a', 'n1', {}, { phase: 'Running' }), 7]]));
  t.deepEqual(diffViews(before, after), []);
});

test('the diff carries new, changed and removed entries', (t) => {
  const before = computeView('n1', source([['pods', pod('a', 'n1'), 5], ['pods', pod('b', 'n1'), 6]]));
  const after = computeView('n1', source([['pods', pod('a', 'n1', { restartPolicy: 'Never' }), 8], ['pods', pod('c', 'n1'), 9]]));
  const changes = diffViews(before, after).map((c) => [c.key, c.rev, c.object === null]);
  t.deepEqual(changes.sort(), [['pods/default/a', 8, false], ['pods/default/b', 6, true], ['pods/default/c', 9, false]]);
});

test('a node with a NetworkPolicy gets every addressed pod as a peer and every namespace; one without gets no peers', (t) => {
  const withIp = (name: string, node: string, ip: string) => ({ ...pod(name, node), status: { phase: 'Running', podIP: ip } });
  const ns = { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'default', labels: { team: 'a' }, resourceVersion: '3' } };
  const policy = { apiVersion: 'networking.k8s.io/v1', kind: 'NetworkPolicy', metadata: { name: 'p', namespace: 'default' }, spec: { podSelector: {} } };
  const src = source([
    ['pods', withIp('a', 'n1', '10.42.0.5'), 1],
    ['pods', withIp('b', 'n2', '10.42.1.5'), 2],
    ['pods', pod('c', 'n2'), 3],
    ['namespaces', ns, 4],
    ['networkpolicies', policy, 5],
  ]);
  const n1 = computeView('n1', src);
  t.deepEqual([...n1.keys()].filter((k) => k.startsWith('peerpods/')).sort(), ['peerpods/default/a', 'peerpods/default/b']);
  t.like(n1.get('peerpods/default/b')!.object, { metadata: { name: 'b', namespace: 'default' }, status: { podIP: '10.42.1.5' } });
  t.deepEqual(n1.get('namespaces/default')!.object.metadata, { name: 'default', labels: { team: 'a' } });
  const n3 = computeView('n3', src);
  t.false([...n3.keys()].some((k) => k.startsWith('peerpods/')));
  t.true(n3.has('namespaces/default'));
});

const localVolume = (name: string, node: string, annotations: Record<string, string> = {}) => ({
  apiVersion: 'v1', kind: 'PersistentVolume', metadata: { name, annotations },
  spec: { capacity: { storage: '1Gi' }, csi: { driver: 'local.skerry.io', volumeHandle: name }, nodeAffinity: { required: { nodeSelectorTerms: [{ matchExpressions: [{ key: 'kubernetes.io/hostname', operator: 'In', values: [node] }] }] } } },
  status: { phase: 'Released' },
});

test('a node sees its local volumes without pods; their usage reports do not come back down', (t) => {
  const before = source([['persistentvolumes', localVolume('pvc-1', 'n1', { 'volume.skerry.io/state': 'Ready', 'volume.skerry.io/used-bytes': '10' }), 3], ['persistentvolumes', localVolume('pvc-2', 'n2'), 4]]);
  const after = source([['persistentvolumes', localVolume('pvc-1', 'n1', { 'volume.skerry.io/state': 'Ready', 'volume.skerry.io/used-bytes': '99' }), 7], ['persistentvolumes', localVolume('pvc-2', 'n2'), 4]]);
  t.deepEqual([...computeView('n1', before).keys()], ['persistentvolumes/pvc-1']);
  t.deepEqual([...computeView('n2', before).keys()], ['persistentvolumes/pvc-2']);
  t.deepEqual(diffViews(computeView('n1', before), computeView('n1', after)), []);
  t.deepEqual((computeView('n1', before).get('persistentvolumes/pvc-1')!.object as { metadata: { annotations: unknown } }).metadata.annotations, { 'volume.skerry.io/state': 'Ready' });
});
