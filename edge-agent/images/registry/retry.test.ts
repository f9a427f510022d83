import test from 'ava';
import { SkerryError } from '../../../common/index.ts';
import { backoffDelay, TransientError, withRetry } from './retry.ts';

const policy = { attempts: 3, baseDelayMs: 10, maxDelayMs: 35 };
const transient = () => new TransientError('cut', new SkerryError('REGISTRY_UNREACHABLE', 'h:1: cut'));

test('back-off doubles up to the maximum, with jitter in the upper half', (t) => {
  t.deepEqual([1, 2, 3, 4].map((n) => backoffDelay(policy, n, () => 1)), [10, 20, 35, 35]);
  t.deepEqual([1, 2, 3, 4].map((n) => backoffDelay(policy, n, () => 0)), [5, 10, 18, 18]);
});

test('gives up after the attempts with the catalogued error; non-transient errors are not retried', async (t) => {
  let tries = 0;
  const error = await t.throwsAsync(withRetry(policy, {}, async () => {
    tries++;
    throw transient();
  }));
  t.is(tries, 3);
  t.is((error as SkerryError).code, 'REGISTRY_UNREACHABLE');
  tries = 0;
  await t.throwsAsync(withRetry(policy, {}, async () => {
    tries++;
    throw new SkerryError('DIGEST_MISMATCH', 'x');
  }));
  t.is(tries, 1);
});

test('a try that made progress resets the count', async (t) => {
  let tries = 0;
  const result = await withRetry(policy, {}, async (progressed) => {
    tries++;
    if (tries < 7) {
      if (tries % 2 === 0) progressed();
      throw transient();
    }
    return 'done';
  });
  t.is(result, 'done');
  t.is(tries, 7);
});

test('an abort during the pause stops at once with the signal\'s reason', async (t) => {
  const controller = new AbortController();
  const started = Date.now();
  const run = withRetry({ attempts: 5, baseDelayMs: 5_000, maxDelayMs: 5_000 }, { signal: controller.signal }, async () => {
    throw transient();
  });
  setTimeout(() => controller.abort(), 20);
  const error = await t.throwsAsync(run, { any: true });
  t.is((error as Error).name, 'AbortError');
  t.true(Date.now() - started < 1_000);
});
