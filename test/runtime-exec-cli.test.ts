// `skerry runtime exec` end to end through dist/skerry.js, into a container started with
// `skerry runtime run --detach` from a bundle made by `skerry runtime spec`.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import test, { type ExecutionContext } from 'ava';
import { buildBusyboxRootfs } from './helpers/bundle.ts';
import { runSkerry, SKERRY, type RunResult } from './helpers/skerry.ts';

const isRoot = process.getuid?.() === 0;
const rootTest = isRoot ? test : test.skip;
const NEEDS_ROOT = ' (needs root: namespaces, mounts, cgroups)';

/** A detached `sleep 30` from the shipped default spec; deleted (--force) with its dirs after the test. */
async function detached(t: ExecutionContext, label: string) {
  const base = fs.mkdtempSync(path.join(os.tmpdir(), `skerry-execcli-${label}-`));
  const bundle = path.join(base, 'bundle');
  const root = path.join(base, 'root');
  const id = `execcli-${label}-${process.pid}-${Math.floor(Math.random() * 1e6)}`;
  t.teardown(async () => {
    const removed = await runSkerry(['runtime', 'delete', '--force', '--root', root, id]);
    if (removed.code !== 0 && !/does not exist/.test(removed.stderr)) t.log(`delete ${id}: ${removed.stderr}`);
    fs.rmSync(base, { recursive: true, force: true });
  });
  buildBusyboxRootfs(path.join(bundle, 'rootfs'));
  const made = await runSkerry(['runtime', 'spec', '--bundle', bundle, '--', 'sleep', '30']);
  if (made.code !== 0) throw new Error(`runtime spec failed: ${made.stderr}`);
  const started = await runSkerry(['runtime', 'run', '--detach', '--log', path.join(base, 'c.log'), '--root', root, '--bundle', bundle, id]);
  if (started.code !== 0) throw new Error(`runtime run --detach failed: ${started.stderr}`);
  const exec = (...args: string[]) => runSkerry(['runtime', 'exec', '--root', root, ...args]);
  return { base, root, id, exec };
}

/** runSkerry with data on the child's stdin. */
function runWithInput(args: string[], input: string): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [SKERRY, ...args], { stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d));
    child.stderr.on('data', (d: Buffer) => (stderr += d));
    const timer = setTimeout(() => child.kill('SIGKILL'), 30_000);
    child.on('error', reject);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, stdout, stderr });
    });
    child.stdin.end(input);
  });
}

rootTest(`runtime exec forwards output, exits with the process's code and keeps the container running${NEEDS_ROOT}`, async (t) => {
  const c = await detached(t, 'output');
  const result = await c.exec(c.id, '--', 'sh', '-c', 'echo out; echo err >&2; hostname; grep -E "^(CapEff|NoNewPrivs|Seccomp):" /proc/self/status; exit 5');
  t.is(result.stdout.replace(/[ \t]+/g, ' '), 'out\nskerry\nCapEff: 00000000a80425fb\nNoNewPrivs: 1\nSeccomp: 2\n');
  t.is(result.stderr, 'err\n');
  t.is(result.code, 5);
  t.is((await c.exec(c.id, '--', 'sh', '-c', 'kill -9 $$')).code, 137);
  const state = JSON.parse((await runSkerry(['runtime', 'state', '--root', c.root, c.id])).stdout);
  t.is(state.status, 'running');
  t.false(fs.existsSync(path.join(c.root, c.id, 'exit')));
});

rootTest(`runtime exec takes --env, --cwd and --user, and forwards stdin${NEEDS_ROOT}`, async (t) => {
  const c = await detached(t, 'flags');
  const script = 'echo "$FOO $TERM"; pwd; id -u; id -g; grep CapEff /proc/self/status | tr -s "\\t" " "';
  const result = await c.exec('--env', 'FOO=bar', '-e', 'TERM=dumb', '--cwd', '/proc', '--user', '65534:65534', c.id, '--', 'sh', '-c', script);
  t.is(result.code, 0, result.stderr);
  t.is(result.stdout, 'bar dumb\n/proc\n65534\n65534\nCapEff: 0000000000000000\n');
  const piped = await runWithInput(['runtime', 'exec', '--root', c.root, c.id, '--', 'sh', '-c', 'read line; echo "got $line"'], 'hello\n');
  t.is(piped.stdout, 'got hello\n', piped.stderr);
  t.is(piped.code, 0);
});

rootTest(`runtime exec refuses an unknown or stopped container and a missing command${NEEDS_ROOT}`, async (t) => {
  const c = await detached(t, 'refuse');
  const unknown = await c.exec(`${c.id}-nope`, '--', 'true');
  t.is(unknown.code, 1);
  t.regex(unknown.stderr, /Container does not exist/);
  const noCommand = await c.exec(c.id);
  t.is(noCommand.code, 2);
  t.regex(noCommand.stderr, /expected ID -- CMD/);
  const badUser = await c.exec('--user', 'root', c.id, '--', 'true');
  t.is(badUser.code, 2);
  const missing = await c.exec(c.id, '--', 'nosuch');
  t.is(missing.code, 1);
  t.regex(missing.stderr, /exec nosuch: ENOENT/);
  t.is((await runSkerry(['runtime', 'kill', '--root', c.root, c.id, 'KILL'])).code, 0);
  for (let i = 0; i < 100 && !fs.existsSync(path.join(c.root, c.id, 'exit')); i++) await new Promise((r) => setTimeout(r, 50));
  const stopped = await c.exec(c.id, '--', 'true');
  t.is(stopped.code, 1);
  t.regex(stopped.stderr, /Container is not in a state that allows this: .* is not running/);
});
