import test from 'ava';
import { isDaemonVerb, limitHeapRetention } from './process-memory.ts';

test('the server and agent verbs tune the C heap; other verbs and help do not', (t) => {
  t.true(isDaemonVerb(['server', '--data-dir', '/x']));
  t.true(isDaemonVerb(['agent', '--server', 'https://s']));
  t.false(isDaemonVerb(['get', 'pods']));
  t.false(isDaemonVerb(['version']));
  t.false(isDaemonVerb([]));
  t.false(isDaemonVerb(['server', '--help']));
  t.false(isDaemonVerb(['agent', '-h']));
});

test('tuning the C heap for a daemon verb goes through on this machine', (t) => {
  t.notThrows(() => limitHeapRetention(['server']));
});
