// kubectl logs and exec to a node that never listens (DESIGN §5, last bullet): the built
// server, an agent process whose only way to the server's tunnel is a TCP proxy the test
// controls, a busybox pod counting lines, and kubectl 1.31 (the machine's dispatcher) as
// the client. Each test states what kubectl against any cluster would show.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import test from 'ava';
import { becomeChildSubreaper } from '../native/index.ts';
import { api, waitUntil } from './helpers/cluster.ts';
import { KUBECTL_120, KUBECTL_DISPATCHER, runKubectl, type Kubectl } from './helpers/kubectl.ts';
import { buildBusyboxLayout, createPod, IMAGE, startPodCluster, waitForPod, type PodCluster } from './helpers/pods.ts';
import { runSkerry, SKERRY } from './helpers/skerry.ts';
import { startTcpProxy, type TcpProxy } from './helpers/tcp-proxy.ts';

const why = process.getuid?.() !== 0 ? 'needs root (containers: namespaces, mounts, cgroups)'
  : !fs.existsSync(SKERRY) ? 'needs the build (npm run build)'
  : !fs.existsSync('/bin/busybox') ? 'needs busybox-static for the test image'
  : !fs.existsSync(KUBECTL_DISPATCHER) ? `needs kubectl at ${KUBECTL_DISPATCHER}` : undefined;
const e2e = why ? test.skip : test.serial;
const NEEDS = why ? ` (skipped: ${why})` : '';

const KUBECTL: Kubectl = { label: 'kubectl 1.31 (dispatcher)', binary: KUBECTL_DISPATCHER };
const COUNTER = 'i=0; while true; do echo line $i; i=$((i+1)); sleep 0.2; done';

let work = '';
let layout = '';
let c: PodCluster;
let proxy: TcpProxy;
let kubeconfig = '';
let teardown: Array<() => Promise<void>> = [];

test.before(async () => {
  if (why) return;
  becomeChildSubreaper();
  work = fs.mkdtempSync(path.join(os.tmpdir(), 'skerry-tunnel-e2e-'));
  layout = await buildBusyboxLayout(work);
  c = await startPodCluster({ teardown: (fn) => void teardown.push(fn) }, 'tunnel', layout, async (server) => {
    proxy = await startTcpProxy(server.tunnelPort);
    return ['--tunnel', `https://127.0.0.1:${proxy.port}`];
  });
  const printed = await runSkerry(['kubeconfig', '--data-dir', c.server.dataDir, '--server', c.server.url]);
  if (printed.code !== 0) throw new Error(`skerry kubeconfig: ${printed.stderr}`);
  kubeconfig = path.join(work, 'kubeconfig');
  fs.writeFileSync(kubeconfig, printed.stdout, { mode: 0o600 });
  await createPod(c, 'counter', { containers: [{ name: 'c', image: IMAGE, command: ['sh', '-c', COUNTER] }] });
  await createPod(c, 'pair', { containers: ['a', 'b'].map((name) => ({ name, image: IMAGE, command: ['sh', '-c', `echo I am ${name}; exec sleep 3600`] })) });
  await waitForPod(c, 'counter', 'Running', (p) => p.status?.phase === 'Running');
  await waitForPod(c, 'pair', 'Running', (p) => p.status?.phase === 'Running');
});

test.after.always(async () => {
  for (const fn of teardown.reverse()) await fn().catch(() => undefined);
  await proxy?.close();
  if (work) fs.rmSync(work, { recursive: true, force: true });
});

const kubectl = (args: string[], options: { input?: string; timeoutMs?: number } = {}) => runKubectl(KUBECTL, kubeconfig, args, options);
const skerry = ([verb, ...rest]: string[]) => runSkerry([verb!, '--kubeconfig', kubeconfig, ...rest]);
const lines = (text: string) => text.split('\n').filter((l) => l !== '');

e2e(`kubectl logs prints the container's lines in order; --tail 2 the last two${NEEDS}`, async (t) => {
  const all = await waitUntil('three lines logged', async () => {
    const r = await kubectl(['logs', 'counter']);
    return r.code === 0 && lines(r.stdout).length >= 3 ? r.stdout : undefined;
  });
  t.deepEqual(lines(all).slice(0, 3), ['line 0', 'line 1', 'line 2']);
  const tail = await kubectl(['logs', 'counter', '--tail', '2']);
  t.is(tail.code, 0, tail.stderr);
  const last = lines(tail.stdout);
  t.is(last.length, 2);
  t.is(Number(last[1]!.split(' ')[1]) - Number(last[0]!.split(' ')[1]), 1, tail.stdout);
  const stamped = await kubectl(['logs', 'counter', '--tail', '1', '--timestamps']);
  t.regex(stamped.stdout, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z line \d+\n$/);
});

e2e(`kubectl logs -f receives new lines as they are written, until stopped${NEEDS}`, async (t) => {
  const child = spawn(KUBECTL.binary, ['--kubeconfig', kubeconfig, 'logs', '-f', '--tail', '1', 'counter'], { env: { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: work } });
  let out = '';
  child.stdout.on('data', (d: Buffer) => (out += d));
  t.teardown(() => void child.kill('SIGKILL'));
  const got = await waitUntil('five followed lines', () => (lines(out).length >= 5 ? lines(out) : undefined), 10_000);
  const numbers = got.slice(0, 5).map((l) => Number(l.split(' ')[1]));
  t.deepEqual(numbers, numbers.map((_, i) => numbers[0]! + i), 'consecutive lines as they come');
  child.kill('SIGTERM');
  await new Promise((resolve) => child.on('close', resolve));
});

e2e(`kubectl logs -f ends when the container exits; -p reads the run before a restart${NEEDS}`, async (t) => {
  await createPod(c, 'brief', { restartPolicy: 'Never', containers: [{ name: 'c', image: IMAGE, command: ['sh', '-c', 'echo first; sleep 2; echo second'] }] });
  await createPod(c, 'again', { containers: [{ name: 'c', image: IMAGE, command: ['sh', '-c', 'echo "run at $(cat /proc/uptime)"; sleep 0.5; exit 1'] }] });
  await waitForPod(c, 'brief', 'Running', (p) => p.status?.phase === 'Running');
  const followed = await kubectl(['logs', '-f', 'brief'], { timeoutMs: 15_000 });
  t.is(followed.code, 0, followed.stderr);
  t.is(followed.stdout, 'first\nsecond\n');
  await waitForPod(c, 'again', 'restarted', (p) => (p.status?.containerStatuses?.[0]?.restartCount ?? 0) >= 1);
  const previous = await kubectl(['logs', '-p', 'again']);
  t.is(previous.code, 0, previous.stderr);
  t.regex(previous.stdout, /^run at [\d.]+ [\d.]+\n$/);
});

e2e(`skerry logs prints what kubectl logs prints${NEEDS}`, async (t) => {
  const mine = await skerry(['logs', 'counter', '--tail', '3']);
  t.is(mine.code, 0, mine.stderr);
  t.is(lines(mine.stdout).length, 3);
  const pair = await skerry(['logs', 'pair', '-c', 'b']);
  t.is(pair.stdout, 'I am b\n');
  const defaulted = await skerry(['logs', 'pair']);
  t.is(defaulted.stdout, 'I am a\n');
  t.is(defaulted.stderr, 'Defaulted container "a" out of: a, b\n');
  const missing = await skerry(['logs', 'nosuch']);
  t.is(missing.code, 1);
  t.regex(missing.stderr, /^skerry logs: .*Error from server \(NotFound\): pods "nosuch" not found\n$/);
});

e2e(`log errors are the apiserver's and kubelet's: unknown container, no previous run, a container to choose${NEEDS}`, async (t) => {
  const unknown = await kubectl(['logs', 'counter', '-c', 'nosuch']);
  t.is(unknown.code, 1);
  t.regex(unknown.stderr, /container nosuch is not valid for pod counter/);
  const previous = await kubectl(['logs', 'counter', '-p']);
  t.is(previous.code, 1);
  t.regex(previous.stderr, /previous terminated container "c" in pod "counter" not found/);
  const choose = await api(c.server, 'GET', '/api/v1/namespaces/default/pods/pair/log');
  t.is(choose.status, 400);
  t.is(choose.body.message, 'a container name must be specified for pod pair, choose one of: [a b]');
});

e2e(`kubectl exec: stdout and stderr apart, and the command's exit code${NEEDS}`, async (t) => {
  const r = await kubectl(['exec', 'counter', '--', 'sh', '-c', 'echo out; echo err >&2; exit 3']);
  t.is(r.stdout, 'out\n');
  t.regex(r.stderr, /^err\n/);
  t.is(r.code, 3, r.stderr);
  const ok = await kubectl(['exec', 'counter', '--', 'hostname']);
  t.is(ok.code, 0, ok.stderr);
  t.is(ok.stdout, 'counter\n');
  // kubectl retries a refused WebSocket over SPDY and prints that answer: it must be the same reason.
  const unknown = await kubectl(['exec', 'counter', '-c', 'nosuch', '--', 'true']);
  t.is(unknown.code, 1);
  t.regex(unknown.stderr, /container nosuch is not valid for pod counter/);
});

e2e(`kubectl exec -i passes stdin, and its end ends the command${NEEDS}`, async (t) => {
  const r = await kubectl(['exec', '-i', 'counter', '--', 'cat'], { input: 'hello\nworld\n' });
  t.is(r.code, 0, r.stderr);
  t.is(r.stdout, 'hello\nworld\n');
});

e2e(`skerry exec prints and exits as kubectl exec does${NEEDS}`, async (t) => {
  const r = await skerry(['exec', 'counter', '--', 'sh', '-c', 'echo out; echo err >&2; exit 4']);
  t.is(r.stdout, 'out\n');
  t.is(r.stderr, 'err\ncommand terminated with exit code 4\n');
  t.is(r.code, 4);
  const missing = await skerry(['exec', 'counter', '--', '/no/such/program']);
  t.is(missing.code, 1);
  t.regex(missing.stderr, /error executing command in container: .*ENOENT/);
});

e2e(`kubectl 1.20 reads logs too, and is told plainly that its exec (SPDY) is not served${NEEDS}`, async (t) => {
  if (!fs.existsSync(KUBECTL_120)) return void t.pass(`kubectl 1.20 not at ${KUBECTL_120}`);
  const old: Kubectl = { label: 'kubectl 1.20', binary: KUBECTL_120 };
  const logs = await runKubectl(old, kubeconfig, ['logs', 'pair', '-c', 'a']);
  t.is(logs.stdout, 'I am a\n', logs.stderr);
  const exec = await runKubectl(old, kubeconfig, ['exec', 'counter', '--', 'true']);
  t.not(exec.code, 0);
  t.regex(exec.stderr, /exec over WebSocket only/);
});

e2e(`after the tunnel connection drops, the next logs request dials again; a cut tunnel is a 504 naming the node${NEEDS}`, async (t) => {
  t.is((await kubectl(['logs', 'counter', '--tail', '1'])).code, 0);
  proxy.refuse();
  proxy.heal();
  const again = await kubectl(['logs', 'counter', '--tail', '1']);
  t.is(again.code, 0, again.stderr);
  t.regex(again.stdout, /^line \d+\n$/);
  proxy.refuse();
  const started = Date.now();
  const cut = await kubectl(['logs', 'counter', '--tail', '1'], { timeoutMs: 30_000 });
  t.is(cut.code, 1);
  t.regex(cut.stderr, /node "pods-tunnel" did not answer over the tunnel within 10 s/);
  t.true(Date.now() - started < 15_000);
  proxy.heal();
  const healed = await waitUntil('logs after the tunnel heals', async () => {
    const r = await kubectl(['logs', 'counter', '--tail', '1']);
    return r.code === 0 ? r : undefined;
  }, 20_000);
  t.regex(healed.stdout, /^line \d+\n$/);
});

e2e(`a node that is offline answers 503 at once${NEEDS}`, async (t) => {
  await c.agent.stop('SIGKILL');
  await waitUntil('the server sees the node offline', async () => {
    const r = await api(c.server, 'GET', '/api/v1/namespaces/default/pods/counter/log?tailLines=1');
    return r.status === 503 ? r : undefined;
  }, 15_000);
  const started = Date.now();
  const r = await kubectl(['logs', 'counter', '--tail', '1']);
  t.is(r.code, 1);
  t.regex(r.stderr, /node "pods-tunnel" is offline/);
  t.true(Date.now() - started < 3_000, `${Date.now() - started} ms`);
});
