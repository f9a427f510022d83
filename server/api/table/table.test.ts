import test from 'ava';
import { RESOURCE_TYPES, apiVersionOf } from '../catalog/index.ts';
import type { KubeObject } from '../objects/types.ts';
import { NOW, object } from './fixtures.ts';
import { hasPrinter, toTable } from './index.ts';

const pod = object('v1', 'Pod', 'web-1', { spec: { containers: [{ name: 'web' }] }, status: { phase: 'Running' } }, { uid: 'u-1', resourceVersion: '42', labels: { app: 'web' } });

test('a Table is meta.k8s.io/v1 with column definitions, rows and PartialObjectMetadata by default', (t) => {
  const table = toTable('Pod', [pod], { now: NOW });
  t.is(table.kind, 'Table');
  t.is(table.apiVersion, 'meta.k8s.io/v1');
  t.deepEqual(table.metadata, {});
  t.deepEqual(table.columnDefinitions[0], { name: 'Name', type: 'string', format: 'name', description: table.columnDefinitions[0]!.description, priority: 0 });
  t.regex(table.columnDefinitions[0]!.description, /^Name must be unique within a namespace/);
  t.deepEqual(table.rows[0]?.object, { kind: 'PartialObjectMetadata', apiVersion: 'meta.k8s.io/v1', metadata: pod.metadata });
});

test('a v1beta1 Table and its row objects carry the v1beta1 group version', (t) => {
  const table = toTable('Pod', [pod], { now: NOW, version: 'v1beta1' });
  t.is(table.apiVersion, 'meta.k8s.io/v1beta1');
  t.is((table.rows[0]?.object as { apiVersion: string }).apiVersion, 'meta.k8s.io/v1beta1');
});

test('includeObject=Object embeds the whole object and None leaves it out', (t) => {
  t.is(toTable('Pod', [pod], { now: NOW, includeObject: 'Object' }).rows[0]?.object, pod);
  const none = toTable('Pod', [pod], { now: NOW, includeObject: 'None' }).rows[0];
  t.false(none !== undefined && 'object' in none);
});

test('list metadata is carried over without empty fields', (t) => {
  t.deepEqual(toTable('Pod', [], { now: NOW }, { resourceVersion: '1207', continue: '' }).metadata, { resourceVersion: '1207' });
  t.deepEqual(toTable('Pod', [], { now: NOW }, { resourceVersion: '9', continue: 'eyJ2IjoxfQ', remainingItemCount: 0 }).metadata, {
    resourceVersion: '9',
    continue: 'eyJ2IjoxfQ',
    remainingItemCount: 0,
  });
});

test('an empty list is a Table with columns and no rows; noHeaders drops the columns as watch events after the first do', (t) => {
  const empty = toTable('Deployment', [], { now: NOW });
  t.deepEqual(empty.rows, []);
  t.is(empty.columnDefinitions.length, 8);
  t.deepEqual(toTable('Pod', [pod], { now: NOW, noHeaders: true }).columnDefinitions, []);
});

test('a Table survives a JSON round trip unchanged, so nothing undefined leaks into responses', (t) => {
  const table = toTable('Pod', [pod], { now: NOW });
  t.deepEqual(JSON.parse(JSON.stringify(table)), table);
});

test('rows keep the order of the objects given', (t) => {
  const names = ['c', 'a', 'b'].map((n) => object('v1', 'ConfigMap', n));
  t.deepEqual(toTable('ConfigMap', names, { now: NOW }).rows.map((r) => r.cells[0]), ['c', 'a', 'b']);
});

test('every kind the catalog serves has its own printer', (t) => {
  for (const type of RESOURCE_TYPES) t.true(hasPrinter(type.kind), type.kind);
  t.false(hasPrinter('Widget'));
});

// Objects as they may arrive before defaulting, or damaged: printers must not throw, and must
// still produce exactly one cell per column.
const oddShapes: Array<Record<string, unknown>> = [
  {},
  { spec: null, status: null },
  { spec: 'x', status: 7, data: [1], subsets: {}, subjects: 'me', roleRef: 3 },
  { spec: { containers: 'no', selector: { matchLabels: 'x', matchExpressions: [{ operator: 'In' }] } }, status: { conditions: {}, containerStatuses: [null, 5] } },
];

const oddMetadata = {
  name: 'x',
  creationTimestamp: 7,
  deletionTimestamp: 5,
  labels: 'app=web',
  annotations: ['x'],
  ownerReferences: [null, { controller: true }],
} as unknown as KubeObject['metadata'];

test('every catalog kind prints one cell per column, even for bare or mistyped objects', (t) => {
  for (const type of RESOURCE_TYPES) {
    for (const [index, fields] of oddShapes.entries()) {
      const metadata = index === oddShapes.length - 1 ? oddMetadata : { name: 'x' };
      const item: KubeObject = { apiVersion: apiVersionOf(type), kind: type.kind, metadata, ...fields };
      const table = toTable(type.kind, [item], { now: NOW });
      t.is(table.rows[0]?.cells.length, table.columnDefinitions.length, `${type.kind} ${JSON.stringify(fields)}`);
      for (const cell of table.rows[0]?.cells ?? []) t.true(['string', 'number', 'boolean'].includes(typeof cell), type.kind);
    }
  }
});

test('every column has a name, an OpenAPI type, a description and priority 0 or 1', (t) => {
  for (const kind of [...new Set(RESOURCE_TYPES.map((r) => r.kind)), 'Widget']) {
    const columns = toTable(kind, [], { now: NOW }).columnDefinitions;
    t.is(columns.filter((c) => c.format === 'name').length, 1, kind);
    for (const c of columns) {
      t.true(['string', 'integer', 'date'].includes(c.type), `${kind} ${c.name}`);
      t.true(c.description.length > 0, `${kind} ${c.name}`);
      t.true(c.priority === 0 || c.priority === 1, `${kind} ${c.name}`);
    }
  }
});
