import test from 'ava';
import { MINUTE, SECOND, ago, headers, object, row } from './fixtures.ts';

const template = {
  metadata: { labels: { app: 'web' } },
  spec: { containers: [{ name: 'web', image: 'nginx:1.26' }, { name: 'log', image: 'fluent-bit:3.0' }] },
};

test('kubectl shows the workload columns of kube-apiserver 1.30', (t) => {
  t.deepEqual(headers('Deployment'), { normal: ['NAME', 'READY', 'UP-TO-DATE', 'AVAILABLE', 'AGE'], wide: ['CONTAINERS', 'IMAGES', 'SELECTOR'] });
  t.deepEqual(headers('ReplicaSet'), { normal: ['NAME', 'DESIRED', 'CURRENT', 'READY', 'AGE'], wide: ['CONTAINERS', 'IMAGES', 'SELECTOR'] });
  t.deepEqual(headers('DaemonSet'), {
    normal: ['NAME', 'DESIRED', 'CURRENT', 'READY', 'UP-TO-DATE', 'AVAILABLE', 'NODE SELECTOR', 'AGE'],
    wide: ['CONTAINERS', 'IMAGES', 'SELECTOR'],
  });
  t.deepEqual(headers('StatefulSet'), { normal: ['NAME', 'READY', 'AGE'], wide: ['CONTAINERS', 'IMAGES'] });
  t.deepEqual(headers('ControllerRevision'), { normal: ['NAME', 'CONTROLLER', 'REVISION', 'AGE'], wide: [] });
  t.deepEqual(headers('Job'), { normal: ['NAME', 'STATUS', 'COMPLETIONS', 'DURATION', 'AGE'], wide: ['CONTAINERS', 'IMAGES', 'SELECTOR'] });
});

test('a deployment mid-rollout shows ready/desired, updated and available replicas', (t) => {
  const deployment = object('apps/v1', 'Deployment', 'web', {
    spec: { replicas: 3, selector: { matchLabels: { app: 'web' } }, template },
    status: { replicas: 4, updatedReplicas: 1, readyReplicas: 2, availableReplicas: 2, unavailableReplicas: 2 },
  });
  t.deepEqual(row('Deployment', deployment), {
    NAME: 'web',
    READY: '2/3',
    'UP-TO-DATE': 1,
    AVAILABLE: 2,
    AGE: '3d',
    CONTAINERS: 'web,log',
    IMAGES: 'nginx:1.26,fluent-bit:3.0',
    SELECTOR: 'app=web',
  });
});

test('a deployment selector prints requirements sorted by key, "<invalid>" when malformed', (t) => {
  const selector = {
    matchLabels: { app: 'web' },
    matchExpressions: [{ key: 'tier', operator: 'In', values: ['frontend', 'edge'] }, { key: 'canary', operator: 'DoesNotExist' }],
  };
  const deployment = (s: unknown) => object('apps/v1', 'Deployment', 'web', { spec: { replicas: 1, selector: s, template } });
  t.is(row('Deployment', deployment(selector)).SELECTOR, 'app=web,!canary,tier in (edge,frontend)');
  t.is(row('Deployment', deployment({ matchExpressions: [{ key: 'tier', operator: 'In', values: [] }] })).SELECTOR, '<invalid>');
  t.is(row('Deployment', deployment({})).SELECTOR, '');
});

test('a deployment or replica set without spec.replicas wants the default one replica', (t) => {
  t.is(row('Deployment', object('apps/v1', 'Deployment', 'web', { spec: { template } })).READY, '0/1');
  t.is(row('ReplicaSet', object('apps/v1', 'ReplicaSet', 'web-6d4f', { spec: { template } })).DESIRED, 1);
});

test('a replica set shows desired, current and ready as integers', (t) => {
  const rs = object('apps/v1', 'ReplicaSet', 'web-6d4f8b7c9', {
    spec: { replicas: 3, selector: { matchLabels: { app: 'web', 'pod-template-hash': '6d4f8b7c9' } }, template },
    status: { replicas: 3, readyReplicas: 2, availableReplicas: 2 },
  });
  t.like(row('ReplicaSet', rs), { DESIRED: 3, CURRENT: 3, READY: 2, SELECTOR: 'app=web,pod-template-hash=6d4f8b7c9' });
  t.is(row('ReplicaSet', object('apps/v1', 'ReplicaSet', 'bare', { spec: { replicas: 0 } })).SELECTOR, '<none>');
});

test('a daemon set shows scheduling counts and the node selector of its pods', (t) => {
  const ds = object('apps/v1', 'DaemonSet', 'fluent-bit', {
    spec: { selector: { matchLabels: { app: 'fluent-bit' } }, template: { ...template, spec: { ...template.spec, nodeSelector: { 'kubernetes.io/os': 'linux' } } } },
    status: { desiredNumberScheduled: 3, currentNumberScheduled: 3, numberReady: 2, updatedNumberScheduled: 3, numberAvailable: 2, numberMisscheduled: 0 },
  });
  t.like(row('DaemonSet', ds), { DESIRED: 3, CURRENT: 3, READY: 2, 'UP-TO-DATE': 3, AVAILABLE: 2, 'NODE SELECTOR': 'kubernetes.io/os=linux', SELECTOR: 'app=fluent-bit' });
  t.is(row('DaemonSet', object('apps/v1', 'DaemonSet', 'any', { spec: { template } }))['NODE SELECTOR'], '<none>');
});

test('a stateful set shows ready/desired', (t) => {
  const sts = object('apps/v1', 'StatefulSet', 'db', { spec: { replicas: 3, serviceName: 'db', template }, status: { replicas: 2, readyReplicas: 1 } });
  t.deepEqual(row('StatefulSet', sts), { NAME: 'db', READY: '1/3', AGE: '3d', CONTAINERS: 'web,log', IMAGES: 'nginx:1.26,fluent-bit:3.0' });
});

test('a controller revision names its controller as kind.group/name', (t) => {
  const owner = { apiVersion: 'apps/v1', kind: 'DaemonSet', name: 'fluent-bit', uid: 'u-1', controller: true };
  const revision = object('apps/v1', 'ControllerRevision', 'fluent-bit-7c9d', { revision: 2, data: {} }, { ownerReferences: [owner] });
  t.like(row('ControllerRevision', revision), { CONTROLLER: 'daemonset.apps/fluent-bit', REVISION: 2 });
  const notController = object('apps/v1', 'ControllerRevision', 'orphan', { revision: 1 }, { ownerReferences: [{ ...owner, controller: false }] });
  t.is(row('ControllerRevision', notController).CONTROLLER, '<none>');
  const core = object('apps/v1', 'ControllerRevision', 'x', { revision: 1 }, { ownerReferences: [{ ...owner, apiVersion: 'v1', kind: 'Pod', name: 'p' }] });
  t.is(row('ControllerRevision', core).CONTROLLER, 'pod/p');
});

function job(spec: Record<string, unknown>, status: Record<string, unknown>, metadata: Record<string, unknown> = {}) {
  return object('batch/v1', 'Job', 'backup', { spec: { selector: { matchLabels: { 'batch.kubernetes.io/controller-uid': 'u-9' } }, template, ...spec }, status }, metadata);
}

test('a running job shows progress and the time it has been running', (t) => {
  const running = job({ completions: 3, parallelism: 1 }, { startTime: ago(90 * SECOND), active: 1, succeeded: 1 });
  t.deepEqual(row('Job', running), {
    NAME: 'backup',
    STATUS: 'Running',
    COMPLETIONS: '1/3',
    DURATION: '90s',
    AGE: '3d',
    CONTAINERS: 'web,log',
    IMAGES: 'nginx:1.26,fluent-bit:3.0',
    SELECTOR: 'batch.kubernetes.io/controller-uid=u-9',
  });
});

test('a finished job shows Complete or Failed and its start-to-finish duration', (t) => {
  const complete = job(
    { completions: 1 },
    { startTime: ago(10 * MINUTE), completionTime: ago(7 * MINUTE), succeeded: 1, conditions: [{ type: 'SuccessCriteriaMet', status: 'True' }, { type: 'Complete', status: 'True' }] },
  );
  t.like(row('Job', complete), { STATUS: 'Complete', COMPLETIONS: '1/1', DURATION: '3m' });
  const failed = job({ completions: 1 }, { startTime: ago(MINUTE), failed: 7, conditions: [{ type: 'FailureTarget', status: 'True' }, { type: 'Failed', status: 'True', reason: 'BackoffLimitExceeded' }] });
  t.like(row('Job', failed), { STATUS: 'Failed', COMPLETIONS: '0/1' });
});

test('a job is Terminating when deleted, Suspended or FailureTarget by condition, Running otherwise', (t) => {
  t.is(row('Job', job({ completions: 1 }, { startTime: ago(MINUTE) }, { deletionTimestamp: ago(SECOND) })).STATUS, 'Terminating');
  const suspended = job({ completions: 1, suspend: true }, { conditions: [{ type: 'Suspended', status: 'True' }] });
  t.like(row('Job', suspended), { STATUS: 'Suspended', DURATION: '' });
  t.is(row('Job', job({ completions: 1 }, { conditions: [{ type: 'FailureTarget', status: 'True' }] })).STATUS, 'FailureTarget');
  t.is(row('Job', job({ completions: 1 }, { conditions: [{ type: 'Failed', status: 'False' }] })).STATUS, 'Running');
});

test('a work-queue job (no completions) counts toward one success, "of N" when parallel', (t) => {
  t.is(row('Job', job({ parallelism: 4 }, { succeeded: 0, active: 4 })).COMPLETIONS, '0/1 of 4');
  t.is(row('Job', job({ parallelism: 1 }, { succeeded: 1 })).COMPLETIONS, '1/1');
});
