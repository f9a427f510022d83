// The prober workers against a fake clock: ticks, initial delay, thresholds, startup
// gating, restarts and the verdicts the pod manager gets, without waiting in real time.
import test from 'ava';
import { componentLogger } from '../../common/index.ts';
import type { KubeContainer, ProbeKind, ProbeTarget } from '../pods/index.ts';
import type { Clock } from './clock.ts';
import type { ProbeResult } from './state.ts';
import { watchContainer, type RunProbe } from './worker.ts';

class FakeClock implements Clock {
  t = 0;
  private seq = 0;
  private timers = new Map<number, { at: number; fn: () => void }>();
  now = () => this.t;
  setTimeout = (fn: () => void, ms: number) => (this.timers.set(++this.seq, { at: this.t + Math.max(0, ms), fn }), this.seq);
  clearTimeout = (id: unknown) => void this.timers.delete(id as number);

  /** Moves time on, firing due timers in order, letting promises settle between them. */
  async advance(ms: number): Promise<void> {
    const end = this.t + ms;
    for (;;) {
      await new Promise((resolve) => setImmediate(resolve));
      const due = [...this.timers].filter(([, x]) => x.at <= end).sort((a, b) => a[1].at - b[1].at || a[0] - b[0])[0];
      if (!due) break;
      this.timers.delete(due[0]);
      this.t = due[1].at;
      due[1].fn();
    }
    this.t = end;
    await new Promise((resolve) => setImmediate(resolve));
  }
}

interface Seen {
  runs: Array<[ProbeKind, number]>;
  ready: boolean[];
  started: boolean[];
  restarts: Array<[string, number | undefined]>;
}

/** A container with these probes; `answer` says what each probe run gives. */
function setup(container: Omit<KubeContainer, 'name'>, answer: (kind: ProbeKind, n: number, now: number) => ProbeResult | undefined | Promise<ProbeResult | undefined>, terminating = () => false) {
  const clock = new FakeClock();
  const seen: Seen = { runs: [], ready: [], started: [], restarts: [] };
  const counts = new Map<ProbeKind, number>();
  const run: RunProbe = async (kind) => {
    counts.set(kind, (counts.get(kind) ?? 0) + 1);
    seen.runs.push([kind, clock.t]);
    return answer(kind, counts.get(kind)!, clock.t);
  };
  const target = {
    pod: { metadata: { name: 'p', namespace: 'default', uid: 'u' }, spec: { containers: [] } },
    container: { name: 'c', ...container }, handle: {} as never, network: {}, startedAtMs: 0,
    setReady: (r: boolean) => seen.ready.push(r), setStarted: (s: boolean) => seen.started.push(s),
    restart: (kind: string, grace: number | undefined) => seen.restarts.push([kind, grace]),
    event: () => undefined, terminating,
  } as ProbeTarget;
  const watch = watchContainer(target, { clock, log: componentLogger('probes-test'), run });
  return { clock, seen, watch, runsOf: (kind: ProbeKind) => seen.runs.filter(([k]) => k === kind).map(([, at]) => at) };
}

test('the first verdicts: without probes started and ready; a readiness probe starts unready, a startup probe unstarted', (t) => {
  const none = setup({}, () => 'success');
  t.like(none.watch, { started: true, ready: true });
  const both = setup({ readinessProbe: { exec: { command: ['true'] } }, startupProbe: { exec: { command: ['true'] } } }, () => 'success');
  t.like(both.watch, { started: false, ready: false });
  none.watch.stop();
  both.watch.stop();
});

test('probes tick every periodSeconds from the start, the first once initialDelaySeconds passed', async (t) => {
  const s = setup({ readinessProbe: { exec: { command: ['x'] }, initialDelaySeconds: 3, periodSeconds: 2 } }, () => 'success');
  await s.clock.advance(10_000);
  t.deepEqual(s.runsOf('readiness'), [4_000, 6_000, 8_000, 10_000], 'ticks at 0, 2, 4 …; those before 3 s wait');
  t.deepEqual(s.seen.ready, [true]);
  s.watch.stop();
  await s.clock.advance(10_000);
  t.is(s.runsOf('readiness').length, 4, 'nothing runs after stop');
});

test('readiness flips with successThreshold and failureThreshold', async (t) => {
  const failingFrom = 5;
  const s = setup({ readinessProbe: { exec: { command: ['x'] }, periodSeconds: 1, successThreshold: 2, failureThreshold: 3 } }, (_, n) => (n < failingFrom ? 'success' : 'failure'));
  await s.clock.advance(1_000);
  t.deepEqual(s.seen.ready, [true], 'ready after the second success (t=0, t=1s)');
  await s.clock.advance(5_000);
  t.deepEqual(s.seen.ready, [true, false], 'unready after the third failure in a row (t=4, 5, 6 s)');
  t.is(s.clock.t, 6_000);
  s.watch.stop();
});

test('a liveness failure at the threshold asks once for a restart, with the probe\'s grace, then holds', async (t) => {
  const s = setup({ livenessProbe: { exec: { command: ['x'] }, periodSeconds: 1, failureThreshold: 3, terminationGracePeriodSeconds: 7 } }, (_, n) => (n <= 2 ? 'success' : 'failure'));
  await s.clock.advance(10_000);
  t.deepEqual(s.seen.restarts, [['liveness', 7]]);
  t.deepEqual(s.runsOf('liveness'), [0, 1_000, 2_000, 3_000, 4_000], 'no probe after the failure was published');
  s.watch.stop();
});

test('an errored probe does not count towards a threshold', async (t) => {
  const s = setup({ livenessProbe: { exec: { command: ['x'] }, periodSeconds: 1, failureThreshold: 3 } }, (_, n) => (n % 2 === 0 ? undefined : 'failure'));
  await s.clock.advance(3_000);
  t.deepEqual(s.seen.restarts, [], 'failure, error, failure, error: two failures so far, the errors neither count nor break the run');
  await s.clock.advance(1_000);
  t.deepEqual(s.seen.restarts, [['liveness', undefined]], 'the third failure, at 4 s');
  s.watch.stop();
});

test('the startup probe gates liveness and readiness; readiness runs as soon as it succeeded', async (t) => {
  const s = setup({
    startupProbe: { exec: { command: ['x'] }, periodSeconds: 1, failureThreshold: 10 },
    livenessProbe: { exec: { command: ['x'] }, periodSeconds: 5 },
    readinessProbe: { exec: { command: ['x'] }, periodSeconds: 5 },
  }, (kind, n) => (kind !== 'startup' || n >= 3 ? 'success' : 'failure'));
  await s.clock.advance(1_500);
  t.deepEqual(s.runsOf('liveness'), []);
  t.deepEqual(s.runsOf('readiness'), []);
  t.deepEqual(s.seen.started, []);
  await s.clock.advance(1_000);
  t.deepEqual(s.runsOf('startup'), [0, 1_000, 2_000], 'started on the third try; no startup probe after');
  t.deepEqual(s.seen.started, [true]);
  t.deepEqual(s.runsOf('readiness'), [2_000], 'readiness at once, not at its next tick');
  t.deepEqual(s.seen.ready, [true]);
  await s.clock.advance(10_000);
  t.deepEqual(s.runsOf('liveness'), [5_000, 10_000], 'liveness on its own ticks once started');
  t.deepEqual(s.runsOf('startup'), [0, 1_000, 2_000]);
  s.watch.stop();
});

test('a startup probe that never succeeds asks for a restart after failureThreshold tries', async (t) => {
  const s = setup({ startupProbe: { exec: { command: ['x'] }, periodSeconds: 2, failureThreshold: 3 }, livenessProbe: { exec: { command: ['x'] } } }, () => 'failure');
  await s.clock.advance(20_000);
  t.deepEqual(s.runsOf('startup'), [0, 2_000, 4_000]);
  t.deepEqual(s.seen.restarts, [['startup', undefined]]);
  t.deepEqual(s.runsOf('liveness'), [], 'liveness never ran');
  s.watch.stop();
});

test('during deletion liveness stops while readiness goes on', async (t) => {
  let deleting = false;
  const s = setup({ livenessProbe: { exec: { command: ['x'] }, periodSeconds: 1 }, readinessProbe: { exec: { command: ['x'] }, periodSeconds: 1 } }, () => 'success', () => deleting);
  await s.clock.advance(1_000);
  deleting = true;
  await s.clock.advance(3_000);
  t.deepEqual(s.runsOf('liveness'), [0, 1_000]);
  t.deepEqual(s.runsOf('readiness'), [0, 1_000, 2_000, 3_000, 4_000]);
  s.watch.stop();
});

test('a probe slower than its period never overlaps the next; the tick that came meanwhile runs right after', async (t) => {
  const s = setup({ readinessProbe: { exec: { command: ['x'] }, periodSeconds: 1, timeoutSeconds: 3 } }, (_, n) => new Promise((resolve) => {
    // The first run takes 2.5 s of fake time.
    if (n === 1) s.clock.setTimeout(() => resolve('success'), 2_500);
    else resolve('success');
  }));
  await s.clock.advance(4_000);
  t.deepEqual(s.runsOf('readiness'), [0, 2_500, 3_000, 4_000]);
  s.watch.stop();
});
