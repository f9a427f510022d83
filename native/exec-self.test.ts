import test from 'ava';
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { execSelf } from './index.ts';

const nativeIndex = fileURLToPath(new URL('./index.ts', import.meta.url));

/** Runs a Node child (through tsx, as the tests run) whose script execs itself once with STAGE=2. */
function runChild(t: { teardown(fn: () => void): void }, script: string) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'skerry-exec-self-'));
  t.teardown(() => fs.rmSync(dir, { recursive: true, force: true }));
  const file = path.join(dir, 'child.mts');
  fs.writeFileSync(file, `import { execSelf } from ${JSON.stringify(nativeIndex)};\n${script}`);
  const child = spawn(process.execPath, ['--import', 'tsx', file], { stdio: ['pipe', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d: Buffer) => (stdout += d));
  child.stderr.on('data', (d: Buffer) => (stderr += d));
  child.stdin.end('from stdin\n');
  return new Promise<{ code: number | null; stdout: string; stderr: string; pid: number }>((resolve) =>
    child.on('close', (code) => resolve({ code, stdout, stderr, pid: child.pid! })),
  );
}

test('execSelf replaces the process: same pid, stdin, stdout and stderr kept, the new environment in force', async (t) => {
  const outcome = await runChild(
    t,
    `import fs from 'node:fs';
if (process.env.STAGE === '2') {
  process.stdout.write('second ' + process.pid + ' ' + process.env.EXTRA + ' ' + fs.readFileSync(0, 'utf8'));
  process.stderr.write('second on stderr\\n');
} else {
  process.stdout.write('first ' + process.pid + '\\n');
  execSelf(process.execPath, [process.execPath, ...process.execArgv, ...process.argv.slice(1)], { ...process.env, STAGE: '2', EXTRA: 'yes' });
}`,
  );
  t.is(outcome.code, 0, outcome.stderr);
  t.is(outcome.stdout, `first ${outcome.pid}\nsecond ${outcome.pid} yes from stdin\n`);
  t.is(outcome.stderr, 'second on stderr\n');
});

test('a failed execSelf throws the errno and what it tried, and the process goes on with its stdio', async (t) => {
  const outcome = await runChild(
    t,
    `try {
  execSelf('/nonexistent/skerry-node', ['x'], {});
} catch (error) {
  process.stdout.write(error.code + ': ' + error.message + '\\n');
}
process.stderr.write('still here\\n');`,
  );
  t.is(outcome.code, 0, outcome.stderr);
  t.is(outcome.stdout, 'ENOENT: execve /nonexistent/skerry-node: ENOENT (No such file or directory)\n');
  t.is(outcome.stderr, 'still here\n');
});

test('execSelf refuses arguments that are not strings, naming them', (t) => {
  t.throws(() => execSelf('/bin/true', [] as string[], {}), { message: /argv a non-empty/ });
  t.throws(() => execSelf('/bin/true', [1 as unknown as string], {}), { message: /argv a non-empty and env an array of strings/ });
});
