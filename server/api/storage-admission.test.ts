import test from 'ava';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { openSqliteStore } from '../../storage/kv/index.ts';
import { kubernetesAdmission } from './admission.ts';
import { createCatalog } from './catalog/index.ts';
import { ApiError } from './errors.ts';
import { createObjectStore, type KubeObject, type ObjectStore } from './objects/index.ts';
import { ensureLocalPathClass, localPathClass } from './storage-classes.ts';

const catalog = createCatalog();
const Namespace = catalog.byResource('', 'v1', 'namespaces')!;
const Claim = catalog.byResource('', 'v1', 'persistentvolumeclaims')!;
const Volume = catalog.byResource('', 'v1', 'persistentvolumes')!;
const StorageClass = catalog.byResource('storage.k8s.io', 'v1', 'storageclasses')!;

async function store(t: { teardown(fn: () => void | Promise<void>): void }): Promise<ObjectStore> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'skerry-storage-admission-'));
  const kv = openSqliteStore({ file: path.join(dir, 'state.db') });
  t.teardown(async () => {
    await kv.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });
  const objects = createObjectStore({ kv, admission: kubernetesAdmission, namespaceType: Namespace });
  await objects.create(Namespace, undefined, { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'default' } });
  return objects;
}

const claim = (name: string, spec: Record<string, unknown> = {}): KubeObject => ({
  apiVersion: 'v1',
  kind: 'PersistentVolumeClaim',
  metadata: { name },
  spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '1Gi' } }, ...spec },
});
const classOf = (object: KubeObject) => (object.spec as { storageClassName?: string }).storageClassName;

test('the local-path class is made at start when absent, as the default, and never changed afterwards', async (t) => {
  const objects = await store(t);
  await ensureLocalPathClass(objects, StorageClass);
  const made = await objects.get(StorageClass, undefined, 'local-path');
  t.like(made, { provisioner: 'skerry.io/local-path', reclaimPolicy: 'Delete', volumeBindingMode: 'WaitForFirstConsumer', allowVolumeExpansion: true });
  t.is(made.metadata.annotations?.['storageclass.kubernetes.io/is-default-class'], 'true');
  await objects.mutate(StorageClass, undefined, 'local-path', (c) => ({ ...c, metadata: { ...c.metadata, annotations: {} }, allowVolumeExpansion: false }));
  await ensureLocalPathClass(objects, StorageClass);
  const edited = await objects.get(StorageClass, undefined, 'local-path');
  t.deepEqual([edited.metadata.annotations, edited.allowVolumeExpansion], [{}, false], 'a user’s edit stays');
});

test('after a user made another class the default and deleted local-path, it comes back but not as the default', async (t) => {
  const objects = await store(t);
  await objects.create(StorageClass, undefined, { ...localPathClass(true), metadata: { name: 'fast', annotations: { 'storageclass.kubernetes.io/is-default-class': 'true' } } });
  await ensureLocalPathClass(objects, StorageClass);
  t.is((await objects.get(StorageClass, undefined, 'local-path')).metadata.annotations, undefined);
  t.is(classOf(await objects.create(Claim, 'default', claim('data'))), 'fast');
});

test('DefaultStorageClass: a claim without storageClassName gets the default; "" and a named class stay', async (t) => {
  const objects = await store(t);
  t.is(classOf(await objects.create(Claim, 'default', claim('before'))), undefined, 'no default class, no class');
  await ensureLocalPathClass(objects, StorageClass);
  t.is(classOf(await objects.create(Claim, 'default', claim('data'))), 'local-path');
  t.is(classOf(await objects.create(Claim, 'default', claim('none', { storageClassName: '' }))), '');
  t.is(classOf(await objects.create(Claim, 'default', claim('named', { storageClassName: 'fast' }))), 'fast');
});

test('claims get pvc-protection and volumes pv-protection when created, and keep them off once removed', async (t) => {
  const objects = await store(t);
  const created = await objects.create(Claim, 'default', claim('data'));
  t.deepEqual(created.metadata.finalizers, ['kubernetes.io/pvc-protection']);
  const pv = await objects.create(Volume, undefined, {
    apiVersion: 'v1', kind: 'PersistentVolume', metadata: { name: 'pv-1' }, spec: { capacity: { storage: '1Gi' }, accessModes: ['ReadWriteOnce'], hostPath: { path: '/data' } },
  });
  t.deepEqual(pv.metadata.finalizers, ['kubernetes.io/pv-protection']);
  const released = await objects.mutate(Claim, 'default', 'data', (c) => ({ ...c, metadata: { ...c.metadata, finalizers: [] } }));
  t.deepEqual(released.metadata.finalizers ?? [], [], 'only creates are given the finalizer');
});

async function boundClaim(objects: ObjectStore, className: string): Promise<void> {
  await objects.create(Claim, 'default', claim('data', { storageClassName: className }));
  await objects.mutate(Claim, 'default', 'data', (c) => ({ ...c, spec: { ...(c.spec as object), volumeName: 'pvc-1' } }));
  await objects.mutate(Claim, 'default', 'data', (c) => ({ ...c, status: { phase: 'Bound', capacity: { storage: '1Gi' } } }), { subresource: 'status' });
}

const resize = (objects: ObjectStore, storage: string) =>
  objects.mutate(Claim, 'default', 'data', (c) => ({ ...c, spec: { ...(c.spec as object), resources: { requests: { storage } } } }));

test('a bound claim grows only when its class allows volume expansion, and never shrinks', async (t) => {
  const objects = await store(t);
  await ensureLocalPathClass(objects, StorageClass);
  await boundClaim(objects, 'local-path');
  t.like((await resize(objects, '2Gi')).spec, { resources: { requests: { storage: '2Gi' } } });
  const shrink = await t.throwsAsync(resize(objects, '1Gi'), { instanceOf: ApiError });
  t.is(shrink?.code, 422);
  t.regex(shrink!.message, /spec\.resources\.requests\.storage: Forbidden: field can not be less than previous value/);
  await objects.mutate(StorageClass, undefined, 'local-path', (c) => ({ ...c, allowVolumeExpansion: false }));
  const refused = await t.throwsAsync(resize(objects, '3Gi'), { instanceOf: ApiError });
  t.is(refused?.code, 403);
  t.is(refused?.message, 'persistentvolumeclaims "data" is forbidden: only dynamically provisioned pvc can be resized and the storageclass that provisions the pvc must support resize');
});

test('a claim of a class that does not exist cannot grow', async (t) => {
  const objects = await store(t);
  await boundClaim(objects, 'gone');
  await t.throwsAsync(resize(objects, '2Gi'), { instanceOf: ApiError, message: /must support resize/ });
});

test('invalid storage sizes are refused by validation, naming the field', async (t) => {
  const objects = await store(t);
  for (const storage of ['0', '-1Gi', 'lots']) {
    const error = await t.throwsAsync(objects.create(Claim, 'default', claim(`bad-${storage.length}`, { resources: { requests: { storage } } })), { instanceOf: ApiError });
    t.is(error?.code, 422, storage);
    t.regex(error!.message, /spec\.resources(\.requests)?\[storage\]/, storage);
  }
});
