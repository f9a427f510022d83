import test from 'ava';
import { at, configMap, deployment, fieldsOf, service, stored, type Manifest } from './fixtures.test-helper.ts';
import { validateCreate, validateUpdate } from './index.ts';

const SUBDOMAIN_MSG =
  "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')";

test('names are DNS subdomains for most kinds, with the exact Kubernetes message', (t) => {
  const cm = configMap();
  cm.metadata.name = 'Game_Demo';
  t.deepEqual(validateCreate('ConfigMap', cm), [{ reason: 'FieldValueInvalid', field: 'metadata.name', message: `Invalid value: "Game_Demo": ${SUBDOMAIN_MSG}` }]);
  cm.metadata.name = 'game.demo';
  t.deepEqual(validateCreate('ConfigMap', cm), []);
});

test('Namespaces need DNS labels and Services DNS-1035 labels', (t) => {
  const ns = { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'team.a' } } as Manifest;
  t.deepEqual(at(validateCreate('Namespace', ns), 'metadata.name')[0]?.message, 'Invalid value: "team.a": must not contain dots');
  const svc = service();
  svc.metadata.name = '1-service';
  t.regex(at(validateCreate('Service', svc), 'metadata.name')[0]?.message ?? '', /a DNS-1035 label must consist/);
});

test('a missing name is required; a generateName prefix may end with a dash', (t) => {
  const cm = configMap();
  delete cm.metadata.name;
  t.deepEqual(validateCreate('ConfigMap', cm), [{ reason: 'FieldValueRequired', field: 'metadata.name', message: 'Required value: name or generateName is required' }]);
  cm.metadata.name = 'game-demo-x7k2p';
  cm.metadata.generateName = 'game-demo-';
  t.deepEqual(validateCreate('ConfigMap', cm), []);
});

test('namespace is required for namespaced kinds and forbidden for cluster-scoped ones', (t) => {
  const cm = configMap();
  delete cm.metadata.namespace;
  t.deepEqual(validateCreate('ConfigMap', cm), [{ reason: 'FieldValueRequired', field: 'metadata.namespace', message: 'Required value' }]);
  const ns = { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'team-a', namespace: 'default' } } as Manifest;
  t.deepEqual(at(validateCreate('Namespace', ns), 'metadata.namespace'), [
    { reason: 'FieldValueForbidden', field: 'metadata.namespace', message: 'Forbidden: not allowed on this type' },
  ]);
});

test('label keys and values are checked', (t) => {
  const cm = configMap();
  cm.metadata.labels = { 'app.kubernetes.io/name': 'demo', 'bad key': 'x', tier: 'front end', empty: '' };
  const causes = validateCreate('ConfigMap', cm);
  t.deepEqual(fieldsOf(causes), ['metadata.labels', 'metadata.labels']);
  t.true(causes[0]!.message.startsWith('Invalid value: "bad key": name part must consist of alphanumeric characters'));
  t.true(causes[1]!.message.startsWith('Invalid value: "front end": a valid label must be an empty string'));
});

test('annotations may hold at most 256 KiB in total', (t) => {
  const cm = configMap();
  cm.metadata.annotations = { 'example.com/Big': 'x'.repeat(256 * 1024 - 15) };
  t.deepEqual(validateCreate('ConfigMap', cm), []);
  cm.metadata.annotations = { 'example.com/Big': 'x'.repeat(256 * 1024) };
  t.deepEqual(validateCreate('ConfigMap', cm), [{ reason: 'FieldValueTooLong', field: 'metadata.annotations', message: 'Too long: must have at most 262144 bytes' }]);
});

test('finalizers and owner references are checked', (t) => {
  const cm = configMap();
  cm.metadata.finalizers = ['example.com/cleanup', 'kubernetes', 'custom'];
  cm.metadata.ownerReferences = [{ apiVersion: 'apps/v1', kind: 'Deployment', name: 'web', uid: '' }];
  const causes = validateCreate('ConfigMap', cm);
  t.deepEqual(fieldsOf(causes), ['metadata.ownerReferences.uid', 'metadata.finalizers[2]']);
  t.is(causes[1]!.message, 'Invalid value: "custom": name is neither a standard finalizer name nor is it fully qualified');
});

test('name, namespace, uid and creation time cannot change on update', (t) => {
  const old = stored('Deployment', deployment());
  const next = structuredClone(old);
  next.metadata.name = 'renamed';
  next.metadata.uid = 'other';
  const causes = validateUpdate('Deployment', next, old);
  t.deepEqual(at(causes, 'metadata.name'), [{ reason: 'FieldValueInvalid', field: 'metadata.name', message: 'Invalid value: "renamed": field is immutable' }]);
  t.is(at(causes, 'metadata.uid').length, 1);
});

test('an object being deleted accepts no new finalizers', (t) => {
  const old = stored('ConfigMap', configMap());
  old.metadata.deletionTimestamp = '2024-01-02T00:00:00Z';
  old.metadata.finalizers = ['example.com/a'];
  const next = structuredClone(old);
  next.metadata.finalizers = ['example.com/a', 'example.com/b'];
  t.deepEqual(validateUpdate('ConfigMap', next, old), [
    {
      reason: 'FieldValueForbidden',
      field: 'metadata.finalizers',
      message: 'Forbidden: no new finalizers can be added if the object is being deleted, found new finalizers []string{"example.com/b"}',
    },
  ]);
});
