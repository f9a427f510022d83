// The pod manager end to end: the built server, an agent process with its own runtime and
// pods roots, the busybox image imported into the agent, and pods made through the API.
// Each test says what the kubelet would show; each removes every container, mount, cgroup
// and namespace file it made, also when it fails.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import test from 'ava';
import { mountsUnder, unmountAll } from '../edge-agent/pods/host/mounts.ts';
import { becomeChildSubreaper, findContainerCgroup, listContainers } from '../native/index.ts';
import { api, sleep, waitUntil, watchObject } from './helpers/cluster.ts';
import {
  agentOutbox, buildBusyboxLayout, create, createPod, eventsOf, IMAGE, killContainers, logOf, runtimeRecord, startPodCluster, waitForPod, type PodObject,
} from './helpers/pods.ts';
import { SKERRY } from './helpers/skerry.ts';

const why = process.getuid?.() !== 0 ? 'needs root (namespaces, mounts, cgroups)'
  : !fs.existsSync(SKERRY) ? 'needs the build (npm run build)'
  : !fs.existsSync('/bin/busybox') ? 'needs busybox-static for the test image' : undefined;
const podTest = why ? test.skip : test.serial;
const NEEDS = why ? ` (skipped: ${why})` : '';

let layout = '';
let work = '';
test.before(async () => {
  if (why) return;
  // Shims orphaned by an agent killed with -9 become ours to reap, as under systemd.
  becomeChildSubreaper();
  work = fs.mkdtempSync(path.join(os.tmpdir(), 'skerry-pods-image-'));
  layout = await buildBusyboxLayout(work);
});
test.after.always(() => void (work && fs.rmSync(work, { recursive: true, force: true })));

const container = (command: string, extra: Record<string, unknown> = {}) => ({ name: 'c', image: IMAGE, command: ['sh', '-c', command], ...extra });
const status0 = (p: PodObject) => p.status?.containerStatuses?.[0];

podTest(`a pod runs: Running with the kubelet's container status, hostIP, and the pod name as hostname${NEEDS}`, async (t) => {
  const c = await startPodCluster(t, 'run', layout);
  const created = await createPod(c, 'web', { containers: [container('hostname; echo ready; exec sleep 3600')] });
  const pod = await waitForPod(c, 'web', 'Running and ready', (p) => p.status?.phase === 'Running' && status0(p)?.ready === true);
  const s = status0(pod);
  t.is(s.name, 'c');
  t.is(s.image, `docker.io/library/${IMAGE}`);
  t.regex(s.imageID, /^docker\.io\/library\/busybox@sha256:[0-9a-f]{64}$/);
  t.regex(s.containerID, /^skerry:\/\/[0-9a-f]{64}$/);
  t.is(s.restartCount, 0);
  t.true(s.started);
  t.truthy(s.state.running.startedAt);
  t.deepEqual(s.lastState, {});
  t.is(pod.status!.hostIP, '127.0.0.1');
  t.deepEqual(pod.status!.hostIPs, [{ ip: '127.0.0.1' }]);
  t.is(pod.status!.podIP, undefined, 'no pod network yet');
  t.is(pod.status!.qosClass, 'BestEffort');
  t.truthy(pod.status!.startTime);
  t.deepEqual(pod.status!.conditions.map((x: { type: string; status: string }) => `${x.type}=${x.status}`), ['PodReadyToStartContainers=True', 'Initialized=True', 'Ready=True', 'ContainersReady=True', 'PodScheduled=True']);
  await waitUntil('the log', () => logOf(c, created, 'c').includes('ready'));
  t.regex(logOf(c, created, 'c'), /^\S+ stdout F web$/m, 'the hostname is the pod name');
  const events = await waitUntil('the kubelet events', async () => {
    const list = await eventsOf(c, 'web');
    return list.some((e) => e.startsWith('Started')) ? list : undefined;
  });
  t.true(events.includes(`Pulled: Container image "${IMAGE}" already present on machine`));
  t.true(events.includes('Created: Created container c'));
  t.true(events.includes('Started: Started container c'));
});

podTest(`env from a ConfigMap and a Secret, configMap and emptyDir volumes reach the container${NEEDS}`, async (t) => {
  const c = await startPodCluster(t, 'env', layout);
  await create(c, 'configmaps', { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'settings' }, data: { A: 'from-configmap', 'app.conf': 'port=8080' } });
  await create(c, 'secrets', { apiVersion: 'v1', kind: 'Secret', metadata: { name: 'creds' }, stringData: { B: 'from-secret' } });
  const script = 'echo "A=$A B=$B S_B=$S_B POD=$POD"; cat /etc/app/app.conf; echo; echo kept > /scratch/f; cat /scratch/f; exec sleep 3600';
  const pod = await createPod(c, 'envy', {
    volumes: [{ name: 'cfg', configMap: { name: 'settings' } }, { name: 'scratch', emptyDir: {} }],
    containers: [container(script, {
      env: [{ name: 'A', valueFrom: { configMapKeyRef: { name: 'settings', key: 'A' } } }, { name: 'B', valueFrom: { secretKeyRef: { name: 'creds', key: 'B' } } }, { name: 'POD', valueFrom: { fieldRef: { fieldPath: 'metadata.name' } } }],
      envFrom: [{ prefix: 'S_', secretRef: { name: 'creds' } }],
      volumeMounts: [{ name: 'cfg', mountPath: '/etc/app' }, { name: 'scratch', mountPath: '/scratch' }],
    })],
  });
  await waitForPod(c, 'envy', 'Running', (p) => p.status?.phase === 'Running');
  const log = await waitUntil('the output', () => (logOf(c, pod, 'c').includes('kept') ? logOf(c, pod, 'c') : undefined));
  t.regex(log, /stdout F A=from-configmap B=from-secret S_B=from-secret POD=envy$/m);
  t.regex(log, /stdout [PF] port=8080$/m, 'the configMap key is a file');
  t.regex(log, /stdout F kept$/m);
});

podTest(`a container that exits 1 under restartPolicy Always goes into CrashLoopBackOff, its restartCount rising${NEEDS}`, async (t) => {
  const c = await startPodCluster(t, 'crash', layout);
  const pod = await createPod(c, 'crashy', { containers: [container('echo crashing; exit 1')] });
  const looping = await waitForPod(c, 'crashy', 'CrashLoopBackOff', (p) => status0(p)?.state?.waiting?.reason === 'CrashLoopBackOff' && status0(p).restartCount >= 2);
  const s = status0(looping);
  t.is(looping.status!.phase, 'Running', 'the kubelet keeps a restarting pod Running');
  t.regex(s.state.waiting.message, /^back-off \d+(ms|s|\.\d+s) restarting failed container=c pod=crashy_default\(/);
  t.is(s.lastState.terminated.exitCode, 1);
  t.is(s.lastState.terminated.reason, 'Error');
  t.false(s.ready);
  const later = await waitForPod(c, 'crashy', 'more restarts', (p) => status0(p)?.restartCount > s.restartCount + 1);
  t.true(status0(later).restartCount > s.restartCount);
  t.regex(logOf(c, pod, 'c', 0), /crashing/, 'each attempt has its own log (0.log, 1.log, …)');
  t.regex(logOf(c, pod, 'c', 1), /crashing/);
  t.true((await eventsOf(c, 'crashy')).some((e) => e.startsWith('BackOff: Back-off restarting failed container c in pod crashy_default(')));
});

podTest(`init containers run to completion first; a failing one under restartPolicy Never fails the pod${NEEDS}`, async (t) => {
  const c = await startPodCluster(t, 'init', layout);
  const shared = { volumes: [{ name: 'work', emptyDir: {} }] };
  const mount = { volumeMounts: [{ name: 'work', mountPath: '/work' }] };
  const pod = await createPod(c, 'staged', {
    ...shared,
    initContainers: [{ name: 'prepare', image: IMAGE, command: ['sh', '-c', 'echo prepared > /work/ready'], ...mount }],
    containers: [container('cat /work/ready; exec sleep 3600', mount)],
  });
  const running = await waitForPod(c, 'staged', 'Running', (p) => p.status?.phase === 'Running');
  const init = running.status!.initContainerStatuses[0];
  t.is(init.state.terminated.reason, 'Completed');
  t.is(init.state.terminated.exitCode, 0);
  t.true(init.ready, 'a completed init container is ready, as the kubelet reports it');
  t.is(running.status!.conditions.find((x: { type: string }) => x.type === 'Initialized').status, 'True');
  await waitUntil('the app read what the init container wrote', () => logOf(c, pod, 'c').includes('prepared'));

  await createPod(c, 'broken', { restartPolicy: 'Never', initContainers: [{ name: 'fail', image: IMAGE, command: ['sh', '-c', 'exit 3'] }], containers: [container('exec sleep 3600')] });
  const failed = await waitForPod(c, 'broken', 'Failed', (p) => p.status?.phase === 'Failed');
  t.is(failed.status!.initContainerStatuses[0].state.terminated.exitCode, 3);
  t.deepEqual(status0(failed).state, { waiting: { reason: 'PodInitializing' } }, 'the app container never started');
});

podTest(`an image that cannot be pulled gives ErrImagePull, then ImagePullBackOff, and no sandbox${NEEDS}`, async (t) => {
  const c = await startPodCluster(t, 'pull', layout);
  const image = '127.0.0.1:1/nowhere/app:1';
  const pod = await createPod(c, 'unpullable', { containers: [{ name: 'c', image }] });
  const failed = await waitForPod(c, 'unpullable', 'ErrImagePull', (p) => status0(p)?.state?.waiting?.reason === 'ErrImagePull');
  t.regex(status0(failed).state.waiting.message, /127\.0\.0\.1:1/);
  const backingOff = await waitForPod(c, 'unpullable', 'ImagePullBackOff', (p) => status0(p)?.state?.waiting?.reason === 'ImagePullBackOff');
  t.regex(status0(backingOff).state.waiting.message, /^Back-off pulling image "127\.0\.0\.1:1\/nowhere\/app:1": ErrImagePull: /);
  t.is(backingOff.status!.phase, 'Pending');
  const events = await eventsOf(c, 'unpullable');
  t.true(events.includes(`Pulling: Pulling image "${image}"`));
  t.true(events.some((e) => e.startsWith(`Failed: Failed to pull image "${image}": `)));
  t.true(events.includes('Failed: Error: ErrImagePull'));
  t.true(events.includes(`BackOff: Back-off pulling image "${image}"`));
  t.false(fs.existsSync(path.join(c.podsRoot, pod.metadata.uid)), 'nothing of the pod is made before its images are there');
});

podTest(`a Job-style pod (restartPolicy Never, exit 0) ends Succeeded, Completed, its sandbox removed${NEEDS}`, async (t) => {
  const c = await startPodCluster(t, 'job', layout);
  const pod = await createPod(c, 'once', { restartPolicy: 'Never', containers: [container('echo done')] });
  const done = await waitForPod(c, 'once', 'Succeeded', (p) => p.status?.phase === 'Succeeded');
  const s = status0(done);
  t.is(s.state.terminated.exitCode, 0);
  t.is(s.state.terminated.reason, 'Completed');
  t.truthy(s.state.terminated.finishedAt);
  t.is(s.restartCount, 0);
  const ready = done.status!.conditions.find((x: { type: string }) => x.type === 'Ready');
  t.is(ready.reason, 'PodCompleted');
  await waitUntil('the sandbox removed', () => !fs.existsSync(path.join(c.podsRoot, pod.metadata.uid)));
  t.deepEqual(listContainers(c.runtimeRoot), [], 'the ended container is removed from the runtime');
  await sleep(1_000);
  t.is((await waitForPod(c, 'once', 'still Succeeded', () => true)).status!.phase, 'Succeeded', 'and it stays Succeeded');
});

podTest(`a missing Secret gives CreateContainerConfigError; once it exists the pod starts${NEEDS}`, async (t) => {
  const c = await startPodCluster(t, 'config', layout);
  await createPod(c, 'needs-secret', { containers: [container('echo $X; exec sleep 3600', { env: [{ name: 'X', valueFrom: { secretKeyRef: { name: 'later', key: 'x' } } }] })] });
  const waiting = await waitForPod(c, 'needs-secret', 'CreateContainerConfigError', (p) => status0(p)?.state?.waiting?.reason === 'CreateContainerConfigError');
  t.is(status0(waiting).state.waiting.message, 'secret "later" not found');
  t.is(waiting.status!.phase, 'Pending');
  t.true((await eventsOf(c, 'needs-secret')).includes('Failed: Error: secret "later" not found'));
  await create(c, 'secrets', { apiVersion: 'v1', kind: 'Secret', metadata: { name: 'later' }, stringData: { x: 'here' } });
  await waitForPod(c, 'needs-secret', 'Running once the Secret arrived', (p) => p.status?.phase === 'Running');
  t.pass();
});

podTest(`deleting a pod stops it with SIGTERM and removes its namespaces, mounts and cgroups${NEEDS}`, async (t) => {
  const c = await startPodCluster(t, 'delete', layout);
  const script = 'trap "echo got-term; exit 0" TERM; echo up; while true; do sleep 0.1; done';
  const pod = await createPod(c, 'stopper', { terminationGracePeriodSeconds: 20, volumes: [{ name: 'm', emptyDir: { medium: 'Memory' } }], containers: [container(script, { volumeMounts: [{ name: 'm', mountPath: '/m' }] })] });
  const running = await waitForPod(c, 'stopper', 'Running', (p) => p.status?.phase === 'Running');
  const id = status0(running).containerID.replace('skerry://', '');
  t.true(fs.existsSync(path.join(c.podsRoot, pod.metadata.uid, 'ns', 'net')));
  t.true(mountsUnder(path.join(c.podsRoot, pod.metadata.uid)).length >= 4, 'net, ipc and uts namespace files and the tmpfs are mounts');
  t.truthy(findContainerCgroup(id));
  const watch = watchObject(c.server, '/api/v1/namespaces/default/pods', 'stopper');
  t.teardown(() => watch.close());
  const askedAt = Date.now();
  t.is((await api(c.server, 'DELETE', '/api/v1/namespaces/default/pods/stopper')).status, 200);
  // Once the node reports nothing running, it finishes the deletion, as the kubelet does.
  await waitUntil('the pod gone from the API', () => watch.events.some((e) => e.type === 'DELETED'), 20_000);
  t.true(Date.now() - askedAt < 15_000, 'the container ended on SIGTERM, well before the grace period');
  const last = watch.events.filter((e) => e.type === 'DELETED').pop()!.object;
  t.is(last.status.containerStatuses[0].state.terminated.exitCode, 0, 'the trap ran: exit 0 on SIGTERM');
  t.is(last.status.phase, 'Succeeded', 'a deleted pod whose containers all exited 0');
  await waitUntil('the pod dir removed', () => !fs.existsSync(path.join(c.podsRoot, pod.metadata.uid)));
  t.deepEqual(mountsUnder(c.podsRoot), []);
  t.is(findContainerCgroup(id), undefined);
  t.false(fs.existsSync(path.join(c.runtimeRoot, id)));
  t.false(fs.existsSync(path.join(c.agentDir, 'images', 'containers', id)), 'the overlay rootfs is gone');
  t.true((await eventsOf(c, 'stopper')).includes('Killing: Stopping container c'));
  await waitUntil('the node forgot the pod', () => !fs.existsSync(path.join(c.agentDir, 'pod-state', pod.metadata.uid)) && !fs.existsSync(path.join(c.agentDir, 'pods', `default_stopper_${pod.metadata.uid}`)));
});

podTest(`an agent killed with -9 and started again takes its running containers over, restarting none${NEEDS}`, async (t) => {
  const c = await startPodCluster(t, 'adopt', layout);
  await createPod(c, 'steady', { containers: [container('exec sleep 3600')] });
  const before = status0(await waitForPod(c, 'steady', 'Running', (p) => p.status?.phase === 'Running'));
  const pid = runtimeRecord(c, before.containerID)!.pid;
  await c.agent.stop('SIGKILL');
  const agent = c.restartAgent();
  await agent.waitForLog((l) => l.msg === 'adopted containers', 30_000);
  await sleep(1_500);
  const after = status0(await waitForPod(c, 'steady', 'still Running', (p) => p.status?.phase === 'Running'));
  t.is(after.containerID, before.containerID);
  t.is(after.restartCount, 0);
  t.is(after.state.running.startedAt, before.state.running.startedAt);
  t.is(runtimeRecord(c, after.containerID)!.pid, pid);
  t.true(fs.existsSync(`/proc/${pid}`), 'the same process still runs');
});

podTest(`after a simulated reboot the agent starts every pod again from its local cache, with the server down${NEEDS}`, async (t) => {
  const c = await startPodCluster(t, 'reboot', layout);
  const pod = await createPod(c, 'survivor', { containers: [container('exec sleep 3600')] });
  const before = status0(await waitForPod(c, 'survivor', 'Running', (p) => p.status?.phase === 'Running'));
  await c.agent.stop('SIGKILL');
  await killContainers(c.runtimeRoot);
  await c.server.crash();
  // What a reboot clears: /run (runtime and pods roots, with the namespace files mounted there).
  unmountAll(c.podsRoot);
  for (const dir of [c.runtimeRoot, c.podsRoot]) fs.rmSync(dir, { recursive: true, force: true });

  const agent = c.restartAgent();
  await agent.waitForLog((l) => l.msg === 'pod manager started', 30_000);
  const running = await waitUntil('the pod running again, without the server', () => listContainers(c.runtimeRoot).find((x) => x.running() && x.record.annotations['io.kubernetes.pod.uid'] === pod.metadata.uid), 30_000);
  t.not(running.record.id, before.containerID.replace('skerry://', ''));
  t.is(running.record.annotations['io.kubernetes.container.restartCount'], '1');
  const queued = await waitUntil('a Running status in the outbox', () => agentOutbox(c.agentDir).find((r) => r.key === 'pod/default/survivor' && r.status?.phase === 'Running'));
  t.truthy(queued);

  await c.server.restart();
  const after = status0(await waitForPod(c, 'survivor', 'Running, reported after the server returned', (p) => status0(p)?.containerID === `skerry://${running.record.id}`, 60_000));
  t.is(after.restartCount, 1);
  t.is(after.lastState.terminated.reason, 'Unknown');
  t.is(after.lastState.terminated.exitCode, 255);
  t.is(after.lastState.terminated.containerID, before.containerID);
});
