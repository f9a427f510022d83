import test from 'ava';
import { kernelConstants, probePidfd, resourceLimits, runChildSteps, runChildStepsAsync } from './index.ts';

const isRoot = process.getuid?.() === 0;

test('a child step program runs an exec and returns its exit code and output', (t) => {
  const outcome = runChildSteps([{ kind: 'exec', label: 'exec sh', path: '/bin/sh', argv: ['sh', '-c', 'echo out; echo err >&2; exit 3'] }]);
  t.is(outcome.exitCode, 3);
  t.is(outcome.signal, null);
  t.is(outcome.output, 'out\nerr\n');
});

test('a failing step is reported with its label, the errno name and the text', (t) => {
  const error = t.throws(() => runChildSteps([{ kind: 'exec', label: 'exec /nonexistent/x', path: '/nonexistent/x', argv: ['x'] }]));
  t.is(error!.message, 'exec /nonexistent/x: ENOENT (No such file or directory)');
  t.is((error as unknown as { errno: number }).errno, 2);
  t.is((error as unknown as { code: string }).code, 'ENOENT');
});

test('the async form forks on the thread pool: same outcome, same errors, no signal blocked in the child, the event loop free meanwhile', async (t) => {
  let ticks = 0;
  const ticker = setInterval(() => ticks++, 5);
  const outcome = await runChildStepsAsync([{ kind: 'exec', label: 'exec sh', path: '/bin/sh', argv: ['sh', '-c', 'sleep 0.2; grep SigBlk /proc/self/status; exit 4'] }]);
  clearInterval(ticker);
  t.is(outcome.exitCode, 4);
  t.is(outcome.output, 'SigBlk:\t0000000000000000\n');
  t.true(ticks >= 10, `${ticks} timer ticks while the child ran`);
  const error = await t.throwsAsync(runChildStepsAsync([{ kind: 'exec', label: 'exec /nonexistent/x', path: '/nonexistent/x', argv: ['x'] }]));
  t.is(error!.message, 'exec /nonexistent/x: ENOENT (No such file or directory)');
  t.is((error as unknown as { code: string }).code, 'ENOENT');
  t.throws(() => runChildStepsAsync([{ kind: 'fly', label: 'x' } as never]), { message: /steps\[0\]\.kind: must be/ });
});

test('bad step descriptions are refused with the field that is wrong', (t) => {
  t.throws(() => runChildSteps([{ kind: 'fly', label: 'x' } as never]), { message: /steps\[0\]\.kind: must be/ });
  t.throws(() => runChildSteps([{ kind: 'unshare', label: 'x', flags: 'all' } as never]), { message: /steps\[0\]\.flags: must be a number/ });
  t.throws(() => runChildSteps([{ kind: 'exec', label: 'x', path: '/bin/true', argv: [] }]), { message: /exec needs a path and a non-empty argv/ });
});

(isRoot ? test : test.skip)('a child can unshare a network namespace without touching ours (needs root)', (t) => {
  const { CLONE_NEWNET } = kernelConstants();
  const outcome = runChildSteps([
    { kind: 'unshare', label: 'unshare net', flags: CLONE_NEWNET },
    { kind: 'exec', label: 'exec cat', path: '/bin/cat', argv: ['cat', '/proc/net/dev'] },
  ]);
  t.is(outcome.exitCode, 0);
  t.deepEqual(outcome.output.split('\n').slice(2).filter(Boolean).map((l) => l.trim().split(':')[0]), ['lo']);
});
if (!isRoot) console.warn('native probe: skipping namespace test, it needs root');

test('only fds 0-2 reach an exec\'d program', (t) => {
  const outcome = runChildSteps([{ kind: 'exec', label: 'exec ls', path: '/bin/ls', argv: ['ls', '/proc/self/fd'] }]);
  t.deepEqual(outcome.output.trim().split(/\s+/).sort(), ['0', '1', '2', '3']);
});

test('pidfd and rlimits are readable', (t) => {
  t.notThrows(() => probePidfd());
  const limits = resourceLimits();
  t.true(limits.nofile!.hard >= limits.nofile!.soft);
  t.is(typeof limits.nproc!.soft, 'number');
});
