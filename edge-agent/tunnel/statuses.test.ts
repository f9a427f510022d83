import test from 'ava';
import { exitStatus, previousNotFound } from './statuses.ts';

test('exit code 0 is Success', (t) => {
  t.is(exitStatus(['true'], 0).status, 'Success');
});

test('a non-zero exit code is NonZeroExitCode with an ExitCode cause, as kubectl reads it', (t) => {
  const status = exitStatus(['sh', '-c', 'exit 3'], 3);
  t.is(status.status, 'Failure');
  t.is(status.reason, 'NonZeroExitCode');
  t.deepEqual(status.details, { causes: [{ reason: 'ExitCode', message: '3' }] });
  t.regex(String(status.message), /exit code 3$/);
});

test('a missing previous container is a 400 in the kubelet’s words', (t) => {
  const status = previousNotFound('c', 'p');
  t.is(status.code, 400);
  t.is(status.message, 'previous terminated container "c" in pod "p" not found');
});
