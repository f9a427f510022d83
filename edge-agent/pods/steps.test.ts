import test from 'ava';
import { componentLogger } from '../../common/index.ts';
import { runSteps, StepError, type Step } from './steps.ts';

const log = componentLogger('test').child({}, { level: 'silent' });

function recorder() {
  const calls: string[] = [];
  const step = (name: string, result: 'done' | 'made' | 'wait' | Error): Step<unknown> => ({
    name,
    run: () => {
      calls.push(`run ${name}`);
      if (result instanceof Error) throw result;
      return result;
    },
    undo: () => void calls.push(`undo ${name}`),
  });
  return { calls, step };
}

test('a failing step undoes what earlier steps made, newest first, and names itself', async (t) => {
  const { calls, step } = recorder();
  const error = await t.throwsAsync(runSteps([step('image', 'done'), step('rootfs', 'made'), step('bundle', 'made'), step('start', new Error('exec nosuch: ENOENT'))], {}, log));
  t.true(error instanceof StepError);
  t.is((error as StepError).step, 'start');
  t.is(error!.message, 'start: exec nosuch: ENOENT');
  t.deepEqual(calls, ['run image', 'run rootfs', 'run bundle', 'run start', 'undo bundle', 'undo rootfs']);
});

test('a step that must wait stops the run without undoing anything', async (t) => {
  const { calls, step } = recorder();
  const outcome = await runSteps([step('sandbox', 'made'), step('image', 'wait'), step('start', 'made')], {}, log);
  t.is(outcome.result, 'wait');
  t.is(outcome.waitingAt, 'image');
  t.deepEqual(calls, ['run sandbox', 'run image']);
  t.deepEqual(outcome.timings.map(([name]) => name), ['sandbox', 'image']);
});

test('an undo that fails does not stop the others', async (t) => {
  const calls: string[] = [];
  const steps: Step<unknown>[] = [
    { name: 'a', run: () => 'made', undo: () => void calls.push('undo a') },
    { name: 'b', run: () => 'made', undo: () => { throw new Error('busy'); } },
    { name: 'c', run: () => { throw new Error('no'); } },
  ];
  await t.throwsAsync(runSteps(steps, {}, log), { message: 'c: no' });
  t.deepEqual(calls, ['undo a']);
});
