import test from 'ava';
import { configMap, defaulted, fieldsOf, secret, stored, type Manifest } from './fixtures.test-helper.ts';
import { validateCreate, validateUpdate } from './index.ts';

test('the docs ConfigMap and Secret are valid', (t) => {
  t.deepEqual(validateCreate('ConfigMap', configMap()), []);
  t.deepEqual(validateCreate('Secret', secret()), []);
  t.is(defaulted('Secret', secret()).type, 'Opaque');
});

test('ConfigMap keys must be valid config keys', (t) => {
  const cm = configMap();
  cm.data = { 'ok.key': 'x', 'bad/key': 'y', '..up': 'z' };
  cm.binaryData = { 'ok.key': 'AAAA' };
  t.deepEqual(validateCreate('ConfigMap', cm), [
    { reason: 'FieldValueInvalid', field: 'data[ok.key]', message: 'Invalid value: "ok.key": duplicate of key present in binaryData' },
    {
      reason: 'FieldValueInvalid',
      field: 'data[bad/key]',
      message:
        "Invalid value: \"bad/key\": a valid config key must consist of alphanumeric characters, '-', '_' or '.' (e.g. 'key.name',  or 'KEY_NAME',  or 'key-name', regex used for validation is '[-._a-zA-Z0-9]+')",
    },
    { reason: 'FieldValueInvalid', field: 'data[..up]', message: 'Invalid value: "..up": must not start with \'..\'' },
  ]);
});

test('ConfigMaps and Secrets hold at most 1 MiB', (t) => {
  const cm = configMap();
  cm.data = { big: 'x'.repeat(1024 * 1024 + 1) };
  t.deepEqual(validateCreate('ConfigMap', cm), [{ reason: 'FieldValueTooLong', field: '', message: 'Too long: must have at most 1048576 bytes' }]);
  const s = secret();
  s.data = { big: Buffer.alloc(1024 * 1024 + 1).toString('base64') };
  t.deepEqual(validateCreate('Secret', s), [{ reason: 'FieldValueTooLong', field: 'data', message: 'Too long: must have at most 1048576 bytes' }]);
});

test('Secret data must be base64, and its contents never appear in messages', (t) => {
  const s = secret();
  s.data = { password: 'hunter2!', padded: 'YWJj\nZA==', short: 'abc' };
  t.deepEqual(validateCreate('Secret', s), [
    { reason: 'FieldValueInvalid', field: 'data[password]', message: 'Invalid value: "<secret contents redacted>": illegal base64 data at input byte 7' },
    { reason: 'FieldValueInvalid', field: 'data[short]', message: 'Invalid value: "<secret contents redacted>": illegal base64 data at input byte 3' },
  ]);
});

test('stringData is merged into data as base64', (t) => {
  const s = secret();
  s.stringData = { username: 'admin' };
  const d = defaulted('Secret', s);
  t.is(d.data.username, 'YWRtaW4=');
  t.is(d.stringData, undefined);
  t.deepEqual(validateCreate('Secret', s), []);
});

test('typed Secrets need their keys', (t) => {
  const tls = { apiVersion: 'v1', kind: 'Secret', metadata: { name: 'tls', namespace: 'default' }, type: 'kubernetes.io/tls', data: { 'tls.crt': 'AAAA' } } as Manifest;
  t.deepEqual(validateCreate('Secret', tls), [{ reason: 'FieldValueRequired', field: 'data[tls.key]', message: 'Required value' }]);
  const docker = { ...tls, type: 'kubernetes.io/dockerconfigjson', data: { '.dockerconfigjson': Buffer.from('{"auths":{}}').toString('base64') } } as Manifest;
  t.deepEqual(validateCreate('Secret', docker), []);
  docker.data['.dockerconfigjson'] = Buffer.from('not json').toString('base64');
  t.deepEqual(fieldsOf(validateCreate('Secret', docker)), ['data[.dockerconfigjson]']);
  const token = { ...tls, type: 'kubernetes.io/service-account-token', data: {} } as Manifest;
  t.deepEqual(fieldsOf(validateCreate('Secret', token)), ['metadata.annotations[kubernetes.io/service-account.name]']);
});

test('immutable ConfigMaps and Secrets keep their data; a Secret keeps its type', (t) => {
  const old = stored('ConfigMap', { ...configMap(), immutable: true } as Manifest);
  const edited = structuredClone(old);
  edited.data.player_initial_lives = '5';
  edited.immutable = false;
  t.deepEqual(validateUpdate('ConfigMap', edited, old), [
    { reason: 'FieldValueForbidden', field: 'immutable', message: 'Forbidden: field is immutable when `immutable` is set' },
    { reason: 'FieldValueForbidden', field: 'data', message: 'Forbidden: field is immutable when `immutable` is set' },
  ]);
  const oldSecret = stored('Secret', secret());
  const retyped = structuredClone(oldSecret);
  retyped.type = 'kubernetes.io/basic-auth';
  retyped.data = { username: 'YQ==' };
  t.deepEqual(validateUpdate('Secret', retyped, oldSecret), [
    { reason: 'FieldValueInvalid', field: 'type', message: 'Invalid value: "kubernetes.io/basic-auth": field is immutable' },
  ]);
  const mutable = structuredClone(oldSecret);
  mutable.data = { other: 'YQ==' };
  t.deepEqual(validateUpdate('Secret', mutable, oldSecret), []);
});

test('ServiceAccounts only need valid metadata', (t) => {
  const sa = { apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: 'build-robot', namespace: 'default' }, automountServiceAccountToken: false } as Manifest;
  t.deepEqual(validateCreate('ServiceAccount', sa), []);
  sa.automountServiceAccountToken = 'no';
  t.deepEqual(fieldsOf(validateCreate('ServiceAccount', sa)), ['automountServiceAccountToken']);
});
