import test from 'ava';
import type { KubeObject } from '../objects/types.ts';
import { at, configMap, daemonSet, deployment, job, networkPolicy, pod, pv, pvc, secret, service, statefulSet, type Manifest } from './fixtures.test-helper.ts';
import { applyDefaults, validateCreate, validateUpdate } from './index.ts';

test('wrong JSON types are FieldValueTypeInvalid causes, reported once', (t) => {
  const d = deployment();
  d.spec.replicas = '3';
  d.spec.template.spec.containers = { name: 'nginx' };
  (d.metadata as Record<string, unknown>).labels = ['app'];
  const causes = validateCreate('Deployment', d);
  t.deepEqual(at(causes, 'spec.replicas'), [
    { reason: 'FieldValueTypeInvalid', field: 'spec.replicas', message: 'Invalid value: "string": spec.replicas in body must be of type integer: "string"' },
  ]);
  t.deepEqual(at(causes, 'spec.template.spec.containers'), [
    {
      reason: 'FieldValueTypeInvalid',
      field: 'spec.template.spec.containers',
      message: 'Invalid value: "object": spec.template.spec.containers in body must be of type array: "object"',
    },
  ]);
  t.is(at(causes, 'metadata.labels')[0]?.reason, 'FieldValueTypeInvalid');
});

test('type errors deep inside lists name the element', (t) => {
  const p = pod();
  p.spec.containers[0].ports = [{ containerPort: '80' }, 443, { containerPort: 8.5 }];
  p.spec.containers[0].image = true;
  (p.metadata as Record<string, unknown>).labels = { app: 7 };
  const causes = validateCreate('Pod', p);
  const typeErrors = causes.filter((c) => c.reason === 'FieldValueTypeInvalid').map((c) => c.field);
  t.deepEqual(typeErrors, [
    'metadata.labels[app]',
    'spec.containers[0].image',
    'spec.containers[0].ports[0].containerPort',
    'spec.containers[0].ports[1]',
    'spec.containers[0].ports[2].containerPort',
  ]);
  t.false(causes.some((c) => c.field === 'spec.containers[0].image' && c.reason === 'FieldValueRequired'), 'a wrongly typed field is not also missing');
});

test('integers beyond the Go type are type errors too', (t) => {
  const d = deployment();
  d.spec.replicas = 2 ** 40;
  t.deepEqual(at(validateCreate('Deployment', d), 'spec.replicas'), [
    { reason: 'FieldValueTypeInvalid', field: 'spec.replicas', message: 'Invalid value: "integer": spec.replicas in body must be of type int32: "integer"' },
  ]);
});

test('non-objects and missing pieces never throw', (t) => {
  for (const value of [null, undefined, 7, 'pod', [], [[[]]], true]) {
    const object = value as unknown as KubeObject;
    const causes = validateCreate('Pod', object);
    t.deepEqual(causes.map((c) => [c.reason, c.field]), [['FieldValueTypeInvalid', '']]);
    t.notThrows(() => applyDefaults('Pod', object));
    t.notThrows(() => validateUpdate('Pod', object, object));
  }
  t.deepEqual(validateCreate('Pod', null as unknown as KubeObject)[0]?.message, 'Invalid value: "null": body must be of type object: "null"');
  const bare = { apiVersion: 'v1', kind: 'Pod', metadata: null, spec: null } as unknown as KubeObject;
  t.deepEqual(
    validateCreate('Pod', bare).map((c) => c.field),
    ['metadata.name', 'spec.containers'],
  );
});

test('applyDefaults returns a copy and leaves its input alone', (t) => {
  const input = deployment();
  const before = JSON.stringify(input);
  const out = applyDefaults('Deployment', input);
  t.is(JSON.stringify(input), before);
  t.not(out, input);
  t.deepEqual(applyDefaults('Deployment', out), out, 'defaulting is idempotent');
});

// A small deterministic generator, so failures reproduce.
function random(seed: number): () => number {
  let state = seed;
  return () => {
    state = (state * 1103515245 + 12345) % 2147483648;
    return state / 2147483648;
  };
}

const KINDS = [
  'Namespace', 'Node', 'Pod', 'Service', 'Endpoints', 'ConfigMap', 'Secret', 'ServiceAccount', 'PersistentVolume',
  'PersistentVolumeClaim', 'Event', 'Deployment', 'ReplicaSet', 'DaemonSet', 'StatefulSet', 'ControllerRevision', 'Job',
  'NetworkPolicy', 'StorageClass', 'Lease', 'Role', 'RoleBinding', 'ClusterRole', 'ClusterRoleBinding',
];
const SCALARS = [null, 0, -1, 1.5, 2 ** 53, 70000, '', 'x', 'None', 'Always', '100m', '-1Gi', 'a/b/c', '..', true, false, [], {}, [[]], { '': '' }];

function mutate(value: unknown, rnd: () => number, depth = 0): unknown {
  const pick = <T>(list: readonly T[]): T => list[Math.floor(rnd() * list.length)]!;
  if (rnd() < 0.08 || depth > 8) return pick(SCALARS);
  if (Array.isArray(value)) return rnd() < 0.1 ? [...value, pick(SCALARS)] : value.map((v) => mutate(v, rnd, depth + 1));
  if (value && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) if (rnd() > 0.05) out[k] = mutate(v, rnd, depth + 1);
    return out;
  }
  return value;
}

test('fuzzed manifests of every kind never throw or hit an internal error', (t) => {
  const seeds: Manifest[] = [pod(), deployment(), service(), pvc(), pv(), statefulSet(), daemonSet(), job(), networkPolicy(), configMap(), secret()];
  const rnd = random(20240601);
  let checked = 0;
  for (let i = 0; i < 3000; i++) {
    const kind = KINDS[i % KINDS.length]!;
    const base = seeds[Math.floor(rnd() * seeds.length)]!;
    const object = mutate(base, rnd) as KubeObject;
    const old = mutate(base, rnd) as KubeObject;
    const causes = [...validateCreate(kind, object), ...validateUpdate(kind, object, old)];
    for (const c of causes) {
      if (c.reason === 'InternalError') t.fail(`${kind}: ${c.message} for ${JSON.stringify(object)}`);
      if (typeof c.field !== 'string' || typeof c.message !== 'string' || !c.reason.startsWith('FieldValue')) t.fail(JSON.stringify(c));
    }
    t.notThrows(() => JSON.stringify(applyDefaults(kind, object)));
    checked++;
  }
  t.is(checked, 3000);
});
