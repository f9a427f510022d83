import test from 'ava';
import { at, defaulted, fieldsOf, pv, pvc, stored, type Manifest } from './fixtures.test-helper.ts';
import { validateCreate, validateUpdate } from './index.ts';

test('the docs PersistentVolumeClaim is valid and defaulted', (t) => {
  t.deepEqual(validateCreate('PersistentVolumeClaim', pvc()), []);
  const claim = pvc();
  delete claim.spec.volumeMode;
  const d = defaulted('PersistentVolumeClaim', claim);
  t.is(d.spec.volumeMode, 'Filesystem');
  t.deepEqual(d.status, { phase: 'Pending' });
});

test('claims need access modes and a positive storage request', (t) => {
  const claim = pvc();
  claim.spec.accessModes = [];
  claim.spec.resources = { requests: {} };
  t.deepEqual(validateCreate('PersistentVolumeClaim', claim), [
    { reason: 'FieldValueRequired', field: 'spec.accessModes', message: 'Required value: at least 1 access mode is required' },
    { reason: 'FieldValueRequired', field: 'spec.resources[storage]', message: 'Required value' },
  ]);
  claim.spec.accessModes = ['ReadWriteOncePod', 'ReadWriteOnce', 'WriteMany'];
  claim.spec.resources.requests.storage = '0';
  t.deepEqual(validateCreate('PersistentVolumeClaim', claim), [
    {
      reason: 'FieldValueNotSupported',
      field: 'spec.accessModes',
      message: 'Unsupported value: "WriteMany": supported values: "ReadOnlyMany", "ReadWriteMany", "ReadWriteOnce", "ReadWriteOncePod"',
    },
    { reason: 'FieldValueForbidden', field: 'spec.accessModes', message: 'Forbidden: may not use ReadWriteOncePod with other access modes' },
    { reason: 'FieldValueInvalid', field: 'spec.resources[storage]', message: 'Invalid value: "0": must be greater than zero' },
  ]);
  claim.spec.accessModes = ['ReadWriteOnce'];
  claim.spec.resources.requests.storage = '8 GB';
  t.deepEqual(fieldsOf(validateCreate('PersistentVolumeClaim', claim)), ['spec.resources.requests[storage]'], 'an unparsable size is not also "missing"');
});

test('a bound claim may grow its request but not shrink it or change anything else', (t) => {
  const old = stored('PersistentVolumeClaim', pvc());
  old.spec.volumeName = 'pvc-123';
  old.status = { phase: 'Bound', capacity: { storage: '8Gi' } };
  const grown = structuredClone(old);
  grown.spec.resources.requests.storage = '16Gi';
  t.deepEqual(validateUpdate('PersistentVolumeClaim', grown, old), []);
  const shrunk = structuredClone(old);
  shrunk.spec.resources.requests.storage = '4Gi';
  t.deepEqual(validateUpdate('PersistentVolumeClaim', shrunk, old), [
    { reason: 'FieldValueForbidden', field: 'spec.resources.requests.storage', message: 'Forbidden: field can not be less than previous value' },
  ]);
  const reclassed = structuredClone(old);
  reclassed.spec.storageClassName = 'fast';
  const causes = validateUpdate('PersistentVolumeClaim', reclassed, old);
  t.deepEqual(fieldsOf(causes), ['spec']);
  t.true(causes[0]!.message.startsWith('Forbidden: spec is immutable after creation except resources.requests and volumeAttributesClassName for bound claims\n'));
  t.true(causes[0]!.message.includes('spec.storageClassName: "slow" -> "fast"'));
});

test('the binder may fill volumeName once', (t) => {
  const old = stored('PersistentVolumeClaim', pvc());
  const bound = structuredClone(old);
  bound.spec.volumeName = 'pvc-0a1b';
  t.deepEqual(validateUpdate('PersistentVolumeClaim', bound, old), []);
  const rebound = structuredClone(bound);
  rebound.spec.volumeName = 'pvc-ffff';
  t.deepEqual(fieldsOf(validateUpdate('PersistentVolumeClaim', rebound, bound)), ['spec']);
});

test('the docs PersistentVolume is valid and defaulted', (t) => {
  t.deepEqual(validateCreate('PersistentVolume', pv()), []);
  const volume = pv();
  delete volume.spec.persistentVolumeReclaimPolicy;
  t.like(defaulted('PersistentVolume', volume), { spec: { persistentVolumeReclaimPolicy: 'Retain', volumeMode: 'Filesystem' }, status: { phase: 'Pending' } });
});

test('PersistentVolumes need capacity, access modes and exactly one source', (t) => {
  const volume = pv();
  volume.metadata.namespace = 'default';
  volume.spec.capacity = { storage: '5Gi', cpu: '1' };
  volume.spec.hostPath = { path: '/data' };
  volume.spec.persistentVolumeReclaimPolicy = 'Archive';
  const causes = validateCreate('PersistentVolume', volume);
  t.deepEqual(fieldsOf(causes), ['metadata.namespace', 'spec.capacity', 'spec.persistentVolumeReclaimPolicy', 'spec.nfs']);
  t.is(at(causes, 'spec.nfs')[0]?.message, 'Forbidden: may not specify more than 1 volume type');
  const local = { apiVersion: 'v1', kind: 'PersistentVolume', metadata: { name: 'local-pv' }, spec: { capacity: { storage: '1Gi' }, accessModes: ['ReadWriteOnce'], local: { path: '/mnt/disk' } } } as Manifest;
  t.deepEqual(validateCreate('PersistentVolume', local), [{ reason: 'FieldValueRequired', field: 'spec.nodeAffinity', message: 'Required value: Local volume requires node affinity' }]);
});

test('a PersistentVolume source is immutable', (t) => {
  const old = stored('PersistentVolume', pv());
  const resized = structuredClone(old);
  resized.spec.capacity.storage = '10Gi';
  t.deepEqual(validateUpdate('PersistentVolume', resized, old), []);
  const moved = structuredClone(old);
  moved.spec.nfs.path = '/export';
  const causes = validateUpdate('PersistentVolume', moved, old);
  t.deepEqual(fieldsOf(causes), ['spec.persistentvolumesource']);
  t.true(causes[0]!.message.startsWith('Forbidden: spec.persistentvolumesource is immutable after creation\n'));
});

const storageClass = (): Manifest =>
  ({
    apiVersion: 'storage.k8s.io/v1',
    kind: 'StorageClass',
    metadata: { name: 'local-path' },
    provisioner: 'rancher.io/local-path',
    volumeBindingMode: 'WaitForFirstConsumer',
  }) as Manifest;

test('StorageClasses need a provisioner and get defaults', (t) => {
  t.deepEqual(validateCreate('StorageClass', storageClass()), []);
  t.like(defaulted('StorageClass', { ...storageClass(), volumeBindingMode: undefined }), { reclaimPolicy: 'Delete', volumeBindingMode: 'Immediate' });
  const bad = storageClass();
  delete bad.provisioner;
  bad.reclaimPolicy = 'Recycle';
  bad.volumeBindingMode = 'Lazy';
  t.deepEqual(validateCreate('StorageClass', bad), [
    { reason: 'FieldValueRequired', field: 'provisioner', message: 'Required value' },
    { reason: 'FieldValueNotSupported', field: 'reclaimPolicy', message: 'Unsupported value: "Recycle": supported values: "Delete", "Retain"' },
    { reason: 'FieldValueNotSupported', field: 'volumeBindingMode', message: 'Unsupported value: "Lazy": supported values: "Immediate", "WaitForFirstConsumer"' },
  ]);
});

test('StorageClass provisioner, parameters, reclaim policy and binding mode are immutable', (t) => {
  const old = stored('StorageClass', storageClass());
  const next = structuredClone(old);
  next.provisioner = 'example.com/other';
  next.parameters = { type: 'ssd' };
  next.reclaimPolicy = 'Retain';
  next.volumeBindingMode = 'Immediate';
  next.allowVolumeExpansion = true;
  t.deepEqual(validateUpdate('StorageClass', next, old), [
    { reason: 'FieldValueForbidden', field: 'parameters', message: 'Forbidden: updates to parameters are forbidden.' },
    { reason: 'FieldValueForbidden', field: 'provisioner', message: 'Forbidden: updates to provisioner are forbidden.' },
    { reason: 'FieldValueForbidden', field: 'reclaimPolicy', message: 'Forbidden: updates to reclaimPolicy are forbidden.' },
    { reason: 'FieldValueInvalid', field: 'volumeBindingMode', message: 'Invalid value: "Immediate": field is immutable' },
  ]);
});
