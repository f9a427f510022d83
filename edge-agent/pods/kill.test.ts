// Stopping one container: the order of preStop, stop signal and SIGKILL, and their timing,
// against a stand-in container that records the signals it gets.
import test from 'ava';
import { componentLogger } from '../../common/index.ts';
import type { Container } from '../../native/index.ts';
import type { Prober } from './context.ts';
import { clearStopping, killGraceMs, shortenGrace, stopContainer } from './kill.ts';
import type { LiveSlot } from './slot.ts';
import type { Pod } from './types.ts';
import type { PodWorker } from './worker.ts';

const pod: Pod = { metadata: { name: 'p', namespace: 'default', uid: 'u' }, spec: { containers: [{ name: 'c' }] } };
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** A worker and a running slot; `hook` plays the preStop handler. */
function setup(hook?: (signal: AbortSignal) => Promise<string | undefined>) {
  const signals: Array<[string, number]> = [];
  const events: string[] = [];
  const started = Date.now();
  const handle = { kill: (s: string) => void signals.push([s, Date.now() - started]) } as unknown as Container;
  const prober: Prober = { watch: () => ({ started: true, ready: true, stop: () => undefined }), runHook: (_, __, signal) => hook!(signal) };
  const w = {
    ctx: { record: (_p: Pod, _t: unknown, _type: string, reason: string, message: string) => events.push(`${reason}: ${message}`), log: componentLogger('kill-test'), ...(hook && { prober }) },
    lastSpec: pod, name: 'default/p', active: true, hookTarget: () => ({}),
  } as unknown as PodWorker;
  const slot = { kind: 'app', spec: { name: 'c', ...(hook && { lifecycle: { preStop: { exec: { command: ['x'] } } } }) }, record: { restartCount: 0 }, handle } as LiveSlot;
  return { w, slot, signals, events, names: () => signals.map(([s]) => s) };
}

test('the grace comes from the deletion, else the failed probe, else the pod', (t) => {
  t.is(killGraceMs(pod), 30_000);
  t.is(killGraceMs({ ...pod, spec: { ...pod.spec, terminationGracePeriodSeconds: 5 } }, 2), 2_000);
  t.is(killGraceMs({ ...pod, metadata: { ...pod.metadata, deletionGracePeriodSeconds: 1 }, spec: { ...pod.spec, terminationGracePeriodSeconds: 5 } }, 2), 1_000);
});

test('without preStop: Killing, the stop signal at once, SIGKILL when the grace is over; no grace: SIGKILL only', async (t) => {
  const s = setup();
  stopContainer(s.w, s.slot, 'Stopping container c', 300);
  t.deepEqual(s.events, ['Killing: Stopping container c']);
  t.deepEqual(s.names(), ['SIGTERM']);
  stopContainer(s.w, s.slot, 'again', 0);
  t.is(s.events.length, 1, 'a container already stopping keeps its stop');
  await sleep(500);
  t.deepEqual(s.names(), ['SIGTERM', 'SIGKILL']);
  t.true(s.signals[1]![1] >= 290);
  const now = setup();
  stopContainer(now.w, now.slot, 'Stopping container c', 0);
  t.deepEqual(now.names(), ['SIGKILL']);
});

test('preStop runs before the stop signal; SIGKILL comes no sooner than 2 s after it', async (t) => {
  let hookEnded = 0;
  const s = setup(async () => {
    await sleep(200);
    hookEnded = Date.now();
    return undefined;
  });
  stopContainer(s.w, s.slot, 'Stopping container c', 500);
  await sleep(100);
  t.deepEqual(s.names(), [], 'nothing while the hook runs');
  await sleep(300);
  t.deepEqual(s.names(), ['SIGTERM']);
  await sleep(1_100);
  t.deepEqual(s.names(), ['SIGTERM'], 'the 500 ms grace is over, but the 2 s after the hook are not');
  await sleep(1_000);
  t.deepEqual(s.names(), ['SIGTERM', 'SIGKILL']);
  t.true(Date.now() - hookEnded >= 2_000);
  t.false(s.events.some((e) => e.startsWith('FailedPreStopHook')));
});

test('a preStop hook still running when the grace ends is cut short; a failed one is a FailedPreStopHook event', async (t) => {
  const s = setup((signal) => new Promise((resolve) => signal.addEventListener('abort', () => resolve('cut short'))));
  stopContainer(s.w, s.slot, 'Stopping container c', 200);
  await sleep(350);
  t.deepEqual(s.names(), ['SIGTERM']);
  t.deepEqual(s.events, ['Killing: Stopping container c', 'FailedPreStopHook: PreStopHook failed']);
  clearStopping(s.slot);
});

test('a shorter grace (a forced deletion) kills at once, hook or not', async (t) => {
  let aborted = false;
  const s = setup((signal) => new Promise((resolve) => signal.addEventListener('abort', () => ((aborted = true), resolve(undefined)))));
  stopContainer(s.w, s.slot, 'Stopping container c', 30_000);
  shortenGrace(s.slot, Date.now());
  t.deepEqual(s.names(), ['SIGKILL']);
  t.true(aborted);
  await sleep(50);
  t.deepEqual(s.names(), ['SIGKILL'], 'no stop signal after the kill');
});
