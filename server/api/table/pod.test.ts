import test from 'ava';
import type { KubeObject } from '../objects/types.ts';
import { HOUR, MINUTE, NOW, SECOND, ago, headers, object, row } from './fixtures.ts';
import { toTable } from './table.ts';

function pod(spec: Record<string, unknown>, status: Record<string, unknown>, metadata: Record<string, unknown> = {}): KubeObject {
  return object('v1', 'Pod', 'web-7d4b9c-x2x9z', { spec: { nodeName: 'edge-1', ...spec }, status }, metadata);
}

const twoContainers = { containers: [{ name: 'web', image: 'nginx:1.25' }, { name: 'log', image: 'busybox:1.36' }] };
const running = { running: { startedAt: ago(HOUR) } };

function runningPod(metadata: Record<string, unknown> = {}): KubeObject {
  return pod(
    twoContainers,
    {
      phase: 'Running',
      podIP: '10.42.0.12',
      podIPs: [{ ip: '10.42.0.12' }, { ip: 'fd00::12' }],
      conditions: [{ type: 'Initialized', status: 'True' }, { type: 'Ready', status: 'True' }],
      containerStatuses: [
        { name: 'web', ready: true, restartCount: 0, state: running },
        { name: 'log', ready: true, restartCount: 3, state: running, lastState: { terminated: { exitCode: 1, reason: 'Error', finishedAt: ago(5 * MINUTE) } } },
      ],
    },
    metadata,
  );
}

test('kubectl shows NAME READY STATUS RESTARTS AGE, and IP NODE NOMINATED NODE READINESS GATES with -o wide', (t) => {
  t.deepEqual(headers('Pod'), { normal: ['NAME', 'READY', 'STATUS', 'RESTARTS', 'AGE'], wide: ['IP', 'NODE', 'NOMINATED NODE', 'READINESS GATES'] });
});

test('a running pod with two containers, one restarted, shows when it last restarted', (t) => {
  t.deepEqual(row('Pod', runningPod()), {
    NAME: 'web-7d4b9c-x2x9z',
    READY: '2/2',
    STATUS: 'Running',
    RESTARTS: '3 (5m ago)',
    AGE: '3d',
    IP: '10.42.0.12',
    NODE: 'edge-1',
    'NOMINATED NODE': '<none>',
    'READINESS GATES': '<none>',
  });
});

test('a container in back-off names the status and is not counted ready', (t) => {
  const p = runningPod();
  const statuses = (p.status as { containerStatuses: Array<Record<string, unknown>> }).containerStatuses;
  statuses[1] = { ...statuses[1], ready: false, restartCount: 4, state: { waiting: { reason: 'CrashLoopBackOff' } }, lastState: { terminated: { exitCode: 1, finishedAt: ago(90 * SECOND) } } };
  const r = row('Pod', p);
  t.is(r.READY, '1/2');
  t.is(r.STATUS, 'CrashLoopBackOff');
  t.is(r.RESTARTS, '4 (90s ago)');
});

test('the first container decides the status when several are unwell', (t) => {
  const p = pod(twoContainers, {
    phase: 'Pending',
    containerStatuses: [
      { name: 'web', ready: false, restartCount: 0, state: { waiting: { reason: 'ImagePullBackOff' } } },
      { name: 'log', ready: false, restartCount: 0, state: { waiting: { reason: 'ContainerCreating' } } },
    ],
  });
  t.is(row('Pod', p).STATUS, 'ImagePullBackOff');
});

test('a pod being deleted reads Terminating, or Unknown when its node was lost', (t) => {
  t.is(row('Pod', runningPod({ deletionTimestamp: ago(10 * SECOND) })).STATUS, 'Terminating');
  const lost = runningPod({ deletionTimestamp: ago(10 * SECOND) });
  (lost.status as Record<string, unknown>).reason = 'NodeLost';
  t.is(row('Pod', lost).STATUS, 'Unknown');
});

test('a finished pod keeps its final status while deleted and carries a Completed row condition', (t) => {
  const done = pod({ containers: [{ name: 'job', image: 'busybox' }] }, {
    phase: 'Succeeded',
    containerStatuses: [{ name: 'job', ready: false, restartCount: 0, state: { terminated: { exitCode: 0, reason: 'Completed' } } }],
  }, { deletionTimestamp: ago(SECOND) });
  const table = toTable('Pod', [done], { now: NOW });
  t.is(table.rows[0]?.cells[2], 'Completed');
  t.is(table.rows[0]?.cells[1], '0/1');
  t.deepEqual(table.rows[0]?.conditions, [{ type: 'Completed', status: 'True', reason: 'Succeeded', message: 'The pod has completed successfully.' }]);
  const failed = pod({ containers: [{ name: 'job' }] }, { phase: 'Failed', reason: 'Evicted' });
  t.is(row('Pod', failed).STATUS, 'Evicted');
  t.is(toTable('Pod', [failed], { now: NOW }).rows[0]?.conditions?.[0]?.reason, 'Failed');
  t.is(toTable('Pod', [runningPod()], { now: NOW }).rows[0]?.conditions, undefined);
});

test('a pending pod not yet scheduled shows its phase and <none> for what it lacks', (t) => {
  const p = pod({ nodeName: undefined, containers: [{ name: 'web' }] }, { phase: 'Pending', conditions: [{ type: 'PodScheduled', status: 'False', reason: 'Unschedulable' }] });
  t.like(row('Pod', p), { READY: '0/1', STATUS: 'Pending', RESTARTS: '0', IP: '<none>', NODE: '<none>' });
  t.is(row('Pod', pod({ containers: [{ name: 'web' }] }, {})).STATUS, 'Pending');
});

test('a pod held by scheduling gates reads SchedulingGated', (t) => {
  const p = pod({ containers: [{ name: 'web' }] }, { phase: 'Pending', conditions: [{ type: 'PodScheduled', status: 'False', reason: 'SchedulingGated' }] });
  t.is(row('Pod', p).STATUS, 'SchedulingGated');
});

const initSpec = { initContainers: [{ name: 'migrate' }, { name: 'wait-db' }], containers: [{ name: 'app' }] };
const appInitializing = [{ name: 'app', ready: false, restartCount: 0, state: { waiting: { reason: 'PodInitializing' } } }];

test('init containers show Init:done/total while they run in order', (t) => {
  const second = pod(initSpec, {
    phase: 'Pending',
    initContainerStatuses: [
      { name: 'migrate', ready: true, restartCount: 0, state: { terminated: { exitCode: 0, reason: 'Completed' } } },
      { name: 'wait-db', ready: false, restartCount: 0, state: running },
    ],
    containerStatuses: appInitializing,
  });
  t.like(row('Pod', second), { READY: '0/1', STATUS: 'Init:1/2', RESTARTS: '0' });
  const first = pod(initSpec, { phase: 'Pending', initContainerStatuses: [{ name: 'migrate', restartCount: 0, state: { waiting: { reason: 'PodInitializing' } } }] });
  t.is(row('Pod', first).STATUS, 'Init:0/2');
});

test('a failing init container names the failure and its restarts count', (t) => {
  const failing = pod(initSpec, {
    phase: 'Pending',
    initContainerStatuses: [
      { name: 'migrate', restartCount: 2, state: { terminated: { exitCode: 1, reason: 'Error' } }, lastState: { terminated: { exitCode: 1, finishedAt: ago(30 * SECOND) } } },
    ],
    containerStatuses: appInitializing,
  });
  t.like(row('Pod', failing), { STATUS: 'Init:Error', RESTARTS: '2 (30s ago)' });
  const backOff = pod(initSpec, { phase: 'Pending', initContainerStatuses: [{ name: 'migrate', state: { waiting: { reason: 'CrashLoopBackOff' } } }] });
  t.is(row('Pod', backOff).STATUS, 'Init:CrashLoopBackOff');
  const killed = pod(initSpec, { phase: 'Pending', initContainerStatuses: [{ name: 'migrate', state: { terminated: { exitCode: 137, signal: 9 } } }] });
  t.is(row('Pod', killed).STATUS, 'Init:Signal:9');
  const exited = pod(initSpec, { phase: 'Pending', initContainerStatuses: [{ name: 'migrate', state: { terminated: { exitCode: 3 } } }] });
  t.is(row('Pod', exited).STATUS, 'Init:ExitCode:3');
});

test('a sidecar (restartable init container) counts towards READY and RESTARTS once started', (t) => {
  const p = pod(
    { initContainers: [{ name: 'proxy', restartPolicy: 'Always' }, { name: 'migrate' }], containers: [{ name: 'app' }] },
    {
      phase: 'Running',
      conditions: [{ type: 'Initialized', status: 'True' }, { type: 'Ready', status: 'True' }],
      initContainerStatuses: [
        { name: 'proxy', started: true, ready: true, restartCount: 1, state: running, lastState: { terminated: { exitCode: 2, finishedAt: ago(10 * MINUTE) } } },
        { name: 'migrate', restartCount: 5, state: { terminated: { exitCode: 0, reason: 'Completed' } } },
      ],
      containerStatuses: [{ name: 'app', ready: true, restartCount: 0, state: running }],
    },
  );
  // The plain init container's five restarts stop counting once the pod is initialised.
  t.like(row('Pod', p), { READY: '2/2', STATUS: 'Running', RESTARTS: '1 (10m ago)' });
});

test('a container that completed beside a running one leaves the pod Running or NotReady', (t) => {
  const statuses = [
    { name: 'web', ready: false, restartCount: 0, state: { terminated: { exitCode: 0, reason: 'Completed' } } },
    { name: 'log', ready: true, restartCount: 0, state: running },
  ];
  const ready = pod(twoContainers, { phase: 'Running', conditions: [{ type: 'Ready', status: 'True' }], containerStatuses: statuses });
  t.like(row('Pod', ready), { READY: '1/2', STATUS: 'Running' });
  const notReady = pod(twoContainers, { phase: 'Running', conditions: [{ type: 'Ready', status: 'False' }], containerStatuses: statuses });
  t.is(row('Pod', notReady).STATUS, 'NotReady');
});

test('a container that exited without a reason shows its signal or exit code', (t) => {
  const exited = (terminated: Record<string, unknown>) => pod({ containers: [{ name: 'web' }] }, { phase: 'Running', containerStatuses: [{ name: 'web', state: { terminated } }] });
  t.is(row('Pod', exited({ exitCode: 137 })).STATUS, 'ExitCode:137');
  t.is(row('Pod', exited({ exitCode: 143, signal: 15 })).STATUS, 'Signal:15');
  t.is(row('Pod', exited({ exitCode: 137, reason: 'OOMKilled' })).STATUS, 'OOMKilled');
});

test('restarts without a recorded termination time are a bare count', (t) => {
  const p = pod({ containers: [{ name: 'web' }] }, { phase: 'Running', containerStatuses: [{ name: 'web', ready: true, restartCount: 2, state: running }] });
  t.is(row('Pod', p).RESTARTS, '2');
});

test('wide cells: the first pod IP (or the older podIP), the nominated node, readiness gates passed', (t) => {
  const p = pod(
    { nodeName: undefined, containers: [{ name: 'web' }], readinessGates: [{ conditionType: 'example.com/lb-ready' }, { conditionType: 'example.com/dns' }] },
    {
      phase: 'Pending',
      podIP: '10.42.1.7',
      nominatedNodeName: 'edge-2',
      conditions: [{ type: 'example.com/lb-ready', status: 'True' }, { type: 'example.com/dns', status: 'False' }],
    },
  );
  t.like(row('Pod', p), { IP: '10.42.1.7', NODE: '<none>', 'NOMINATED NODE': 'edge-2', 'READINESS GATES': '1/2' });
});
