import test from 'ava';
import type { KubeObject, ObjectStore } from '../api/index.ts';
import { catalog, clock, kubeletPass, livePods, Pod, podsIn, store, until, type KubeletOptions } from './controller-fixtures.test-helper.ts';
import { COMPLETION_INDEX, jobReconciler, TRACKING_FINALIZER } from './job.ts';

const Job = catalog.byResource('batch', 'v1', 'jobs')!;

interface Status {
  active?: number;
  succeeded?: number;
  failed?: number;
  ready?: number;
  startTime?: string;
  completionTime?: string;
  completedIndexes?: string;
  uncountedTerminatedPods?: unknown;
  conditions?: Array<{ type: string; status: string; reason?: string; message?: string; lastProbeTime?: string; lastTransitionTime?: string }>;
}

const job = (spec: Record<string, unknown>, name = 'pi'): KubeObject => ({
  apiVersion: 'batch/v1',
  kind: 'Job',
  metadata: { name },
  spec: { template: { spec: { restartPolicy: 'Never', containers: [{ name: 'pi', image: 'perl:5.34' }] } }, ...spec },
});

const statusOf = async (objects: ObjectStore, name = 'pi') => ((await objects.get(Job, 'default', name)).status ?? {}) as Status;
const condition = (s: Status, type: string) => s.conditions?.find((c) => c.type === type && c.status === 'True');

function driver(objects: ObjectStore, kubelet: KubeletOptions, name = 'pi') {
  const now = clock();
  const reconcile = jobReconciler(objects, catalog, now.now, { podFailureBackoffMs: 0 });
  return { now, reconcile: () => reconcile('default', name), step: async () => (await reconcile('default', name), await kubeletPass(objects, kubelet)) };
}

test('a Job runs `completions` pods at most `parallelism` at a time, then is Complete with counts kubectl reads', async (t) => {
  const objects = await store(t);
  await objects.create(Job, 'default', job({ completions: 3, parallelism: 2 }));
  const created = await objects.get(Job, 'default', 'pi');
  const { step } = driver(objects, { outcome: () => 'Succeeded' });
  let most = 0;
  const done = await until('Complete', async () => {
    await step();
    most = Math.max(most, (await livePods(objects)).filter((p) => !['Succeeded', 'Failed'].includes((p.status as { phase: string }).phase)).length);
  }, async () => {
    const s = await statusOf(objects);
    return condition(s, 'Complete') ? s : undefined;
  });
  t.true(most <= 2, `at most parallelism pods ran at once (saw ${most})`);
  t.is(await jobReconciler(objects, catalog, () => new Date())('default', 'pi'), 'done', 'a finished Job is not requeued');
  t.is(done.succeeded, 3);
  t.is(done.active, undefined, 'zero counters are left out');
  t.is(done.failed, undefined);
  t.truthy(done.startTime);
  t.truthy(done.completionTime);
  t.deepEqual(done.uncountedTerminatedPods, {});
  const complete = condition(done, 'Complete')!;
  t.is(complete.reason, 'CompletionsReached');
  t.truthy(complete.lastProbeTime && complete.lastTransitionTime);
  const pods = await podsIn(objects);
  t.is(pods.length, 3);
  for (const pod of pods) {
    t.is(pod.metadata.labels?.['batch.kubernetes.io/controller-uid'], created.metadata.uid);
    t.is(pod.metadata.labels?.['controller-uid'], created.metadata.uid);
    t.is(pod.metadata.labels?.['batch.kubernetes.io/job-name'], 'pi');
    t.is(pod.metadata.labels?.['job-name'], 'pi');
    t.regex(pod.metadata.name!, /^pi-[a-z0-9]+$/);
    t.is(pod.metadata.ownerReferences?.[0]?.uid, created.metadata.uid);
    t.false((pod.metadata.finalizers ?? []).includes(TRACKING_FINALIZER), 'counted pods are released');
  }
});

test('failed pods are replaced until backoffLimit; then the Job Fails with BackoffLimitExceeded and its active pods stop', async (t) => {
  const objects = await store(t);
  // Two in parallel: the first always fails, the others keep running, so the limit is hit with one active.
  await objects.create(Job, 'default', job({ completions: 4, parallelism: 2, backoffLimit: 2 }));
  let started = 0;
  const fate = new Map<string, 'Failed' | 'Ready'>();
  const { step } = driver(objects, {
    outcome: (pod) => {
      if (!fate.has(pod.metadata.uid!)) fate.set(pod.metadata.uid!, started++ === 1 ? 'Ready' : 'Failed');
      return fate.get(pod.metadata.uid!)!;
    },
  });
  const s = await until('Failed', step, async () => {
    const s = await statusOf(objects);
    return condition(s, 'Failed') ? s : undefined;
  });
  t.is(condition(s, 'Failed')!.reason, 'BackoffLimitExceeded');
  t.is(condition(s, 'Failed')!.message, 'Job has reached the specified backoff limit');
  t.is(s.active, undefined);
  t.true((s.failed ?? 0) >= 3, `more failures than the limit of 2 (failed ${s.failed})`);
  t.is(s.completionTime, undefined, 'a failed Job has no completion time');
  await until('the running pod is stopped', () => kubeletPass(objects), async () => ((await livePods(objects)).every((p) => (p.status as { phase: string }).phase === 'Failed') ? true : undefined));
  t.true((await podsIn(objects)).every((p) => !(p.metadata.finalizers ?? []).includes(TRACKING_FINALIZER)));
});

test('an Indexed Job runs one pod per completion index, with the index annotation, env and hostname', async (t) => {
  const objects = await store(t);
  await objects.create(Job, 'default', job({ completions: 3, parallelism: 3, completionMode: 'Indexed' }, 'idx'));
  const { step } = driver(objects, { outcome: () => 'Pending' }, 'idx');
  const pods = await until('three pods', step, async () => {
    const pods = await podsIn(objects);
    return pods.length === 3 ? pods : undefined;
  });
  const indexes = pods.map((p) => p.metadata.annotations?.[COMPLETION_INDEX]).sort();
  t.deepEqual(indexes, ['0', '1', '2']);
  for (const pod of pods) {
    const index = pod.metadata.annotations![COMPLETION_INDEX]!;
    t.is(pod.metadata.labels?.[COMPLETION_INDEX], index);
    t.true(pod.metadata.name!.startsWith(`idx-${index}-`));
    const spec = pod.spec as { hostname: string; containers: Array<{ env: Array<{ name: string; valueFrom: { fieldRef: { fieldPath: string } } }> }> };
    t.is(spec.hostname, `idx-${index}`);
    t.is(spec.containers[0]!.env[0]!.name, 'JOB_COMPLETION_INDEX');
    t.is(spec.containers[0]!.env[0]!.valueFrom.fieldRef.fieldPath, `metadata.annotations['${COMPLETION_INDEX}']`);
  }
  // Index 1 fails once and is rerun under the same index; then all succeed.
  let failedOne = false;
  const finish = driver(objects, {
    outcome: (pod) => {
      if (!failedOne && pod.metadata.annotations?.[COMPLETION_INDEX] === '1') {
        failedOne = true;
        return 'Failed';
      }
      return 'Succeeded';
    },
  }, 'idx');
  const s = await until('Complete', finish.step, async () => {
    const s = await statusOf(objects, 'idx');
    return condition(s, 'Complete') ? s : undefined;
  });
  t.is(s.completedIndexes, '0-2');
  t.is(s.succeeded, 3);
  t.is(s.failed, 1);
  t.is((await podsIn(objects)).filter((p) => p.metadata.annotations?.[COMPLETION_INDEX] === '1').length, 2);
});

test('a suspended Job runs nothing; resuming starts it; suspending again stops pods without counting failures', async (t) => {
  const objects = await store(t);
  await objects.create(Job, 'default', job({ completions: 2, parallelism: 2, suspend: true }));
  const { step, reconcile } = driver(objects, {});
  await reconcile();
  await reconcile();
  let s = await statusOf(objects);
  t.is((await podsIn(objects)).length, 0);
  t.is(condition(s, 'Suspended')?.reason, 'JobSuspended');
  t.is(s.startTime, undefined, 'a Job that never ran has not started');

  const resume = async (suspend: boolean) => {
    const current = await objects.get(Job, 'default', 'pi');
    await objects.update(Job, 'default', 'pi', { ...current, spec: { ...(current.spec as object), suspend } });
  };
  await resume(false);
  s = await until('two ready pods', step, async () => {
    const s = await statusOf(objects);
    return s.active === 2 && s.ready === 2 ? s : undefined;
  });
  t.truthy(s.startTime);
  t.is(s.conditions?.find((c) => c.type === 'Suspended')?.status, 'False');
  t.is(s.conditions?.find((c) => c.type === 'Suspended')?.reason, 'JobResumed');

  await resume(true);
  s = await until('pods stopped', step, async () => {
    const s = await statusOf(objects);
    return (await podsIn(objects)).length === 0 && !s.active ? s : undefined;
  });
  t.is(s.failed, undefined, 'pods stopped by suspension are not failures');
  t.is(condition(s, 'Suspended')?.reason, 'JobSuspended');
});

test('a pod deleted before it finishes counts as failed and is replaced; a Job with no completions finishes at its first success', async (t) => {
  const objects = await store(t);
  await objects.create(Job, 'default', job({ completions: null, parallelism: 1 }));
  let outcome: 'Ready' | 'Succeeded' = 'Ready';
  const { step } = driver(objects, { outcome: () => outcome });
  const [first] = await until('a running pod', step, async () => {
    const pods = (await livePods(objects)).filter((p) => (p.status as { phase: string }).phase === 'Running');
    return pods.length === 1 ? pods : undefined;
  });
  await objects.delete(Pod, 'default', first!.metadata.name!);
  outcome = 'Succeeded';
  const s = await until('Complete', step, async () => {
    const s = await statusOf(objects);
    return condition(s, 'Complete') ? s : undefined;
  });
  t.is(s.failed, 1);
  t.is(s.succeeded, 1);
  await until('the deleted pod is gone', () => kubeletPass(objects), async () => ((await podsIn(objects)).every((p) => p.metadata.name !== first!.metadata.name) ? true : undefined));
  t.pass();
});

test('a deleted Job releases its pods\u2019 tracking finalizers so they can go', async (t) => {
  const objects = await store(t);
  await objects.create(Job, 'default', job({ completions: 2, parallelism: 2 }));
  const { step, reconcile } = driver(objects, {});
  await until('two running pods', step, async () => ((await statusOf(objects)).ready === 2 ? true : undefined));
  // The garbage collector's part, by hand: the Job goes, then its pods are deleted.
  await objects.delete(Job, 'default', 'pi');
  for (const pod of await podsIn(objects)) await objects.delete(Pod, 'default', pod.metadata.name!);
  await until('pods gone', async () => (await reconcile(), await kubeletPass(objects)), async () => ((await podsIn(objects)).length === 0 ? true : undefined));
  t.pass();
});

test('activeDeadlineSeconds fails a Job that runs too long', async (t) => {
  const objects = await store(t);
  await objects.create(Job, 'default', job({ completions: 1, activeDeadlineSeconds: 30 }));
  const { step, now } = driver(objects, {});
  await until('running', step, async () => ((await statusOf(objects)).ready === 1 ? true : undefined));
  now.advance(31_000);
  const s = await until('Failed', step, async () => {
    const s = await statusOf(objects);
    return condition(s, 'Failed') ? s : undefined;
  });
  t.is(condition(s, 'Failed')!.reason, 'DeadlineExceeded');
});

test('a failed pod is replaced only after the back-off delay, which doubles per failure', async (t) => {
  const objects = await store(t);
  await objects.create(Job, 'default', job({ completions: 1, backoffLimit: 6 }));
  const now = clock();
  const reconcile = jobReconciler(objects, catalog, now.now, { podFailureBackoffMs: 10_000 });
  const step = async () => (await reconcile('default', 'pi'), await kubeletPass(objects, { outcome: () => 'Failed' }));
  await until('one failure', step, async () => ((await statusOf(objects)).failed === 1 ? true : undefined));
  for (let i = 0; i < 5; i++) await step();
  t.is((await podsIn(objects)).length, 1, 'no replacement within 10 s');
  now.advance(10_500);
  await until('second failure', step, async () => ((await statusOf(objects)).failed === 2 ? true : undefined));
  now.advance(10_500);
  for (let i = 0; i < 5; i++) await step();
  t.is((await podsIn(objects)).length, 2, 'the second wait is 20 s');
  now.advance(10_000);
  await until('third pod', step, async () => ((await podsIn(objects)).length === 3 ? true : undefined));
});
