// Probes and lifecycle hooks end to end: the built server, an agent process, the busybox
// image, pods made through the API, and what kubectl would see — containerStatuses[].ready
// and started, the Ready condition, restarts and the kubelet's events. Network probes reach
// the pod's loopback from inside its network namespace (pods have no IP yet). Each test
// removes every container, mount, cgroup and namespace file it made, also when it fails.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import test from 'ava';
import { becomeChildSubreaper } from '../native/index.ts';
import { api, waitUntil, watchObject } from './helpers/cluster.ts';
import { buildBusyboxLayout, createPod, eventsOf, IMAGE, logOf, startPodCluster, waitForPod, type PodObject } from './helpers/pods.ts';
import { SKERRY } from './helpers/skerry.ts';

const why = process.getuid?.() !== 0 ? 'needs root (namespaces, mounts, cgroups, setns)'
  : !fs.existsSync(SKERRY) ? 'needs the build (npm run build)'
  : !fs.existsSync('/bin/busybox') ? 'needs busybox-static for the test image' : undefined;
const probeTest = why ? test.skip : test.serial;
const NEEDS = why ? ` (skipped: ${why})` : '';
if (why) {
  test('probe and hook end-to-end tests are skipped', (t) => {
    t.log(`skipped: ${why}`);
    t.pass();
  });
}

let layout = '';
let work = '';
test.before(async () => {
  if (why) return;
  becomeChildSubreaper();
  work = fs.mkdtempSync(path.join(os.tmpdir(), 'skerry-probes-image-'));
  layout = await buildBusyboxLayout(work);
});
test.after.always(() => void (work && fs.rmSync(work, { recursive: true, force: true })));

type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any
const container = (command: string, extra: Json = {}) => ({ name: 'c', image: IMAGE, command: ['sh', '-c', command], ...extra });
const status0 = (p: PodObject) => p.status?.containerStatuses?.[0];
const condition = (p: PodObject, type: string) => p.status?.conditions?.find((c: Json) => c.type === type)?.status;
const running = (p: PodObject) => Boolean(status0(p)?.state?.running);

/** A dir of the test's, for hostPath volumes: the test changes what the container sees. */
function hostDir(t: { teardown(fn: () => void): void }, name: string): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), `skerry-probes-${name}-`));
  t.teardown(() => fs.rmSync(dir, { recursive: true, force: true }));
  return dir;
}

async function waitForEvent(c: Parameters<typeof eventsOf>[0], pod: string, want: (e: string) => boolean, what: string, timeoutMs = 30_000): Promise<string[]> {
  return waitUntil(what, async () => {
    const events = await eventsOf(c, pod);
    return events.some(want) ? events : undefined;
  }, timeoutMs);
}

probeTest(`a readiness httpGet probe against busybox httpd flips ready and the Ready condition with the file${NEEDS}`, async (t) => {
  const c = await startPodCluster(t, 'ready', layout);
  const www = hostDir(t, 'www');
  await createPod(c, 'web', {
    volumes: [{ name: 'www', hostPath: { path: www, type: 'Directory' } }],
    containers: [container('exec httpd -f -p 8080 -h /www', {
      ports: [{ name: 'http', containerPort: 8080 }],
      volumeMounts: [{ name: 'www', mountPath: '/www' }],
      readinessProbe: { httpGet: { path: '/ready', port: 'http' }, periodSeconds: 1, failureThreshold: 1 },
    })],
  });
  const unready = await waitForPod(c, 'web', 'Running, started, not ready', (p) => running(p) && status0(p).started === true && status0(p).ready === false);
  t.is(condition(unready, 'Ready'), 'False');
  t.is(condition(unready, 'ContainersReady'), 'False');
  await waitForEvent(c, 'web', (e) => e === 'Unhealthy: Readiness probe failed: HTTP probe failed with statuscode: 404', 'the 404 as an Unhealthy event');
  fs.writeFileSync(path.join(www, 'ready'), 'ok\n');
  const ready = await waitForPod(c, 'web', 'ready once /ready exists', (p) => status0(p)?.ready === true);
  t.is(condition(ready, 'Ready'), 'True');
  t.is(condition(ready, 'ContainersReady'), 'True');
  fs.rmSync(path.join(www, 'ready'));
  const again = await waitForPod(c, 'web', 'unready once /ready is gone', (p) => status0(p)?.ready === false);
  t.is(condition(again, 'Ready'), 'False');
  t.is(status0(again).restartCount, 0, 'readiness never restarts');
});

probeTest(`a liveness exec probe that starts failing restarts the container, with Unhealthy and Killing events${NEEDS}`, async (t) => {
  const c = await startPodCluster(t, 'live', layout);
  await createPod(c, 'sick', {
    terminationGracePeriodSeconds: 1,
    containers: [container('touch /tmp/healthy; sleep 3; rm -f /tmp/healthy; exec sleep 3600', {
      livenessProbe: { exec: { command: ['cat', '/tmp/healthy'] }, periodSeconds: 1, failureThreshold: 2 },
    })],
  });
  const restarted = await waitForPod(c, 'sick', 'restarted once', (p) => status0(p)?.restartCount >= 1 && running(p), 40_000);
  const s = status0(restarted);
  t.is(s.restartCount, 1);
  // sh as pid 1 ignores SIGTERM: the grace of 1 s ends in SIGKILL.
  t.is(s.lastState.terminated.exitCode, 137);
  t.is(s.lastState.terminated.reason, 'Error');
  const events = await waitForEvent(c, 'sick', (e) => e.startsWith('Killing:'), 'the Killing event');
  t.true(events.includes("Unhealthy: Liveness probe failed: cat: can't open '/tmp/healthy': No such file or directory\n"), events.join('\n'));
  t.true(events.includes('Killing: Container c failed liveness probe, will be restarted'));
});

probeTest(`a startup probe gates liveness and readiness until it succeeds${NEEDS}`, async (t) => {
  const c = await startPodCluster(t, 'startup', layout);
  const watch = watchObject(c.server, '/api/v1/namespaces/default/pods', 'slow');
  t.teardown(() => watch.close());
  await createPod(c, 'slow', {
    terminationGracePeriodSeconds: 1,
    containers: [container('sleep 4; touch /tmp/started; exec sleep 3600', {
      startupProbe: { exec: { command: ['test', '-f', '/tmp/started'] }, periodSeconds: 1, failureThreshold: 30 },
      // Would kill the container at its first run, and make it ready at once, were they not gated.
      livenessProbe: { exec: { command: ['test', '-f', '/tmp/started'] }, periodSeconds: 1, failureThreshold: 1 },
      readinessProbe: { exec: { command: ['true'] }, periodSeconds: 1 },
    })],
  });
  const done = await waitForPod(c, 'slow', 'started and ready', (p) => status0(p)?.started === true && status0(p)?.ready === true, 40_000);
  t.is(status0(done).restartCount, 0, 'liveness did not run before the startup probe passed');
  const statuses = watch.events.map((e) => e.object.status?.containerStatuses?.[0]).filter(Boolean);
  const gated = statuses.find((s) => s.state?.running && s.started === false);
  t.truthy(gated, 'a Running container was reported not started first');
  t.false(gated.ready);
  t.false((await eventsOf(c, 'slow')).some((e) => e.startsWith('Killing:')));
});

probeTest(`tcpSocket probes connect inside the pod's network namespace${NEEDS}`, async (t) => {
  const c = await startPodCluster(t, 'tcp', layout);
  await createPod(c, 'listener', {
    containers: [container('sleep 2; exec httpd -f -p 8080 -h /', { readinessProbe: { tcpSocket: { port: 8080 }, periodSeconds: 1 } })],
  });
  await createPod(c, 'deaf', {
    terminationGracePeriodSeconds: 1,
    containers: [container('exec sleep 3600', { livenessProbe: { tcpSocket: { port: 9999 }, periodSeconds: 1, failureThreshold: 1 } })],
  });
  const ready = await waitForPod(c, 'listener', 'ready once httpd listens', (p) => status0(p)?.ready === true);
  t.is(condition(ready, 'Ready'), 'True');
  t.true((await eventsOf(c, 'listener')).includes('Unhealthy: Readiness probe failed: dial tcp 127.0.0.1:8080: connect: connection refused'), 'unready while nothing listened');
  // The host's loopback does not answer for the pod: nothing of the pod listens there.
  const events = await waitForEvent(c, 'deaf', (e) => e.startsWith('Killing: Container c failed liveness probe'), 'the liveness kill');
  t.true(events.includes('Unhealthy: Liveness probe failed: dial tcp 127.0.0.1:9999: connect: connection refused'));
});

probeTest(`a postStart exec hook runs before the container counts as Running; it can write what the container reads${NEEDS}`, async (t) => {
  const c = await startPodCluster(t, 'poststart', layout);
  const pod = await createPod(c, 'hooked', {
    containers: [container('while [ ! -f /tmp/hook ]; do sleep 0.1; done; cat /tmp/hook; exec sleep 3600', {
      // Written aside and renamed: the container polls, and must not find the file made but not yet written.
      lifecycle: { postStart: { exec: { command: ['sh', '-c', 'sleep 1; echo from-post-start > /tmp/hook.new; mv /tmp/hook.new /tmp/hook'] } } },
    })],
  });
  const watch = watchObject(c.server, '/api/v1/namespaces/default/pods', 'hooked');
  t.teardown(() => watch.close());
  const up = await waitForPod(c, 'hooked', 'Running', (p) => running(p));
  t.true(status0(up).ready);
  const read = await waitUntil('the container read the hook\'s file', () => logOf(c, pod, 'c').includes('from-post-start'))
    .catch(async (error: Error) => {
      const now = await waitForPod(c, 'hooked', 'its status', () => true);
      throw new Error(`${error.message}; log ${JSON.stringify(logOf(c, pod, 'c'))}, status ${JSON.stringify(status0(now))}, events ${JSON.stringify(await eventsOf(c, 'hooked'))}`);
    });
  t.true(read);
  t.is(status0(await waitForPod(c, 'hooked', 'its status', () => true)).restartCount, 0);
  const events = await eventsOf(c, 'hooked');
  t.true(events.includes('Started: Started container c'), 'Started is recorded before the hook, as the kubelet does');
  t.false(events.some((e) => e.startsWith('FailedPostStartHook')));
});

probeTest(`a preStop exec hook runs before SIGTERM, its output in the container's log first${NEEDS}`, async (t) => {
  const c = await startPodCluster(t, 'prestop', layout);
  const script = 'trap "echo got-term; sleep 2; exit 0" TERM; echo up; while true; do sleep 0.1; done';
  const pod = await createPod(c, 'stopping', {
    terminationGracePeriodSeconds: 20,
    containers: [container(script, { lifecycle: { preStop: { exec: { command: ['sh', '-c', 'echo pre-stop-ran > /proc/1/fd/1; sleep 1'] } } } })],
  });
  await waitForPod(c, 'stopping', 'Running', (p) => running(p));
  await waitUntil('up in the log', () => logOf(c, pod, 'c').includes('up'));
  const asked = Date.now();
  t.is((await api(c.server, 'DELETE', '/api/v1/namespaces/default/pods/stopping')).status, 200);
  // The log goes with the pod once it is gone from the node: read it while the trap sleeps.
  const log = await waitUntil('got-term in the log', () => (logOf(c, pod, 'c').includes('got-term') ? logOf(c, pod, 'c') : undefined), 20_000);
  t.true(log.indexOf('pre-stop-ran') >= 0 && log.indexOf('pre-stop-ran') < log.indexOf('got-term'), log);
  t.true(Date.now() - asked >= 1_000, 'SIGTERM came after the hook\'s second');
  await waitUntil('the pod gone from the API', async () => (await api(c.server, 'GET', '/api/v1/namespaces/default/pods/stopping')).status === 404, 20_000);
  t.true(Date.now() - asked < 15_000, 'well within the grace period');
  t.false((await eventsOf(c, 'stopping')).some((e) => e.startsWith('FailedPreStopHook')));
});

probeTest(`a failing postStart hook gives FailedPostStartHook, kills the container and restarts it${NEEDS}`, async (t) => {
  const c = await startPodCluster(t, 'hookfail', layout);
  await createPod(c, 'badhook', {
    terminationGracePeriodSeconds: 1,
    containers: [container('exec sleep 3600', { lifecycle: { postStart: { exec: { command: ['sh', '-c', 'echo no >&2; exit 3'] } } } })],
  });
  const events = await waitForEvent(c, 'badhook', (e) => e === 'Killing: FailedPostStartHook', 'the kill after the hook failed');
  t.true(events.includes('FailedPostStartHook: PostStartHook failed'));
  await waitForPod(c, 'badhook', 'started again', (p) => status0(p)?.restartCount >= 1, 30_000);
  // The hook fails every time: the container is never reported running, only waiting between tries.
  const waiting = await waitForPod(c, 'badhook', 'waiting with the hook\'s error or backing off', (p) => ['PostStartHookError', 'CrashLoopBackOff'].includes(status0(p)?.state?.waiting?.reason), 30_000);
  t.is(status0(waiting).lastState.terminated.exitCode, 137, 'killed: sleep as pid 1 ignores SIGTERM, the grace of 1 s ended in SIGKILL');
  t.false(status0(waiting).ready);
});
