import test from 'ava';
import type { KubeObject } from '../objects/types.ts';
import { applyPatch, PatchError } from './index.ts';

const deployment = (): KubeObject => ({
  apiVersion: 'apps/v1',
  kind: 'Deployment',
  metadata: { name: 'web', namespace: 'default', labels: { app: 'web' } },
  spec: {
    replicas: 2,
    template: {
      spec: {
        containers: [
          { name: 'web', image: 'nginx:1.25', args: ['--port', '80'] },
          { name: 'sidecar', image: 'busybox' },
        ],
      },
    },
  },
});

const json = (patch: unknown) => applyPatch('json', deployment(), patch, 'Deployment');
const spec = (o: KubeObject) => o.spec as any;

function failure(t: import('ava').ExecutionContext, patch: unknown, code: 400 | 422, message: RegExp | string): void {
  const error = t.throws(() => json(patch), { instanceOf: PatchError });
  t.is(error.code, code);
  if (typeof message === 'string') t.is(error.message, message);
  else t.regex(error.message, message);
}

test('add sets an object member, inserts into a list, and appends with "-"', (t) => {
  const patched = json([
    { op: 'add', path: '/metadata/labels/tier', value: 'frontend' },
    { op: 'add', path: '/spec/template/spec/containers/0/args/1', value: '--verbose' },
    { op: 'add', path: '/spec/template/spec/containers/-', value: { name: 'log', image: 'fluent-bit' } },
    { op: 'add', path: '/spec/paused', value: null },
  ]);
  t.deepEqual(patched.metadata.labels, { app: 'web', tier: 'frontend' });
  t.deepEqual(spec(patched).template.spec.containers[0].args, ['--port', '--verbose', '80']);
  t.deepEqual(spec(patched).template.spec.containers.map((c: any) => c.name), ['web', 'sidecar', 'log']);
  t.is(spec(patched).paused, null);
});

test('remove deletes an object member and a list element', (t) => {
  const patched = json([
    { op: 'remove', path: '/metadata/labels/app' },
    { op: 'remove', path: '/spec/template/spec/containers/1' },
  ]);
  t.deepEqual(patched.metadata.labels, {});
  t.deepEqual(spec(patched).template.spec.containers.map((c: any) => c.name), ['web']);
});

test('replace changes an existing value', (t) => {
  const patched = json([
    { op: 'replace', path: '/spec/replicas', value: 5 },
    { op: 'replace', path: '/spec/template/spec/containers/0/image', value: 'nginx:1.26' },
  ]);
  t.is(spec(patched).replicas, 5);
  t.is(spec(patched).template.spec.containers[0].image, 'nginx:1.26');
});

test('move and copy take the value at "from"', (t) => {
  const patched = json([
    { op: 'copy', from: '/metadata/labels', path: '/metadata/annotations' },
    { op: 'move', from: '/spec/template/spec/containers/1', path: '/spec/template/spec/containers/0' },
    { op: 'move', from: '/metadata/labels/app', path: '/metadata/labels/name' },
  ]);
  t.deepEqual(patched.metadata.annotations, { app: 'web' });
  t.deepEqual(patched.metadata.labels, { name: 'web' });
  t.deepEqual(spec(patched).template.spec.containers.map((c: any) => c.name), ['sidecar', 'web']);
});

test('a copy is independent of its source', (t) => {
  const patched = json([
    { op: 'copy', from: '/metadata/labels', path: '/metadata/annotations' },
    { op: 'add', path: '/metadata/annotations/extra', value: 'x' },
  ]);
  t.deepEqual(patched.metadata.labels, { app: 'web' });
  t.deepEqual(patched.metadata.annotations, { app: 'web', extra: 'x' });
});

test('a passing test lets the patch proceed (optimistic concurrency as kubectl scripts use it)', (t) => {
  const patched = json([
    { op: 'test', path: '/spec/replicas', value: 2 },
    { op: 'test', path: '/spec/template/spec/containers/0', value: { name: 'web', image: 'nginx:1.25', args: ['--port', '80'] } },
    { op: 'replace', path: '/spec/replicas', value: 3 },
  ]);
  t.is(spec(patched).replicas, 3);
});

test('a failed test fails the whole patch with 422, naming the operation', (t) => {
  failure(t, [{ op: 'replace', path: '/spec/replicas', value: 9 }, { op: 'test', path: '/spec/replicas', value: 2 }], 422, 'json patch operation 1 (test /spec/replicas): test failed: the value differs');
});

test('a path that does not exist is a 422 naming the operation and path', (t) => {
  failure(t, [{ op: 'test', path: '/spec/replicas', value: 2 }, { op: 'replace', path: '/spec/strategy/type', value: 'Recreate' }], 422, 'json patch operation 1 (replace /spec/strategy/type): path does not exist');
  failure(t, [{ op: 'remove', path: '/metadata/annotations' }], 422, 'json patch operation 0 (remove /metadata/annotations): path does not exist');
  failure(t, [{ op: 'add', path: '/spec/strategy/type', value: 'Recreate' }], 422, /operation 0 \(add \/spec\/strategy\/type\): path does not exist/);
  failure(t, [{ op: 'replace', path: '/spec/template/spec/containers/2/image', value: 'x' }], 422, /path does not exist/);
  failure(t, [{ op: 'add', path: '/spec/template/spec/containers/3', value: {} }], 422, /index 3 is out of range/);
  failure(t, [{ op: 'move', from: '/spec/missing', path: '/spec/other' }], 422, /"from" \/spec\/missing does not exist/);
});

test('inherited members are not part of the document', (t) => {
  failure(t, [{ op: 'remove', path: '/metadata/toString' }], 422, /path does not exist/);
  failure(t, [{ op: 'add', path: '/metadata/constructor/polluted', value: true }], 422, /path does not exist/);
  failure(t, [{ op: 'test', path: '/spec/template/spec/containers/length', value: 2 }], 422, /path does not exist/);
  t.is((Object as any).polluted, undefined);
});

test('operations of the wrong shape are refused', (t) => {
  failure(t, { op: 'add', path: '/x', value: 1 }, 400, 'a json patch must be a list of operations, got an object');
  failure(t, ['add'], 400, 'json patch operation 0 must be an object, got a string');
  failure(t, [{ op: 'frobnicate', path: '/spec' }], 422, /unknown "op"/);
  failure(t, [{ path: '/spec' }], 422, /missing "op"/);
  failure(t, [{ op: 'add', value: 1 }], 422, /missing "path"/);
  failure(t, [{ op: 'add', path: '/spec/x' }], 422, /missing "value"/);
  failure(t, [{ op: 'copy', path: '/spec/x' }], 422, /missing "from"/);
  failure(t, [{ op: 'add', path: 'spec/x', value: 1 }], 422, /not a JSON pointer/);
  failure(t, [{ op: 'add', path: '/spec/x~2', value: 1 }], 422, /not a JSON pointer/);
  failure(t, [{ op: 'move', from: '/spec', path: '/spec/template/inner' }], 422, /into itself/);
  failure(t, [{ op: 'remove', path: '' }], 422, /whole object/);
});

test('escaped pointer tokens address keys with "/" and "~"', (t) => {
  const patched = json([{ op: 'add', path: '/metadata/labels/app.kubernetes.io~1name', value: 'web' }, { op: 'add', path: '/metadata/labels/a~0b', value: 'c' }]);
  t.deepEqual(patched.metadata.labels, { app: 'web', 'app.kubernetes.io/name': 'web', 'a~b': 'c' });
});

test('the whole document can be replaced, and must stay an object', (t) => {
  const replaced = json([{ op: 'replace', path: '', value: { apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'web' } } }]);
  t.deepEqual(replaced, { apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'web' } });
  failure(t, [{ op: 'replace', path: '', value: [1] }], 422, /must be a JSON object/);
  failure(t, [{ op: 'replace', path: '/metadata', value: 'x' }], 422, /metadata of the patched object must be an object/);
});

test('removing apiVersion, kind or metadata leaves what decoding would infer', (t) => {
  const patched = json([{ op: 'remove', path: '/kind' }, { op: 'remove', path: '/metadata' }]);
  t.is(patched.kind, 'Deployment');
  t.deepEqual(patched.metadata, {});
});
