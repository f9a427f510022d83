import test from 'ava';
import type { KubeObject } from '../objects/types.ts';
import { applyPatch, PatchError } from './index.ts';

const configMap = (): KubeObject => ({
  apiVersion: 'v1',
  kind: 'ConfigMap',
  metadata: { name: 'settings', namespace: 'default', labels: { app: 'web', tier: 'frontend' } },
  data: { mode: 'fast', level: '3' },
});

const deployment = (): KubeObject => ({
  apiVersion: 'apps/v1',
  kind: 'Deployment',
  metadata: { name: 'web', namespace: 'default' },
  spec: {
    replicas: 2,
    template: {
      spec: {
        containers: [
          { name: 'web', image: 'nginx:1.25' },
          { name: 'sidecar', image: 'busybox' },
        ],
      },
    },
  },
});

test('null deletes a key and nested objects merge key by key', (t) => {
  const patched = applyPatch('merge', configMap(), { metadata: { labels: { tier: null, release: 'canary' } }, data: { level: '4' } }, 'ConfigMap');
  t.deepEqual(patched.metadata.labels, { app: 'web', release: 'canary' });
  t.deepEqual(patched.data, { mode: 'fast', level: '4' });
  t.is(patched.metadata.name, 'settings');
});

test('lists are replaced whole, unlike a strategic merge patch', (t) => {
  // kubectl patch --type merge with one container: the Deployment is left with only that one.
  const patched = applyPatch('merge', deployment(), { spec: { template: { spec: { containers: [{ name: 'web', image: 'nginx:1.26' }] } } } }, 'Deployment');
  t.deepEqual((patched.spec as any).template.spec.containers, [{ name: 'web', image: 'nginx:1.26' }]);
  t.is((patched.spec as any).replicas, 2);
});

test('a new nested object is added without the nulls it carries (RFC 7386)', (t) => {
  const patched = applyPatch('merge', configMap(), { metadata: { annotations: { owner: 'team-a', stale: null } } }, 'ConfigMap');
  t.deepEqual(patched.metadata.annotations, { owner: 'team-a' });
});

test('a scalar can replace an object and an object a scalar', (t) => {
  const patched = applyPatch('merge', configMap(), { data: 'gone', metadata: { labels: { app: { nested: true } } } }, 'ConfigMap');
  t.is(patched.data, 'gone');
  t.deepEqual(patched.metadata.labels, { app: { nested: true }, tier: 'frontend' } as any);
});

test('a merge patch also serves kinds outside the catalog (custom resources)', (t) => {
  const widget: KubeObject = { apiVersion: 'example.com/v1', kind: 'Widget', metadata: { name: 'w' }, spec: { items: [1, 2] } };
  t.deepEqual(applyPatch('merge', widget, { spec: { items: [3] } }, 'Widget').spec, { items: [3] });
});

test('a merge patch that is not an object is a 400', (t) => {
  for (const body of [[{ op: 'add' }], 'text', 3, null, true]) {
    const error = t.throws(() => applyPatch('merge', configMap(), body, 'ConfigMap'), { instanceOf: PatchError });
    t.is(error.code, 400);
    t.regex(error.message, /merge patch must be a JSON object/);
  }
});
