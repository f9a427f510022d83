import test from 'ava';
import { newPodRecord } from './record.ts';
import { podStatus, type SlotView, type StatusInput } from './status.ts';
import type { Pod, Terminated } from './types.ts';

type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

const T0 = '2024-05-01T10:00:00Z';
const T1 = '2024-05-01T10:00:05Z';

function pod(spec: Partial<Pod['spec']> = {}): Pod {
  return { metadata: { name: 'web', namespace: 'default', uid: 'u1' }, spec: { nodeName: 'edge', containers: [{ name: 'c', image: 'busybox:1' }], ...spec } };
}

function run(p: Pod, app: Array<Partial<SlotView>>, extra: Partial<StatusInput> = {}, init: Array<Partial<SlotView>> = []): Json {
  const record = { ...newPodRecord(p.metadata, T0), startTime: T0 };
  const view = (specs: Pod['spec']['containers'], v: Array<Partial<SlotView>>) => specs.map((spec, i) => ({ spec, record: undefined, ...v[i] }));
  return podStatus({ pod: p, record, init: view(p.spec.initContainers ?? [], init), app: view(p.spec.containers, app), sandboxReady: true, facts: { hostIP: '10.0.0.9' }, deleting: false, now: T1, ...extra }).status;
}

const started = { restartCount: 0, containerId: 'abc', image: 'docker.io/library/busybox:1', imageID: 'docker.io/library/busybox@sha256:11', startedAt: T0 };
const ended = (exitCode: number, reason = exitCode === 0 ? 'Completed' : 'Error'): Terminated => ({ exitCode, reason, startedAt: T0, finishedAt: T1, containerID: 'skerry://abc' });
const condition = (s: Json, type: string) => s.conditions.find((c: Json) => c.type === type);

test('a new pod is Pending with ContainerCreating and the kubelet\'s conditions', (t) => {
  const s = run(pod(), [{}], { sandboxReady: false });
  t.is(s.phase, 'Pending');
  t.deepEqual(s.containerStatuses[0], { name: 'c', state: { waiting: { reason: 'ContainerCreating' } }, lastState: {}, ready: false, restartCount: 0, image: 'busybox:1', imageID: '', started: false });
  t.deepEqual(s.conditions.map((c: Json) => `${c.type}=${c.status}`), ['PodReadyToStartContainers=False', 'Initialized=True', 'Ready=False', 'ContainersReady=False', 'PodScheduled=True']);
  t.is(condition(s, 'Ready').reason, 'ContainersNotReady');
  t.is(condition(s, 'Ready').message, 'containers with unready status: [c]');
  t.is(condition(s, 'Ready').lastProbeTime, null);
  t.is(condition(s, 'PodScheduled').lastTransitionTime, T0);
  t.deepEqual([s.hostIP, s.hostIPs, s.podIP, s.startTime, s.qosClass], ['10.0.0.9', [{ ip: '10.0.0.9' }], undefined, T0, 'BestEffort']);
});

test('a running container: Running, ready, started, with its ids', (t) => {
  const s = run(pod(), [{ record: started, runningSince: T0 }]);
  t.is(s.phase, 'Running');
  t.deepEqual(s.containerStatuses[0], {
    name: 'c', state: { running: { startedAt: T0 } }, lastState: {}, ready: true, restartCount: 0, image: 'docker.io/library/busybox:1',
    imageID: 'docker.io/library/busybox@sha256:11', containerID: 'skerry://abc', started: true,
  });
  t.is(condition(s, 'Ready').status, 'True');
  t.is(condition(s, 'Ready').lastTransitionTime, T1);
  t.is(run(pod(), [{ record: started, runningSince: T0, probeReady: false }]).containerStatuses[0].ready, false, 'a prober can hold readiness back');
  const mounted = pod({ volumes: [{ name: 'cfg', configMap: { name: 'x' } }, { name: 'data', emptyDir: {} }], containers: [{ name: 'c', volumeMounts: [{ name: 'cfg', mountPath: '/etc/app' }, { name: 'data', mountPath: '/data' }] }] });
  t.deepEqual(run(mounted, [{ record: started, runningSince: T0 }]).containerStatuses[0].volumeMounts, [
    { name: 'cfg', mountPath: '/etc/app', readOnly: true, recursiveReadOnly: 'Disabled' }, { name: 'data', mountPath: '/data' },
  ], 'kubelet 1.31 lists the mounts of a made container');
  t.is(run(mounted, [{}]).containerStatuses[0].volumeMounts, undefined, 'none before it is made');
});

test('a crash-looping container is Running with CrashLoopBackOff and its last termination', (t) => {
  const s = run(pod(), [{ record: { ...started, restartCount: 3, terminated: ended(1) }, waiting: { reason: 'CrashLoopBackOff', message: 'back-off 40s restarting failed container=c pod=web_default(u1)' } }]);
  t.is(s.phase, 'Running');
  t.deepEqual(s.containerStatuses[0].state, { waiting: { reason: 'CrashLoopBackOff', message: 'back-off 40s restarting failed container=c pod=web_default(u1)' } });
  t.deepEqual(s.containerStatuses[0].lastState, { terminated: { exitCode: 1, reason: 'Error', startedAt: T0, finishedAt: T1, containerID: 'skerry://abc' } });
  t.is(s.containerStatuses[0].restartCount, 3);
});

test('restartPolicy Never: exit 0 is Succeeded (Completed), exit 1 is Failed', (t) => {
  const ok = run(pod({ restartPolicy: 'Never' }), [{ record: { ...started, terminated: ended(0) } }]);
  t.is(ok.phase, 'Succeeded');
  t.is(ok.containerStatuses[0].state.terminated.reason, 'Completed');
  t.deepEqual([condition(ok, 'Ready').reason, condition(ok, 'ContainersReady').reason], ['PodCompleted', 'PodCompleted']);
  const bad = run(pod({ restartPolicy: 'Never' }), [{ record: { ...started, terminated: ended(2) } }]);
  t.is(bad.phase, 'Failed');
  t.is(condition(bad, 'Ready').reason, 'PodFailed');
  t.is(run(pod({ restartPolicy: 'OnFailure' }), [{ record: { ...started, terminated: ended(2) } }]).phase, 'Running', 'OnFailure restarts it');
});

test('config errors show as waiting reasons; a pod being deleted ends Failed or Succeeded', (t) => {
  const s = run(pod(), [{ waiting: { reason: 'CreateContainerConfigError', message: 'secret "nope" not found' } }]);
  t.is(s.phase, 'Pending');
  t.deepEqual(s.containerStatuses[0].state, { waiting: { reason: 'CreateContainerConfigError', message: 'secret "nope" not found' } });
  const killed = run(pod(), [{ record: { ...started, terminated: ended(143) } }], { deleting: true });
  t.is(killed.phase, 'Failed');
  t.is(killed.containerStatuses[0].state.terminated.exitCode, 143, 'nothing restarts once deleting');
  t.is(run(pod(), [{ record: { ...started, terminated: ended(0) } }], { deleting: true }).phase, 'Succeeded');
});

test('init containers: PodInitializing while one runs, Initialized once all succeeded', (t) => {
  const p = pod({ initContainers: [{ name: 'i1' }, { name: 'i2' }] });
  const s = run(p, [{}], {}, [{ record: { ...started, terminated: ended(0) } }, { record: started, runningSince: T0 }]);
  t.is(s.phase, 'Pending');
  t.deepEqual(s.containerStatuses[0].state, { waiting: { reason: 'PodInitializing' } });
  t.is(s.initContainerStatuses[0].state.terminated.reason, 'Completed');
  t.deepEqual(s.initContainerStatuses.map((x: Json) => x.ready), [true, false], 'a completed init container is ready');
  t.deepEqual([condition(s, 'Initialized').status, condition(s, 'Initialized').message], ['False', 'containers with incomplete status: [i2]']);
  const failed = run({ ...p, spec: { ...p.spec, restartPolicy: 'Never' } }, [{}], {}, [{ record: { ...started, terminated: ended(1) } }, {}]);
  t.is(failed.phase, 'Failed');
  const done = run(p, [{ record: started, runningSince: T0 }], {}, [{ record: { ...started, terminated: ended(0) } }, { record: { ...started, terminated: ended(0) } }]);
  t.deepEqual([done.phase, condition(done, 'Initialized').status], ['Running', 'True']);
});

test('hostNetwork pods report the node address as their IP; condition times hold while the status does', (t) => {
  const p = pod({ hostNetwork: true });
  const record = { ...newPodRecord(p.metadata, T0), conditions: { Ready: { status: 'True' as const, lastTransitionTime: T0 } } };
  const { status, conditions } = podStatus({ pod: p, record, init: [], app: [{ spec: p.spec.containers[0]!, record: started, runningSince: T0 }], sandboxReady: true, facts: { hostIP: '10.0.0.9', podIP: '10.0.0.9' }, deleting: false, now: T1 });
  t.deepEqual([status.podIP, status.podIPs], ['10.0.0.9', [{ ip: '10.0.0.9' }]]);
  t.is(conditions.Ready!.lastTransitionTime, T0);
  t.is(conditions.ContainersReady!.lastTransitionTime, T1);
});

test('probes: a startup probe not passed yet leaves the container unstarted and unready; readiness decides ready', (t) => {
  const running = { record: started, runningSince: T0 };
  const unstarted = run(pod(), [{ ...running, probeStarted: false, probeReady: true }]);
  t.like(unstarted.containerStatuses[0], { started: false, ready: false, state: { running: { startedAt: T0 } } });
  t.like(condition(unstarted, 'Ready'), { status: 'False', reason: 'ContainersNotReady', message: 'containers with unready status: [c]' });
  const unready = run(pod(), [{ ...running, probeStarted: true, probeReady: false }]);
  t.like(unready.containerStatuses[0], { started: true, ready: false });
  t.is(unready.phase, 'Running');
  const ready = run(pod(), [{ ...running, probeStarted: true, probeReady: true }]);
  t.like(ready.containerStatuses[0], { started: true, ready: true });
  t.like(condition(ready, 'ContainersReady'), { status: 'True' });
});
