import test from 'ava';
import { wantsTable } from './accept.ts';

// What `kubectl get` sends for human-readable output, 1.20 through 1.30 (strings.Join with ",").
const KUBECTL = 'application/json;as=Table;v=v1;g=meta.k8s.io,application/json;as=Table;v=v1beta1;g=meta.k8s.io,application/json';
// kubectl 1.11-1.14 knew only the v1beta1 Table.
const KUBECTL_1_11 = 'application/json;as=Table;v=v1beta1;g=meta.k8s.io, application/json';

test('kubectl 1.20 and 1.30 get a v1 Table', (t) => {
  t.deepEqual(wantsTable(KUBECTL), { version: 'v1' });
  t.deepEqual(wantsTable(KUBECTL.replaceAll(',', ', ')), { version: 'v1' });
});

test('an older kubectl that asks for v1beta1 only gets a v1beta1 Table', (t) => {
  t.deepEqual(wantsTable(KUBECTL_1_11), { version: 'v1beta1' });
});

test('plain JSON, a missing header and wildcards mean objects, not a Table', (t) => {
  t.is(wantsTable(undefined), undefined);
  t.is(wantsTable(''), undefined);
  t.is(wantsTable('application/json'), undefined);
  t.is(wantsTable('*/*'), undefined);
  t.is(wantsTable('application/yaml'), undefined);
});

test('the first acceptable entry wins: plain JSON ahead of a Table entry means no Table', (t) => {
  t.is(wantsTable('application/json, application/json;as=Table;v=v1;g=meta.k8s.io'), undefined);
});

test('quality values reorder entries and q=0 rules an entry out', (t) => {
  t.deepEqual(wantsTable('application/json;q=0.5, application/json;as=Table;v=v1;g=meta.k8s.io'), { version: 'v1' });
  t.is(wantsTable('application/json;as=Table;v=v1;g=meta.k8s.io;q=0, application/json'), undefined);
});

test('Table entries this server cannot serve are passed over for the next one', (t) => {
  t.deepEqual(wantsTable('application/vnd.kubernetes.protobuf;as=Table;v=v1;g=meta.k8s.io,application/json;as=Table;v=v1;g=meta.k8s.io'), { version: 'v1' });
  t.is(wantsTable('application/json;as=Table;v=v2;g=meta.k8s.io, application/json'), undefined);
  t.is(wantsTable('application/json;as=Table;v=v1;g=example.com, application/json'), undefined);
  t.is(wantsTable('application/json;as=Table;g=meta.k8s.io, application/json'), undefined);
  t.is(wantsTable('application/json;as=PartialObjectMetadataList;v=v1;g=meta.k8s.io,application/json'), undefined);
});

test('parameters may be spaced and quoted', (t) => {
  t.deepEqual(wantsTable('application/json; as=Table; v="v1"; g=meta.k8s.io'), { version: 'v1' });
});
