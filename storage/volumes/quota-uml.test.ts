// The project-quota tests (quota.test.ts) for real where this machine's kernel cannot run them
// (built without CONFIG_QFMT_V2): they run inside Debian's user-mode Linux 6.1, whose kernel
// has ext4 quotas (quota_v2 and loop are loaded from UML's own modules), and every one of them
// must pass there — none may skip. test/helpers/uml.ts says how UML is run and torn down.
import fs from 'node:fs';
import path from 'node:path';
import anyTest, { type TestFn } from 'ava';
import { runInUml, umlBootProblem, umlSkipReason } from '../../test/helpers/uml.ts';

const test = anyTest as TestFn;
const TESTS = 'storage/volumes/quota.test.ts';
const TIMEOUT_MS = 150_000;
const skip = umlSkipReason() ?? (await umlBootProblem());

/** Counts of ava's TAP lines ("ok N - title", "not ok N - title", "... # SKIP"). */
function tapCounts(output: string): { passed: number; failed: number; skipped: number; todo: number; planned: number | undefined } {
  const lines = output.split('\n');
  const results = lines.filter((l) => /^(not )?ok \d+ /.test(l));
  const directive = (l: string, word: string): boolean => new RegExp(`# ${word}\\b`, 'i').test(l);
  const skipped = results.filter((l) => directive(l, 'SKIP')).length;
  const todo = results.filter((l) => directive(l, 'TODO')).length;
  const passed = results.filter((l) => l.startsWith('ok ') && !directive(l, 'SKIP') && !directive(l, 'TODO')).length;
  const failed = results.filter((l) => l.startsWith('not ok ') && !directive(l, 'TODO')).length;
  const plan = lines.map((l) => /^1\.\.(\d+)$/.exec(l)).find(Boolean);
  return { passed, failed, skipped, todo, planned: plan ? Number(plan[1]) : undefined };
}

const run = skip ? (title: string, _fn: unknown) => test.skip(`${title} (skipped: ${skip})`, () => undefined) : test;

run(`${TESTS} passes in full inside user-mode Linux (ext4 project quotas)`, async (t) => {
  t.timeout(TIMEOUT_MS + 20_000);
  // UML sees the repository read-only, and ava inside insists on its cache directory: a fresh
  // clone has none until the host's ava makes it, so it is made here.
  fs.mkdirSync(path.join(process.cwd(), 'node_modules', '.cache', 'ava'), { recursive: true });
  const uml = await runInUml({
    cwd: process.cwd(),
    command: `node --import tsx node_modules/.bin/ava --tap ${TESTS}`,
    modules: ['fs/quota/quota_tree.ko', 'fs/quota/quota_v2.ko', 'drivers/block/loop.ko'],
    timeoutMs: TIMEOUT_MS,
  });
  const counts = tapCounts(uml.output);
  t.log(`UML run: ${(uml.durationMs / 1000).toFixed(1)} s, ava exit ${uml.exitCode ?? 'none'}, ${JSON.stringify(counts)}`);
  const ok = !uml.timedOut && uml.exitCode === 0 && counts.passed >= 7 && counts.failed === 0 && counts.skipped === 0 && counts.todo === 0 && counts.planned === counts.passed;
  if (!ok) t.log(`UML console:\n${uml.output}`);
  t.false(uml.timedOut, `UML did not power off within ${TIMEOUT_MS / 1000} s (killed)`);
  t.is(uml.exitCode, 0, "ava's exit status inside UML");
  t.true(counts.passed >= 7, `all of ${TESTS}'s tests (7) pass inside UML: ${counts.passed} passed`);
  t.is(counts.failed, 0);
  t.is(counts.skipped, 0, 'none skips inside UML');
  t.is(counts.todo, 0);
  t.is(counts.planned, counts.passed, 'every planned test reported ok');
});
