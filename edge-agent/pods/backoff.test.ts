import test from 'ava';
import { backoffRemaining, goDuration, KUBELET_BACKOFF, nextBackoff, type BackoffEntry } from './backoff.ts';

test('restarts back off as the kubelet does: immediate, then 10 s doubling to 5 min', (t) => {
  let entry: BackoffEntry | undefined;
  let now = 1_000_000;
  const waits: number[] = [];
  for (let crash = 0; crash < 9; crash++) {
    const finishedAt = now;
    const wait = backoffRemaining(entry, finishedAt, now, KUBELET_BACKOFF);
    waits.push(wait);
    now += wait;
    entry = nextBackoff(entry, finishedAt, now, KUBELET_BACKOFF);
    now += 1_000; // the container runs a second, then crashes again
  }
  t.deepEqual(waits.map((w) => w / 1000), [0, 10, 20, 40, 80, 160, 300, 300, 300]);
});

test('an entry idle for twice the maximum starts over; a restart within it does not', (t) => {
  const entry: BackoffEntry = { delayMs: 160_000, lastUpdate: 0 };
  t.is(backoffRemaining(entry, 600_001, 600_001, KUBELET_BACKOFF), 0);
  t.is(nextBackoff(entry, 600_001, 600_001, KUBELET_BACKOFF).delayMs, 10_000);
  t.is(nextBackoff(entry, 599_000, 599_000, KUBELET_BACKOFF).delayMs, 300_000);
  t.is(backoffRemaining(entry, 100_000, 150_000, KUBELET_BACKOFF), 110_000);
});

test('a short test policy doubles the same way', (t) => {
  const policy = { initialMs: 200, maxMs: 6_000 };
  let entry = nextBackoff(undefined, 0, 0, policy);
  const delays = [entry.delayMs];
  for (let i = 0; i < 6; i++) delays.push((entry = nextBackoff(entry, 1, 1, policy)).delayMs);
  t.deepEqual(delays, [200, 400, 800, 1600, 3200, 6000, 6000]);
});

test('durations print as Go prints them in kubelet messages', (t) => {
  t.deepEqual([10_000, 20_000, 80_000, 160_000, 300_000, 200, 1_600, 3_700_000, 0].map(goDuration), ['10s', '20s', '1m20s', '2m40s', '5m0s', '200ms', '1.6s', '1h1m40s', '0s']);
});
