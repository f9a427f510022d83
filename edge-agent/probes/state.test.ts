import test from 'ava';
import { ProbeState, settingsOf } from './state.ts';

const settings = (over: Partial<ReturnType<typeof settingsOf>> = {}) => ({ ...settingsOf({}), ...over });
const at = (seconds: number, started = true, terminating = false) => ({ sinceStartMs: seconds * 1000, started, terminating });

test('settings take the API defaults, zero meaning unset as the API treats it', (t) => {
  t.deepEqual(settingsOf({}), { initialDelaySeconds: 0, periodSeconds: 10, timeoutSeconds: 1, successThreshold: 1, failureThreshold: 3 });
  t.deepEqual(settingsOf({ periodSeconds: 0, timeoutSeconds: 5, failureThreshold: 1, initialDelaySeconds: 7 }), { initialDelaySeconds: 7, periodSeconds: 10, timeoutSeconds: 5, successThreshold: 1, failureThreshold: 1 });
});

test('results start as the kubelet sets them: readiness failed, liveness succeeded, startup unknown', (t) => {
  t.is(new ProbeState('readiness', settings()).result, 'failure');
  t.is(new ProbeState('liveness', settings()).result, 'success');
  t.is(new ProbeState('startup', settings()).result, 'unknown');
});

test('initialDelaySeconds counts whole seconds since the container started', (t) => {
  const s = new ProbeState('readiness', settings({ initialDelaySeconds: 3 }));
  t.is(s.gate(at(2.999)), 'wait');
  t.is(s.gate(at(3)), 'probe');
});

test('the startup probe gates the others; it stops probing once the container started', (t) => {
  const startup = new ProbeState('startup', settings());
  const liveness = new ProbeState('liveness', settings());
  const readiness = new ProbeState('readiness', settings());
  t.is(startup.gate(at(0, false)), 'probe');
  t.is(liveness.gate(at(0, false)), 'wait');
  t.is(readiness.gate(at(0, false)), 'wait');
  t.is(startup.gate(at(0, true)), 'wait');
  t.is(liveness.gate(at(0, true)), 'probe');
  t.is(readiness.gate(at(0, true)), 'probe');
});

test('once the pod is being deleted, liveness and startup stop and readiness goes on', (t) => {
  t.is(new ProbeState('liveness', settings()).gate(at(5, true, true)), 'stop');
  t.is(new ProbeState('startup', settings()).gate(at(5, false, true)), 'stop');
  t.is(new ProbeState('readiness', settings()).gate(at(5, true, true)), 'probe');
});

test('a result is published only once its run reaches the threshold, and on every probe after', (t) => {
  const s = new ProbeState('readiness', settings({ successThreshold: 2, failureThreshold: 3 }));
  t.is(s.record('success'), undefined);
  t.is(s.record('success'), 'success');
  t.is(s.record('success'), 'success');
  t.is(s.record('failure'), undefined);
  t.is(s.record('failure'), undefined);
  t.is(s.result, 'success', 'below the failure threshold nothing changes');
  t.is(s.record('failure'), 'failure');
  t.is(s.record('success'), undefined, 'a run is counted afresh when the result changes');
  t.false(s.onHold, 'readiness never holds');
});

test('a liveness or startup failure at the threshold holds the worker and resets the run', (t) => {
  for (const kind of ['liveness', 'startup'] as const) {
    const s = new ProbeState(kind, settings({ failureThreshold: 2 }));
    t.is(s.record('failure'), undefined);
    t.is(s.record('failure'), 'failure');
    t.true(s.onHold);
    t.is(s.gate(at(100)), 'wait', `${kind} waits for a new container`);
  }
});
