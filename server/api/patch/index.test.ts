import test from 'ava';
import type { KubeObject } from '../objects/types.ts';
import { applyPatch, PatchError, patchTypeOf } from './index.ts';

// Taken before any patch runs, to show afterwards that none added to Object.prototype.
const PROTOTYPE_NAMES = Object.getOwnPropertyNames(Object.prototype).sort();

function pod(): KubeObject {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name: 'web-0', labels: { app: 'web' }, finalizers: ['a', 'b'] },
    spec: {
      containers: [
        { name: 'app', image: 'nginx', env: [{ name: 'A', value: '1' }], ports: [{ containerPort: 80 }] },
        { name: 'log', image: 'busybox' },
      ],
      tolerations: [{ key: 'k', operator: 'Exists' }],
    },
    status: { conditions: [{ type: 'Ready', status: 'True' }] },
  };
}

function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null) {
    for (const child of Object.values(value)) deepFreeze(child);
    Object.freeze(value);
  }
  return value;
}

test('patchTypeOf maps the patch media types and ignores parameters', (t) => {
  t.is(patchTypeOf('application/merge-patch+json'), 'merge');
  t.is(patchTypeOf('application/json-patch+json'), 'json');
  t.is(patchTypeOf('application/strategic-merge-patch+json'), 'strategic');
  t.is(patchTypeOf('application/strategic-merge-patch+json; charset=utf-8'), 'strategic');
  t.is(patchTypeOf('Application/JSON-Patch+JSON'), 'json');
  t.is(patchTypeOf('application/apply-patch+yaml'), 'apply');
  t.is(patchTypeOf('application/json'), undefined);
  t.is(patchTypeOf(''), undefined);
  t.is(patchTypeOf(undefined), undefined);
});

test('server-side apply is refused with 415 until it is implemented', (t) => {
  const error = t.throws(() => applyPatch('apply' as never, pod(), {}, 'Pod'), { instanceOf: PatchError });
  t.is(error.code, 415);
});

test('neither input is changed and the result shares nothing with them', (t) => {
  const patches = {
    merge: { metadata: { labels: { app: null, extra: { deep: true } } }, spec: { tolerations: [{ key: 'x' }] } },
    json: [
      { op: 'add', path: '/metadata/annotations', value: { deep: { er: 1 } } },
      { op: 'copy', from: '/spec/containers/0', path: '/spec/containers/-' },
      { op: 'move', from: '/metadata/finalizers', path: '/metadata/moved' },
    ],
    strategic: {
      metadata: { '$deleteFromPrimitiveList/finalizers': ['a'], labels: { extra: { deep: true } } },
      spec: { '$setElementOrder/containers': [{ name: 'log' }, { name: 'app' }], containers: [{ name: 'app', env: [{ name: 'A', $patch: 'delete' }], newField: { x: [1] } }] },
    },
  } as const;
  for (const type of ['merge', 'json', 'strategic'] as const) {
    const original = deepFreeze(pod());
    const patch = deepFreeze(structuredClone(patches[type]));
    const patched = applyPatch(type, original, patch, 'Pod');
    t.not(patched, original);
    t.deepEqual(original, pod(), type);
    t.deepEqual(patch, patches[type] as unknown, type);
    // A frozen (shared) value anywhere in the result would make these writes throw.
    const mutateAll = (v: unknown): void => {
      if (typeof v !== 'object' || v === null) return;
      for (const child of Object.values(v)) mutateAll(child);
      (v as Record<string, unknown>).touched = true;
    };
    t.notThrows(() => mutateAll(patched), type);
  }
});

test('"__proto__" keys stay plain data in every patch type and never reach Object.prototype', (t) => {
  const evil = '{"polluted":"yes"}';
  const merge = applyPatch('merge', pod(), JSON.parse(`{"__proto__":${evil},"metadata":{"labels":{"__proto__":${evil}}}}`), 'Pod');
  const strategic = applyPatch('strategic', pod(), JSON.parse(`{"__proto__":${evil},"metadata":{"labels":{"__proto__":${evil}},"finalizers":["__proto__"]},"spec":{"containers":[{"name":"app","__proto__":${evil}}]}}`), 'Pod');
  const json = applyPatch('json', pod(), JSON.parse(`[{"op":"add","path":"/__proto__","value":${evil}},{"op":"add","path":"/metadata/labels/__proto__","value":${evil}},{"op":"copy","from":"/__proto__","path":"/metadata/constructor"}]`), 'Pod');
  for (const [name, patched] of Object.entries({ merge, strategic, json })) {
    t.true(Object.hasOwn(patched, '__proto__'), name);
    t.deepEqual(Object.getOwnPropertyDescriptor(patched, '__proto__')?.value, { polluted: 'yes' }, name);
    t.is(Object.getPrototypeOf(patched), Object.prototype, name);
    t.true(Object.hasOwn(patched.metadata.labels!, '__proto__'), name);
    t.is(Object.getPrototypeOf(patched.metadata.labels), Object.prototype, name);
    t.is((patched.metadata.labels as any).polluted, undefined, name);
  }
  t.true(Object.hasOwn((strategic.spec as any).containers[0], '__proto__'));
  t.true(Object.hasOwn(json.metadata, 'constructor'));
  t.is(({} as any).polluted, undefined);
});

test('an original carrying a "__proto__" key (a ConfigMap data key) keeps it through every patch type', (t) => {
  const configMap = JSON.parse('{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"c"},"data":{"__proto__":"value","other":"x"}}') as KubeObject;
  for (const [type, patch] of [['merge', { data: { other: 'y' } }], ['strategic', { data: { other: 'y' } }], ['json', [{ op: 'replace', path: '/data/other', value: 'y' }]]] as const) {
    const patched = applyPatch(type, configMap, patch, 'ConfigMap');
    t.is(Object.getOwnPropertyDescriptor(patched.data, '__proto__')?.value, 'value', type);
    t.is((patched.data as any).other, 'y', type);
  }
});

test('values JSON cannot carry are refused with 400', (t) => {
  const cyclic: Record<string, unknown> = {};
  cyclic.self = cyclic;
  for (const patch of [{ a: undefined }, { a: () => 1 }, { a: new Date() }, { a: Number.NaN }, cyclic]) {
    const error = t.throws(() => applyPatch('merge', pod(), patch, 'Pod'), { instanceOf: PatchError });
    t.is(error.code, 400);
  }
});

// A small deterministic fuzzer: random JSON, biased towards the keys and directives patches use.
function random(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let r = Math.imul(s ^ (s >>> 15), 1 | s);
    r = (r + Math.imul(r ^ (r >>> 7), 61 | r)) ^ r;
    return ((r ^ (r >>> 14)) >>> 0) / 4294967296;
  };
}

const KEYS = ['metadata', 'spec', 'status', 'labels', 'finalizers', 'containers', 'env', 'ports', 'name', 'image', 'type', 'containerPort', 'conditions', 'tolerations',
  '$patch', '$retainKeys', '$setElementOrder/containers', '$setElementOrder/env', '$deleteFromPrimitiveList/finalizers', '$setElementOrder', '__proto__', 'constructor', 'prototype', 'toString'];
const STRINGS = ['app', 'log', 'x', 'replace', 'delete', 'merge', 'Ready', '__proto__', '-', '0'];
const TOKENS = ['metadata', 'spec', 'containers', 'labels', 'finalizers', '0', '1', '5', '-', '__proto__', 'constructor', 'prototype', 'length', 'env', 'name', '01', ''];

function generator(next: () => number) {
  const pick = <T>(list: readonly T[]): T => list[Math.floor(next() * list.length)]!;
  const value = (depth: number): unknown => {
    const r = next();
    if (depth <= 0 || r < 0.3) return pick([null, true, 1, 80, 'app', pick(STRINGS)]);
    if (r < 0.55) return Array.from({ length: Math.floor(next() * 4) }, () => value(depth - 1));
    const object: Record<string, unknown> = {};
    for (let i = Math.floor(next() * 5); i > 0; i--) Object.defineProperty(object, pick(KEYS), { value: value(depth - 1), enumerable: true, writable: true, configurable: true });
    return object;
  };
  const pointer = () => Array.from({ length: Math.floor(next() * 4) }, () => `/${pick(TOKENS)}`).join('');
  const op = () => {
    const o: Record<string, unknown> = { op: pick(['add', 'remove', 'replace', 'move', 'copy', 'test', 'bogus']), path: pointer() };
    if (next() < 0.8) o.value = value(2);
    if (next() < 0.5) o.from = pointer();
    return next() < 0.05 ? value(1) : o;
  };
  return { value, op, pick };
}

test('fuzzed patches give an object or a PatchError, never anything else', (t) => {
  const next = random(20240501);
  const gen = generator(next);
  const originals = [pod(), JSON.parse(JSON.stringify(pod()).replace(/"app"/g, '"__proto__"')) as KubeObject];
  let applied = 0;
  for (let i = 0; i < 4000; i++) {
    const type = gen.pick(['merge', 'json', 'strategic'] as const);
    const original = gen.pick(originals);
    const before = JSON.stringify(original);
    const patch = type === 'json' ? Array.from({ length: 1 + Math.floor(next() * 3) }, gen.op) : next() < 0.05 ? gen.value(2) : { ...(gen.value(5) as object) };
    try {
      const patched = applyPatch(type, original, patch, original.kind);
      t.true(typeof patched.metadata === 'object' && patched.metadata !== null && !Array.isArray(patched.metadata));
      JSON.stringify(patched);
      applied++;
    } catch (error) {
      if (!(error instanceof PatchError)) t.fail(`${type} ${JSON.stringify(patch)} threw ${String(error)}`);
      else if (/could not be applied|nested too deeply/.test(error.message)) t.fail(`${type} ${JSON.stringify(patch)} hit the backstop: ${error.message}`);
    }
    t.is(JSON.stringify(original), before);
  }
  t.true(applied > 500, `only ${applied} fuzzed patches applied`);
  t.is(({} as any).polluted, undefined);
  t.deepEqual(Object.getOwnPropertyNames(Object.prototype).sort(), PROTOTYPE_NAMES);
});
