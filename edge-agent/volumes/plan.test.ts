import test from 'ava';
import { resolveClaim } from './claims.ts';
import { planVolumes, volumesInUse } from './plan.ts';

const affinity = (node: string) => ({ required: { nodeSelectorTerms: [{ matchExpressions: [{ key: 'kubernetes.io/hostname', operator: 'In', values: [node] }] }] } });
const pv = (name: string, node: string, extra: { capacity?: string; reclaim?: string; deleting?: boolean; annotations?: Record<string, string>; driver?: string } = {}) => ({
  metadata: { name, ...(extra.deleting && { deletionTimestamp: '2026-01-01T00:00:00Z' }), ...(extra.annotations && { annotations: extra.annotations }) },
  spec: { capacity: { storage: extra.capacity ?? '64Mi' }, persistentVolumeReclaimPolicy: extra.reclaim ?? 'Delete', csi: { driver: extra.driver ?? 'local.skerry.io', volumeHandle: name }, nodeAffinity: affinity(node) },
});
const claim = (name: string, volumeName?: string, deleting = false) => ({ metadata: { name, namespace: 'ns', ...(deleting && { deletionTimestamp: 'x' }) }, spec: { ...(volumeName && { volumeName }) } });
const view = (objects: Record<string, Record<string, unknown>>) => ({ get: (key: string) => objects[key] });
const MiB = 2 ** 20;

test('a bound claim resolves to its local volume on this node, with its capacity', (t) => {
  const v = view({ 'persistentvolumeclaims/ns/data': claim('data', 'pvc-1'), 'persistentvolumes/pvc-1': pv('pvc-1', 'n1', { annotations: { 'volume.skerry.io/state': 'Ready' } }) });
  t.deepEqual(resolveClaim(v, 'n1', 'ns', 'data'), { volume: 'pvc-1', capacityBytes: 64 * MiB, reportedBefore: true });
});

test('a claim that cannot be used here says why', (t) => {
  const v = view({
    'persistentvolumeclaims/ns/pending': claim('pending'),
    'persistentvolumeclaims/ns/gone': claim('gone', 'pvc-x'),
    'persistentvolumeclaims/ns/deleting': claim('deleting', 'pvc-1', true),
    'persistentvolumeclaims/ns/elsewhere': claim('elsewhere', 'pvc-2'),
    'persistentvolumeclaims/ns/foreign': claim('foreign', 'pvc-3'),
    'persistentvolumes/pvc-2': pv('pvc-2', 'n2'),
    'persistentvolumes/pvc-3': pv('pvc-3', 'n1', { driver: 'nfs.csi.k8s.io' }),
  });
  t.throws(() => resolveClaim(v, 'n1', 'ns', 'missing'), { message: 'persistentvolumeclaim "missing" not found' });
  t.throws(() => resolveClaim(v, 'n1', 'ns', 'pending'), { message: 'persistentvolumeclaim "pending" is not bound to a volume yet' });
  t.throws(() => resolveClaim(v, 'n1', 'ns', 'gone'), { message: /persistentvolume "pvc-x" of claim "gone" is not known on this node yet/ });
  t.throws(() => resolveClaim(v, 'n1', 'ns', 'deleting'), { message: /is being deleted/ });
  t.throws(() => resolveClaim(v, 'n1', 'ns', 'elsewhere'), { message: /lives on node "n2", not on "n1"/ });
  t.throws(() => resolveClaim(v, 'n1', 'ns', 'foreign'), { message: /not a skerry local volume/ });
});

test('a deleted volume goes only when no pod uses it; Retain keeps the data', (t) => {
  const local = new Map([['pvc-a', 64 * MiB], ['pvc-b', 64 * MiB], ['pvc-c', 64 * MiB]]);
  const volumes = [pv('pvc-a', 'n1', { deleting: true }), pv('pvc-b', 'n1', { deleting: true }), pv('pvc-c', 'n1', { deleting: true, reclaim: 'Retain' }), pv('pvc-d', 'n1', { deleting: true }), pv('pvc-e', 'n2', { deleting: true })];
  t.deepEqual(planVolumes({ node: 'n1', local, volumes, inUse: new Set(['pvc-b']), mounted: new Set() }), [
    { kind: 'remove', volume: 'pvc-a' },
    { kind: 'release', volume: 'pvc-c' },
    { kind: 'reportDeleted', volume: 'pvc-d' },
  ]);
});

test('a volume grows when its PersistentVolume grows, never shrinks', (t) => {
  const local = new Map([['pvc-a', 64 * MiB], ['pvc-b', 64 * MiB]]);
  const volumes = [pv('pvc-a', 'n1', { capacity: '128Mi' }), pv('pvc-b', 'n1', { capacity: '32Mi' })];
  t.deepEqual(planVolumes({ node: 'n1', local, volumes, inUse: new Set(), mounted: new Set() }), [{ kind: 'expand', volume: 'pvc-a', capacityBytes: 128 * MiB }]);
});

test('a mounted volume no pod uses is let go, so it can grow', (t) => {
  const local = new Map([['pvc-a', 64 * MiB], ['pvc-b', 64 * MiB]]);
  const volumes = [pv('pvc-a', 'n1', { capacity: '128Mi' }), pv('pvc-b', 'n1')];
  t.deepEqual(planVolumes({ node: 'n1', local, volumes, inUse: new Set(['pvc-b']), mounted: new Set(['pvc-a', 'pvc-b']) }), [
    { kind: 'unmount', volume: 'pvc-a' },
    { kind: 'expand', volume: 'pvc-a', capacityBytes: 128 * MiB },
  ]);
});

test('the volumes in use are those the node’s pods name through their claims', (t) => {
  const pods = [{ metadata: { namespace: 'ns' }, spec: { volumes: [{ persistentVolumeClaim: { claimName: 'data' } }, { emptyDir: {} }] } }];
  t.deepEqual([...volumesInUse(pods, (ns, c) => (ns === 'ns' && c === 'data' ? 'pvc-1' : undefined))], ['pvc-1']);
});
