import test from 'ava';
import { SECOND, ago, headers, object, row } from './fixtures.ts';

test('kubectl shows the 1.30 volume columns, VOLUMEATTRIBUTESCLASS included', (t) => {
  t.deepEqual(headers('PersistentVolume'), {
    normal: ['NAME', 'CAPACITY', 'ACCESS MODES', 'RECLAIM POLICY', 'STATUS', 'CLAIM', 'STORAGECLASS', 'VOLUMEATTRIBUTESCLASS', 'REASON', 'AGE'],
    wide: ['VOLUMEMODE'],
  });
  t.deepEqual(headers('PersistentVolumeClaim'), {
    normal: ['NAME', 'STATUS', 'VOLUME', 'CAPACITY', 'ACCESS MODES', 'STORAGECLASS', 'VOLUMEATTRIBUTESCLASS', 'AGE'],
    wide: ['VOLUMEMODE'],
  });
  t.deepEqual(headers('StorageClass').normal, ['NAME', 'PROVISIONER', 'RECLAIMPOLICY', 'VOLUMEBINDINGMODE', 'ALLOWVOLUMEEXPANSION', 'AGE']);
});

const boundPV = {
  spec: {
    capacity: { storage: '10Gi' },
    accessModes: ['ReadWriteOnce'],
    persistentVolumeReclaimPolicy: 'Delete',
    claimRef: { kind: 'PersistentVolumeClaim', namespace: 'default', name: 'data-db-0' },
    storageClassName: 'local-path',
    volumeMode: 'Filesystem',
    hostPath: { path: '/var/lib/skerry/storage/pvc-1' },
  },
  status: { phase: 'Bound' },
};

test('a bound volume shows its claim and class', (t) => {
  t.deepEqual(row('PersistentVolume', object('v1', 'PersistentVolume', 'pvc-1', boundPV, { namespace: undefined })), {
    NAME: 'pvc-1',
    CAPACITY: '10Gi',
    'ACCESS MODES': 'RWO',
    'RECLAIM POLICY': 'Delete',
    STATUS: 'Bound',
    CLAIM: 'default/data-db-0',
    STORAGECLASS: 'local-path',
    VOLUMEATTRIBUTESCLASS: '<unset>',
    REASON: '',
    AGE: '3d',
    VOLUMEMODE: 'Filesystem',
  });
});

test('a volume being deleted is Terminating; an unclaimed one has an empty claim', (t) => {
  const pv = object('v1', 'PersistentVolume', 'pv-2', { spec: { ...boundPV.spec, claimRef: undefined, volumeMode: undefined }, status: { phase: 'Available' } }, { deletionTimestamp: ago(SECOND) });
  t.like(row('PersistentVolume', pv), { STATUS: 'Terminating', CLAIM: '', VOLUMEMODE: '<unset>' });
});

test('access modes abbreviate in a fixed order, once each', (t) => {
  const pv = object('v1', 'PersistentVolume', 'shared', { spec: { accessModes: ['ReadWriteOncePod', 'ReadWriteMany', 'ReadWriteOnce', 'ReadOnlyMany', 'ReadWriteOnce'] } });
  t.like(row('PersistentVolume', pv), { 'ACCESS MODES': 'RWO,ROX,RWX,RWOP', CAPACITY: '0' });
});

test('a pending claim leaves capacity and access modes blank until bound', (t) => {
  const pending = object('v1', 'PersistentVolumeClaim', 'data-db-0', {
    spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '5Gi' } }, storageClassName: 'local-path' },
    status: { phase: 'Pending' },
  });
  t.deepEqual(row('PersistentVolumeClaim', pending), {
    NAME: 'data-db-0',
    STATUS: 'Pending',
    VOLUME: '',
    CAPACITY: '',
    'ACCESS MODES': '',
    STORAGECLASS: 'local-path',
    VOLUMEATTRIBUTESCLASS: '<unset>',
    AGE: '3d',
    VOLUMEMODE: '<unset>',
  });
});

test('a bound claim shows the volume\'s capacity and modes; the beta class annotation wins', (t) => {
  const bound = object(
    'v1',
    'PersistentVolumeClaim',
    'data-db-0',
    {
      spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '5Gi' } }, storageClassName: 'local-path', volumeName: 'pvc-1', volumeMode: 'Filesystem' },
      status: { phase: 'Bound', capacity: { storage: '10Gi' }, accessModes: ['ReadWriteOnce'] },
    },
    { annotations: { 'volume.beta.kubernetes.io/storage-class': 'legacy' } },
  );
  t.like(row('PersistentVolumeClaim', bound), { STATUS: 'Bound', VOLUME: 'pvc-1', CAPACITY: '10Gi', 'ACCESS MODES': 'RWO', STORAGECLASS: 'legacy', VOLUMEMODE: 'Filesystem' });
});

test('a storage class marks the default and fills in default policies', (t) => {
  const sc = object(
    'storage.k8s.io/v1',
    'StorageClass',
    'local-path',
    { provisioner: 'rancher.io/local-path', volumeBindingMode: 'WaitForFirstConsumer' },
    { namespace: undefined, annotations: { 'storageclass.kubernetes.io/is-default-class': 'true' } },
  );
  t.deepEqual(row('StorageClass', sc), {
    NAME: 'local-path (default)',
    PROVISIONER: 'rancher.io/local-path',
    RECLAIMPOLICY: 'Delete',
    VOLUMEBINDINGMODE: 'WaitForFirstConsumer',
    ALLOWVOLUMEEXPANSION: false,
    AGE: '3d',
  });
  const plain = object('storage.k8s.io/v1', 'StorageClass', 'fast', { provisioner: 'skerry.io/lvm', reclaimPolicy: 'Retain', allowVolumeExpansion: true });
  t.like(row('StorageClass', plain), { NAME: 'fast', RECLAIMPOLICY: 'Retain', VOLUMEBINDINGMODE: 'Immediate', ALLOWVOLUMEEXPANSION: true });
});
