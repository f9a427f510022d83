// exec with its standard streams piped back to the caller (what `kubectl exec` needs): one
// socket pair per stream, EOF when the process and its shim are done, stdin fed and closed.
import fs from 'node:fs';
import path from 'node:path';
import type net from 'node:net';
import test, { type ExecutionContext } from 'ava';
import { runContainer, type Container } from '../native/index.ts';
import { execPiped } from '../native/runtime/exec-stdio.ts';
import { makeBundle } from './helpers/bundle.ts';

// Serial: the fd count the last test compares must not move with another test's sockets.
const rootTest = process.getuid?.() === 0 ? test.serial : test.skip;
const NEEDS_ROOT = ' (needs root: namespaces, mounts, cgroups)';

async function sleeper(t: ExecutionContext, label: string): Promise<Container> {
  const bundle = makeBundle(`exec-stdio-${label}`, ['sleep', '30']);
  const id = `exec-stdio-${label}-${process.pid}-${Math.floor(Math.random() * 1e6)}`;
  let container: Container | undefined;
  t.teardown(async () => {
    await container?.delete({ force: true }).catch(() => undefined);
    bundle.remove();
  });
  container = await runContainer({ id, bundle: bundle.dir, root: path.join(bundle.base, 'root'), logPath: bundle.logPath });
  return container;
}

function drain(socket: net.Socket | undefined): Promise<string> {
  if (!socket) return Promise.resolve('');
  let text = '';
  socket.on('data', (d: Buffer) => (text += d));
  return new Promise((resolve, reject) => socket.on('end', () => resolve(text)).on('error', reject));
}

rootTest(`stdout, stderr and the exit code come back apart${NEEDS_ROOT}`, async (t) => {
  const container = await sleeper(t, 'out');
  const run = await execPiped(container, { args: ['sh', '-c', 'echo out; echo err >&2; exit 3'] }, { stdin: false, stdout: true, stderr: true });
  const [stdout, stderr, exit] = await Promise.all([drain(run.stdout), drain(run.stderr), run.exited]);
  t.is(stdout, 'out\n');
  t.is(stderr, 'err\n');
  t.deepEqual(exit, { exitCode: 3, signal: null });
});

rootTest(`stdin reaches the process and its end is EOF${NEEDS_ROOT}`, async (t) => {
  const container = await sleeper(t, 'in');
  const run = await execPiped(container, { args: ['cat'] }, { stdin: true, stdout: true, stderr: false });
  const out = drain(run.stdout);
  run.stdin!.write('hello\n');
  run.stdin!.end('world\n');
  t.is(await out, 'hello\nworld\n');
  t.is((await run.exited).exitCode, 0);
});

rootTest(`a command that does not exist fails with the errno, and no fd is left open${NEEDS_ROOT}`, async (t) => {
  const container = await sleeper(t, 'missing');
  const before = fs.readdirSync('/proc/self/fd').length;
  const error = await t.throwsAsync(execPiped(container, { args: ['/no/such'] }, { stdin: true, stdout: true, stderr: true }));
  t.regex(error!.message, /ENOENT/);
  t.is(fs.readdirSync('/proc/self/fd').length, before);
});
