import test from 'ava';
import type { KubeObject } from '../api/index.ts';
import { node, pod, PREEMPTION_NOT_HELPFUL } from './fixtures.test-helper.ts';
import { schedulePod, type ScheduleResult } from './schedule.ts';

const nodes3 = [node('node-a'), node('node-b'), node('node-c')];
const placed = (result: ScheduleResult) => ('node' in result ? result.node : `unschedulable: ${result.message}`);
const message = (result: ScheduleResult) => ('message' in result ? result.message : `bound to ${result.node}`);

test('NodeResourcesFit counts the requests of the pods already on the node against allocatable', (t) => {
  const busy = new Map([['node-a', [pod('x', { cpu: '1500m', nodeName: 'node-a' })]]]);
  t.is(placed(schedulePod(pod('p', { cpu: '1' }), [node('node-a')], busy)), 'unschedulable: 0/1 nodes are available: 1 Insufficient cpu. preemption: 0/1 nodes are available: 1 No preemption victims found for incoming pod..');
  t.is(placed(schedulePod(pod('p', { cpu: '500m' }), [node('node-a')], busy)), 'node-a', 'exactly the remaining 500m fits');
  const finished = new Map([['node-a', [pod('x', { cpu: '1500m', nodeName: 'node-a', phase: 'Succeeded' })]]]);
  t.is(placed(schedulePod(pod('p', { cpu: '1' }), [node('node-a')], finished)), 'node-a', 'a finished pod holds nothing');
});

test('NodeResourcesFit reports every insufficient resource of a node, and the pod count', (t) => {
  const result = schedulePod(pod('p', { cpu: '3', memory: '5Gi' }), [node('node-a'), node('node-b', { cpu: '4' })]);
  t.is(message(result), '0/2 nodes are available: 1 Insufficient cpu, 2 Insufficient memory. preemption: 0/2 nodes are available: 2 No preemption victims found for incoming pod..');
  const full = new Map([['node-a', [pod('x', { nodeName: 'node-a' }), pod('y', { nodeName: 'node-a' })]]]);
  t.is(message(schedulePod(pod('p'), [node('node-a', { pods: '2' })], full)), '0/1 nodes are available: 1 Too many pods. preemption: 0/1 nodes are available: 1 No preemption victims found for incoming pod..', 'a pod without requests still takes a pod slot');
  t.is(placed(schedulePod(pod('p'), [node('node-a', { pods: '3' })], full)), 'node-a');
  t.is(message(schedulePod(pod('p', { spec: { containers: [{ name: 'c', resources: { limits: { 'example.com/gpu': '1' } } }] } }), [node('node-a')])),
    '0/1 nodes are available: 1 Insufficient example.com/gpu. preemption: 0/1 nodes are available: 1 No preemption victims found for incoming pod..');
  t.is(placed(schedulePod(pod('p', { spec: { containers: [{ name: 'c', resources: { limits: { 'example.com/gpu': '1' } } }] } }), [node('node-a'), node('node-b', { extra: { 'example.com/gpu': '2' } })])), 'node-b');
});

test('nodeSelector must match every label', (t) => {
  const candidates = [node('node-a', { labels: { disk: 'hdd' } }), node('node-b', { labels: { disk: 'ssd', zone: 'x' } }), node('node-c', { labels: { disk: 'ssd' } })];
  t.is(placed(schedulePod(pod('p', { spec: { nodeSelector: { disk: 'ssd', zone: 'x' } } }), candidates)), 'node-b');
  t.is(message(schedulePod(pod('p', { spec: { nodeSelector: { disk: 'nvme' } } }), candidates)),
    `0/3 nodes are available: 3 node(s) didn't match Pod's node affinity/selector. ${PREEMPTION_NOT_HELPFUL(3)}`);
});

test('required node affinity: operators, ORed terms, matchFields on the node name', (t) => {
  const candidates = [
    node('node-a', { labels: { tier: 'edge', cores: '4' } }),
    node('node-b', { labels: { tier: 'core', cores: '16' } }),
    node('node-c', { labels: { cores: 'many' } }),
  ];
  const where = (...terms: unknown[]) => {
    const p = pod('p', { spec: { affinity: { nodeAffinity: { requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: terms } } } } });
    return candidates.filter((n) => 'node' in schedulePod(p, [n])).map((n) => n.metadata.name).join(',');
  };
  const expr = (key: string, operator: string, values?: string[]) => ({ matchExpressions: [{ key, operator, ...(values ? { values } : {}) }] });
  t.is(where(expr('tier', 'In', ['edge', 'far'])), 'node-a');
  t.is(where(expr('tier', 'NotIn', ['edge'])), 'node-b,node-c', 'NotIn matches nodes without the label');
  t.is(where(expr('tier', 'Exists')), 'node-a,node-b');
  t.is(where(expr('tier', 'DoesNotExist')), 'node-c');
  t.is(where(expr('cores', 'Gt', ['8'])), 'node-b', 'Gt compares integers; a non-integer label never matches');
  t.is(where(expr('cores', 'Lt', ['8'])), 'node-a');
  t.is(where({ matchFields: [{ key: 'metadata.name', operator: 'In', values: ['node-c'] }] }), 'node-c');
  t.is(where({ matchFields: [{ key: 'metadata.name', operator: 'NotIn', values: ['node-c'] }] }), 'node-a,node-b');
  t.is(where(expr('tier', 'In', ['edge']), expr('cores', 'Gt', ['10'])), 'node-a,node-b', 'terms are ORed');
  t.is(where({ ...expr('tier', 'Exists'), matchFields: [{ key: 'metadata.name', operator: 'In', values: ['node-b'] }] }), 'node-b', 'inside a term, expressions and fields are ANDed');
  t.is(where({}), '', 'an empty term matches nothing');
  t.is(where(), '', 'no terms match nothing');
});

test('taints: NoSchedule and NoExecute keep pods off unless tolerated; PreferNoSchedule does not', (t) => {
  const candidates = [node('node-a', { taints: [{ key: 'dedicated', value: 'gpu', effect: 'NoSchedule' }] }), node('node-b', { taints: [{ key: 'maintenance', effect: 'NoExecute' }] })];
  t.is(message(schedulePod(pod('p'), candidates)),
    `0/2 nodes are available: 1 node(s) had untolerated taint {dedicated: gpu}, 1 node(s) had untolerated taint {maintenance: }. ${PREEMPTION_NOT_HELPFUL(2)}`);
  const tolerating = (tolerations: unknown[]) => candidates.filter((n) => 'node' in schedulePod(pod('p', { spec: { tolerations } }), [n])).map((n) => n.metadata.name).join(',');
  t.is(tolerating([{ key: 'dedicated', operator: 'Equal', value: 'gpu', effect: 'NoSchedule' }]), 'node-a');
  t.is(tolerating([{ key: 'dedicated', value: 'gpu' }]), 'node-a', 'Equal is the default operator; no effect means every effect');
  t.is(tolerating([{ key: 'dedicated', value: 'cpu' }]), '', 'Equal wants the same value');
  t.is(tolerating([{ key: 'dedicated', operator: 'Exists', effect: 'NoExecute' }]), '', 'the effect must match when given');
  t.is(tolerating([{ key: 'maintenance', operator: 'Exists' }]), 'node-b');
  t.is(tolerating([{ operator: 'Exists' }]), 'node-a,node-b', 'an empty key with Exists tolerates everything');
  t.is(placed(schedulePod(pod('p'), [node('node-a', { taints: [{ key: 'soft', effect: 'PreferNoSchedule' }] })])), 'node-a');
});

test('an unschedulable (cordoned) node takes no pods unless they tolerate node.kubernetes.io/unschedulable', (t) => {
  const candidates = [node('node-a', { unschedulable: true }), node('node-b', { unschedulable: true })];
  t.is(message(schedulePod(pod('p'), candidates)), `0/2 nodes are available: 2 node(s) were unschedulable. ${PREEMPTION_NOT_HELPFUL(2)}`);
  const tolerant = pod('p', { spec: { tolerations: [{ key: 'node.kubernetes.io/unschedulable', operator: 'Exists', effect: 'NoSchedule' }] } });
  t.is(placed(schedulePod(tolerant, candidates)), 'node-a');
});

test('a node that is not Ready counts as tainted not-ready or unreachable with NoSchedule', (t) => {
  const candidates = [node('node-a', { ready: 'False' }), node('node-b', { ready: 'Unknown' }), node('node-c', { ready: null })];
  t.is(message(schedulePod(pod('p'), candidates)),
    `0/3 nodes are available: 1 node(s) had untolerated taint {node.kubernetes.io/unreachable: }, 2 node(s) had untolerated taint {node.kubernetes.io/not-ready: }. ${PREEMPTION_NOT_HELPFUL(3)}`);
  // The default NoExecute tolerations (kept running for 300 s) do not let new pods in.
  const defaults = [{ key: 'node.kubernetes.io/unreachable', operator: 'Exists', effect: 'NoExecute', tolerationSeconds: 300 }];
  t.false('node' in schedulePod(pod('p', { spec: { tolerations: defaults } }), [node('node-b', { ready: 'Unknown' })]));
  const tolerant = pod('p', { spec: { tolerations: [{ key: 'node.kubernetes.io/unreachable', operator: 'Exists' }] } });
  t.is(placed(schedulePod(tolerant, candidates)), 'node-b');
  t.is(placed(schedulePod(pod('p'), [...candidates, node('node-d')])), 'node-d');
});

test('required pod anti-affinity on the hostname keeps matching pods apart, both ways', (t) => {
  const antiWeb = { podAntiAffinity: { requiredDuringSchedulingIgnoredDuringExecution: [{ labelSelector: { matchLabels: { app: 'web' } }, topologyKey: 'kubernetes.io/hostname' }] } };
  const running = new Map([
    ['node-a', [pod('web-1', { nodeName: 'node-a', labels: { app: 'web' } })]],
    ['node-b', [pod('web-2', { nodeName: 'node-b', labels: { app: 'web' }, namespace: 'other' })]],
  ]);
  const incoming = pod('web-3', { labels: { app: 'web' }, spec: { affinity: antiWeb } });
  t.is(placed(schedulePod(incoming, nodes3.slice(0, 2), running)), 'node-b', 'only pods of the same namespace count by default');
  t.is(message(schedulePod(incoming, [node('node-a')], running)),
    "0/1 nodes are available: 1 node(s) didn't match pod anti-affinity rules. preemption: 0/1 nodes are available: 1 No preemption victims found for incoming pod..");
  const everywhere = pod('web-3', { labels: { app: 'web' }, spec: { affinity: { podAntiAffinity: { requiredDuringSchedulingIgnoredDuringExecution: [{ labelSelector: { matchLabels: { app: 'web' } }, namespaceSelector: {}, topologyKey: 'kubernetes.io/hostname' }] } } } });
  t.is(placed(schedulePod(everywhere, nodes3, running)), 'node-c', 'an empty namespaceSelector means every namespace');
  // Symmetry: a running pod's anti-affinity keeps matching newcomers off its node.
  const guarded = new Map([['node-a', [pod('db-1', { nodeName: 'node-a', labels: { app: 'db' }, spec: { affinity: antiWeb } })]]]);
  t.is(message(schedulePod(pod('web-4', { labels: { app: 'web' } }), [node('node-a')], guarded)),
    "0/1 nodes are available: 1 node(s) didn't satisfy existing pods anti-affinity rules. preemption: 0/1 nodes are available: 1 No preemption victims found for incoming pod..");
  t.is(placed(schedulePod(pod('api-1', { labels: { app: 'api' } }), [node('node-a')], guarded)), 'node-a');
  // A zone key spreads across label values rather than nodes.
  const zoned = [node('node-a', { labels: { zone: 'z1' } }), node('node-b', { labels: { zone: 'z1' } }), node('node-c', { labels: { zone: 'z2' } })];
  const antiZone = pod('web-5', { labels: { app: 'web' }, spec: { affinity: { podAntiAffinity: { requiredDuringSchedulingIgnoredDuringExecution: [{ labelSelector: { matchLabels: { app: 'web' } }, topologyKey: 'zone' }] } } } });
  t.is(placed(schedulePod(antiZone, zoned, new Map([['node-a', [pod('web-1', { nodeName: 'node-a', labels: { app: 'web' } })]]]))), 'node-c');
});

test('volume node affinity: a bound PersistentVolume limits the nodes; missing and unbound claims are reported', (t) => {
  const claim = (name: string, spec: Record<string, unknown>, extra: Record<string, unknown> = {}): KubeObject => ({ apiVersion: 'v1', kind: 'PersistentVolumeClaim', metadata: { name, namespace: 'default', ...extra }, spec });
  const claims = [claim('data', { volumeName: 'pv-a' }), claim('lost', { volumeName: 'pv-gone' }), claim('later', { storageClassName: 'local-path' }), claim('now', { storageClassName: 'standard' }), claim('bye', { volumeName: 'pv-a' }, { deletionTimestamp: '2026-01-01T00:00:00Z' })];
  const volume: KubeObject = { apiVersion: 'v1', kind: 'PersistentVolume', metadata: { name: 'pv-a' }, spec: { nodeAffinity: { required: { nodeSelectorTerms: [{ matchExpressions: [{ key: 'kubernetes.io/hostname', operator: 'In', values: ['node-b'] }] }] } } } };
  const classes: KubeObject[] = [
    { apiVersion: 'storage.k8s.io/v1', kind: 'StorageClass', metadata: { name: 'local-path' }, volumeBindingMode: 'WaitForFirstConsumer' },
    { apiVersion: 'storage.k8s.io/v1', kind: 'StorageClass', metadata: { name: 'standard' }, volumeBindingMode: 'Immediate' },
  ];
  const lookup = {
    claim: (ns: string, name: string) => claims.find((c) => c.metadata.namespace === ns && c.metadata.name === name),
    volume: (name: string) => (name === 'pv-a' ? volume : undefined),
    storageClass: (name: string) => classes.find((c) => c.metadata.name === name),
  };
  const using = (claimName: string) => pod('p', { spec: { volumes: [{ name: 'v', persistentVolumeClaim: { claimName } }] } });
  t.is(placed(schedulePod(using('data'), nodes3, undefined, lookup)), 'node-b');
  t.is(message(schedulePod(using('data'), [node('node-a'), node('node-c')], undefined, lookup)), `0/2 nodes are available: 2 node(s) had volume node affinity conflict. ${PREEMPTION_NOT_HELPFUL(2)}`);
  t.is(message(schedulePod(using('missing'), nodes3, undefined, lookup)), `0/3 nodes are available: persistentvolumeclaim "missing" not found. ${PREEMPTION_NOT_HELPFUL(3)}`);
  t.is(message(schedulePod(using('bye'), nodes3, undefined, lookup)), `0/3 nodes are available: persistentvolumeclaim "bye" is being deleted. ${PREEMPTION_NOT_HELPFUL(3)}`);
  t.is(message(schedulePod(using('now'), nodes3, undefined, lookup)), `0/3 nodes are available: pod has unbound immediate PersistentVolumeClaims. ${PREEMPTION_NOT_HELPFUL(3)}`);
  t.is(placed(schedulePod(using('later'), nodes3, undefined, lookup)), 'node-a', 'WaitForFirstConsumer claims do not hold the pod back');
  t.is(message(schedulePod(using('lost'), [node('node-a')], undefined, lookup)), `0/1 nodes are available: 1 node(s) unavailable due to one or more pvc(s) bound to non-existent pv(s). ${PREEMPTION_NOT_HELPFUL(1)}`);
  const ephemeral = pod('p', { spec: { volumes: [{ name: 'scratch', ephemeral: { volumeClaimTemplate: {} } }] } });
  t.is(message(schedulePod(ephemeral, [node('node-a')], undefined, lookup)), `0/1 nodes are available: waiting for ephemeral volume controller to create the persistentvolumeclaim "p-scratch". ${PREEMPTION_NOT_HELPFUL(1)}`);
  t.is(placed(schedulePod(using('whatever'), [node('node-a')])), 'node-a', 'without a lookup, volumes are not checked');
});

test('the message is a sorted histogram of first failures, with the preemption verdict per node', (t) => {
  const candidates = [node('node-a', { labels: { disk: 'ssd' }, cpu: '1' }), node('node-b'), node('node-c')];
  const result = schedulePod(pod('p', { cpu: '1500m', spec: { nodeSelector: { disk: 'ssd' } } }), candidates);
  t.deepEqual(result, {
    reason: 'Unschedulable',
    message: "0/3 nodes are available: 1 Insufficient cpu, 2 node(s) didn't match Pod's node affinity/selector. preemption: 0/3 nodes are available: 1 No preemption victims found for incoming pod, 2 Preemption is not helpful for scheduling..",
  });
  // Filters stop at the first failure: a cordoned node is not also reported for its taint.
  const layered = [node('node-a', { unschedulable: true, taints: [{ key: 'k', value: 'v', effect: 'NoSchedule' }] })];
  t.is(message(schedulePod(pod('p'), layered)), `0/1 nodes are available: 1 node(s) were unschedulable. ${PREEMPTION_NOT_HELPFUL(1)}`);
  // Go sorts the "<count> <reason>" strings bytewise: "10 …" before "2 …".
  const many = [...Array.from({ length: 10 }, (_, i) => node(`t-${i}`, { unschedulable: true })), node('u-1', { cpu: '100m' }), node('u-2', { cpu: '100m' })];
  t.is(message(schedulePod(pod('p', { cpu: '1' }), many)),
    '0/12 nodes are available: 10 node(s) were unschedulable, 2 Insufficient cpu. preemption: 0/12 nodes are available: 10 Preemption is not helpful for scheduling, 2 No preemption victims found for incoming pod..');
});

test('without nodes the scheduler reports an error rather than a fit failure', (t) => {
  t.deepEqual(schedulePod(pod('p'), []), { reason: 'SchedulerError', message: 'no nodes available to schedule pods' });
});
