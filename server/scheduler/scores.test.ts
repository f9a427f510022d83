import test from 'ava';
import type { KubeObject } from '../api/index.ts';
import { node, pod } from './fixtures.test-helper.ts';
import { schedulePod } from './schedule.ts';

/** Schedules the pods one after another, each seeing the ones placed before it. */
function placeAll(pods: KubeObject[], nodes: KubeObject[]): Record<string, number> {
  const byNode = new Map<string, KubeObject[]>();
  const counts: Record<string, number> = {};
  for (const p of pods) {
    const result = schedulePod(p, nodes, byNode);
    if (!('node' in result)) throw new Error(result.message);
    byNode.set(result.node, [...(byNode.get(result.node) ?? []), { ...p, spec: { ...(p.spec as object), nodeName: result.node } }]);
    counts[result.node] = (counts[result.node] ?? 0) + 1;
  }
  return counts;
}

const chosen = (p: KubeObject, nodes: KubeObject[], byNode?: Map<string, KubeObject[]>) => {
  const result = schedulePod(p, nodes, byNode);
  return 'node' in result ? result.node : result.message;
};

test('ties go to the first node by name', (t) => {
  t.is(chosen(pod('p'), [node('node-c'), node('node-a'), node('node-b')]), 'node-a');
});

test('LeastAllocated prefers the node with the most free cpu and memory', (t) => {
  const byNode = new Map([['node-a', [pod('x', { cpu: '1', memory: '1Gi', nodeName: 'node-a' })]]]);
  t.is(chosen(pod('p', { cpu: '100m' }), [node('node-a'), node('node-b')], byNode), 'node-b');
  t.is(chosen(pod('p', { cpu: '100m' }), [node('node-a', { cpu: '64', memory: '256Gi' }), node('node-b')], byNode), 'node-a', 'a bigger node is emptier relative to its size');
});

test('pods without requests spread too, counted at the scoring defaults', (t) => {
  const pods = Array.from({ length: 9 }, (_, i) => pod(`p-${i}`));
  t.deepEqual(placeAll(pods, [node('node-a'), node('node-b'), node('node-c')]), { 'node-a': 3, 'node-b': 3, 'node-c': 3 });
});

test('replicas of one owner spread across nodes even when requests would not tell nodes apart', (t) => {
  // A big node stays the least allocated throughout, yet replicas still go one per node first.
  const nodes = [node('node-a', { cpu: '64', memory: '256Gi' }), node('node-b'), node('node-c')];
  const replicas = Array.from({ length: 6 }, (_, i) => pod(`web-${i}`, { owner: 'web', cpu: '10m' }));
  t.deepEqual(placeAll(replicas, nodes), { 'node-a': 2, 'node-b': 2, 'node-c': 2 });
});

test('preferred node affinity: heavier matching terms win over a somewhat emptier node', (t) => {
  const nodes = [node('node-a', { labels: { disk: 'hdd' } }), node('node-b', { labels: { disk: 'ssd', zone: 'z1' } }), node('node-c', { labels: { zone: 'z1' } })];
  const byNode = new Map([['node-b', [pod('x', { cpu: '500m', nodeName: 'node-b' })]]]);
  const preferring = (terms: unknown[]) => pod('p', { spec: { affinity: { nodeAffinity: { preferredDuringSchedulingIgnoredDuringExecution: terms } } } });
  const ssd = { weight: 10, preference: { matchExpressions: [{ key: 'disk', operator: 'In', values: ['ssd'] }] } };
  const zone = { weight: 80, preference: { matchExpressions: [{ key: 'zone', operator: 'Exists' }] } };
  t.is(chosen(preferring([ssd]), nodes, byNode), 'node-b');
  t.is(chosen(preferring([ssd, zone]), nodes, byNode), 'node-b', '90 beats 80');
  t.is(chosen(preferring([{ ...ssd, weight: 1 }, { ...zone, weight: 100 }]), nodes, byNode), 'node-c', 'a preference one point short is made up by a much emptier node');
});

test('TaintToleration scoring: avoid PreferNoSchedule taints the pod does not tolerate', (t) => {
  const nodes = [node('node-a', { taints: [{ key: 'spot', value: 'true', effect: 'PreferNoSchedule' }] }), node('node-b', { cpu: '1' })];
  t.is(chosen(pod('p'), nodes), 'node-b', 'a smaller untainted node beats a tainted one');
  const tolerant = pod('p', { spec: { tolerations: [{ key: 'spot', operator: 'Exists', effect: 'PreferNoSchedule' }] } });
  t.is(chosen(tolerant, nodes), 'node-a');
  const noScheduleOnly = pod('p', { spec: { tolerations: [{ key: 'spot', operator: 'Exists', effect: 'NoSchedule' }] } });
  t.is(chosen(noScheduleOnly, nodes), 'node-b', 'a NoSchedule toleration does not cover PreferNoSchedule');
});
