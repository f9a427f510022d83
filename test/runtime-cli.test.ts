import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import test from 'ava';
import { listContainerCgroups } from '../native/index.ts';
import { buildBusyboxRootfs } from './helpers/bundle.ts';
import { runSkerry, SKERRY } from './helpers/skerry.ts';

const isRoot = process.getuid?.() === 0;
const rootTest = isRoot ? test : test.skip;
const NEEDS_ROOT = ' (needs root: namespaces, mounts, cgroups)';

/** A bundle made by `skerry runtime spec`, so the defaults under test are the shipped ones. */
async function specBundle(label: string, args: string[], edit?: (config: Record<string, any>) => void) { // eslint-disable-line @typescript-eslint/no-explicit-any
  const base = fs.mkdtempSync(path.join(os.tmpdir(), `skerry-rtcli-${label}-`));
  const bundle = path.join(base, 'bundle');
  const root = path.join(base, 'root');
  buildBusyboxRootfs(path.join(bundle, 'rootfs'));
  const made = await runSkerry(['runtime', 'spec', '--bundle', bundle, '--', ...args]);
  if (made.code !== 0) throw new Error(`runtime spec failed: ${made.stderr}`);
  if (edit) {
    const file = path.join(bundle, 'config.json');
    const config = JSON.parse(fs.readFileSync(file, 'utf8'));
    edit(config);
    fs.writeFileSync(file, JSON.stringify(config, null, 2));
  }
  const id = `${label}-${process.pid}-${Math.floor(Math.random() * 1e6)}`;
  return { base, bundle, root, id, remove: () => fs.rmSync(base, { recursive: true, force: true }) };
}

rootTest(`runtime run forwards output and exits with the container's code, leaving no state or cgroup${NEEDS_ROOT}`, async (t) => {
  const b = await specBundle('run', ['sh', '-c', 'echo out; echo err >&2; exit 3']);
  t.teardown(b.remove);
  const result = await runSkerry(['runtime', 'run', '--root', b.root, '--bundle', b.bundle, b.id]);
  t.is(result.stdout, 'out\n');
  t.true(result.stderr.includes('err\n'), result.stderr);
  t.is(result.code, 3);
  t.deepEqual(fs.readdirSync(b.root), []);
  t.false(listContainerCgroups().includes(b.id));
});

rootTest(`a signal to runtime run is forwarded to the container${NEEDS_ROOT}`, async (t) => {
  // As pid 1 of its namespace the container ignores signals it has no handler for, so it traps TERM.
  const b = await specBundle('signal', ['sh', '-c', 'trap "exit 7" TERM; echo ready; while :; do sleep 0.05; done']);
  t.teardown(b.remove);
  const child = spawn(process.execPath, [SKERRY, 'runtime', 'run', '--root', b.root, '--bundle', b.bundle, b.id], { stdio: 'ignore' });
  const exited = new Promise<number | null>((resolve) => child.on('close', resolve));
  for (let i = 0; i < 100 && !fs.existsSync(path.join(b.root, b.id, 'state.json')); i++) await new Promise((r) => setTimeout(r, 50));
  await new Promise((r) => setTimeout(r, 300));
  child.kill('SIGTERM');
  t.is(await exited, 7);
});

rootTest(`detached containers show in list and state, take kill, and delete removes them${NEEDS_ROOT}`, async (t) => {
  const b = await specBundle('detach', ['sleep', '30']);
  t.teardown(async () => {
    await runSkerry(['runtime', 'delete', '--force', '--root', b.root, b.id]);
    b.remove();
  });
  const log = path.join(b.base, 'c.log');
  t.is((await runSkerry(['runtime', 'run', '--detach', '--log', log, '--root', b.root, '--bundle', b.bundle, b.id])).code, 0);
  const state = JSON.parse((await runSkerry(['runtime', 'state', '--root', b.root, b.id])).stdout);
  t.like(state, { ociVersion: '1.0.2', id: b.id, status: 'running', bundle: b.bundle });
  t.true(state.pid > 1);
  t.regex(fs.readFileSync(`/proc/${state.pid}/cmdline`, 'utf8'), /^sleep\x0030/);
  const listed = JSON.parse((await runSkerry(['runtime', 'list', '--root', b.root, '-o', 'json'])).stdout);
  t.deepEqual(listed.map((s: { id: string }) => s.id), [b.id]);
  const refused = await runSkerry(['runtime', 'delete', '--root', b.root, b.id]);
  t.is(refused.code, 1);
  t.regex(refused.stderr, /is running; stop it first or delete with --force/);
  t.is((await runSkerry(['runtime', 'kill', '--root', b.root, b.id, 'KILL'])).code, 0);
  for (let i = 0; i < 100; i++) {
    if (JSON.parse((await runSkerry(['runtime', 'state', '--root', b.root, b.id])).stdout).status === 'stopped') break;
    await new Promise((r) => setTimeout(r, 50));
  }
  t.is(JSON.parse((await runSkerry(['runtime', 'state', '--root', b.root, b.id])).stdout).status, 'stopped');
  t.deepEqual(JSON.parse(fs.readFileSync(path.join(b.root, b.id, 'exit'), 'utf8')).exitCode, 137);
  t.is((await runSkerry(['runtime', 'delete', '--root', b.root, b.id])).code, 0);
  t.false(listContainerCgroups().includes(b.id));
  const gone = await runSkerry(['runtime', 'state', '--root', b.root, b.id]);
  t.is(gone.code, 1);
  t.regex(gone.stderr, /Container does not exist/);
});

test('runtime verbs refuse bad usage with exit 2', async (t) => {
  t.is((await runSkerry(['runtime'])).code, 2);
  t.is((await runSkerry(['runtime', 'fly'])).code, 2);
  const badId = await runSkerry(['runtime', 'state', '../escape']);
  t.is(badId.code, 2);
  t.regex(badId.stderr, /container id "\.\.\/escape" must be/);
  t.is((await runSkerry(['runtime', 'kill', 'x', 'SIGNOPE'])).code, 2);
});

rootTest(`the default spec's seccomp profile and capabilities hold inside the container${NEEDS_ROOT}`, async (t) => {
  const script = [
    'grep -E "^(CapInh|CapEff|CapBnd|NoNewPrivs|Seccomp):" /proc/self/status',
    'unshare -n true 2>/dev/null && echo unshare-allowed || echo unshare-refused',
    'mount -t tmpfs x /tmp 2>/dev/null && echo mount-allowed || echo mount-refused',
    'echo ok > /dev/shm/x && cat /dev/shm/x',
  ].join('; ');
  const b = await specBundle('seccomp', ['sh', '-c', script]);
  t.teardown(b.remove);
  const result = await runSkerry(['runtime', 'run', '--root', b.root, '--bundle', b.bundle, b.id]);
  t.is(result.code, 0, result.stderr);
  t.deepEqual(result.stdout.split('\n').map((l) => l.replace(/\s+/g, ' ')), [
    'CapInh: 0000000000000000',
    'CapEff: 00000000a80425fb',
    'CapBnd: 00000000a80425fb',
    'NoNewPrivs: 1',
    'Seccomp: 2',
    'unshare-refused',
    'mount-refused',
    'ok',
    '',
  ]);
});
