// Exec probes and lifecycle hooks against a stand-in container whose exec runs the command
// on this host with the pipes the runtime would give it: exit codes, output and its 10 KiB
// cap, the timeout that kills, and the kubelet's hook messages.
import { spawn } from 'node:child_process';
import os from 'node:os';
import test from 'ava';
import type { Container, ExecOptions, ExecProcess, ExecutedProcess } from '../../native/index.ts';
import type { HookTarget, KubeContainer, Probe, ProbeTarget } from '../pods/index.ts';
import { createProber } from './index.ts';
import { runProbe } from './run-probe.ts';
import { dialEndpoint } from './handlers/dial.ts';

const SIGNALS = os.constants.signals as Record<string, number>;

/** exec() as the runtime does it, minus the namespaces: the command gets the given stdio fds. */
const hostContainer = {
  exec: (proc: ExecProcess, options?: ExecOptions): Promise<ExecutedProcess> => new Promise((resolve, reject) => {
    const child = spawn(proc.args[0]!, proc.args.slice(1), { stdio: ['ignore', options?.stdio?.stdout ?? 'ignore', options?.stdio?.stderr ?? 'ignore'] });
    const exited = new Promise<{ exitCode: number; signal: number | null }>((done) => child.once('exit', (code, signal) => done({ exitCode: code ?? 128 + (signal ? SIGNALS[signal]! : 0), signal: signal ? SIGNALS[signal]! : null })));
    child.once('spawn', () => resolve({ pid: child.pid!, shimPid: child.pid!, exited }));
    child.once('error', reject);
  }),
} as unknown as Container;

const pod = { metadata: { name: 'p', namespace: 'default', uid: 'u1' }, spec: { containers: [] } };

async function execProbe(p: Probe, container: Partial<KubeContainer> = {}): Promise<{ result: string | undefined; events: string[] }> {
  const events: string[] = [];
  const target = { pod, container: { name: 'c', ...container }, handle: hostContainer, network: {}, startedAtMs: 0, event: (_: string, reason: string, message: string) => events.push(`${reason}: ${message}`) } as unknown as ProbeTarget;
  return { result: await runProbe('liveness', p, target, new AbortController().signal, { dial: dialEndpoint, kubeVersion: '1.31' }), events };
}

test('exec: exit 0 succeeds; any other code fails with stdout then stderr as the output', async (t) => {
  t.deepEqual(await execProbe({ exec: { command: ['sh', '-c', 'echo ok'] } }), { result: 'success', events: [] });
  t.deepEqual(await execProbe({ exec: { command: ['sh', '-c', 'echo out; echo err >&2; exit 3'] } }), { result: 'failure', events: ['Unhealthy: Liveness probe failed: out\nerr\n'] });
});

test('exec: $(VAR) expands from the container\'s literal env only', async (t) => {
  const env = [{ name: 'WORD', value: 'hello' }, { name: 'FROM', valueFrom: { fieldRef: { fieldPath: 'metadata.name' } } }];
  const run = await execProbe({ exec: { command: ['sh', '-c', "printf '%s %s\\n' '$(WORD)' '$(FROM)'; exit 1"] } }, { env });
  t.deepEqual(run.events, ['Unhealthy: Liveness probe failed: hello $(FROM)\n']);
});

test('exec: the output is cut at 10 KiB, and a command past timeoutSeconds is killed', async (t) => {
  const big = await execProbe({ exec: { command: ['sh', '-c', 'head -c 20000 /dev/zero | tr "\\0" a; exit 1'] } });
  t.is(big.events[0]!.length, 'Unhealthy: Liveness probe failed: '.length + 10 * 1024);
  const started = Date.now();
  const slow = await execProbe({ exec: { command: ['sleep', '30'] }, timeoutSeconds: 1 });
  t.true(Date.now() - started < 5_000, 'killed at the timeout, not after 30 s');
  t.deepEqual(slow, { result: 'failure', events: ['Unhealthy: Liveness probe failed: command "sleep 30" timed out'] });
});

test('exec: a program that cannot be started fails the probe with the runtime\'s error', async (t) => {
  const run = await execProbe({ exec: { command: ['/no/such/program'] } });
  t.is(run.result, 'failure');
  t.regex(run.events[0]!, /^Unhealthy: Liveness probe failed: .*ENOENT/);
});

const prober = createProber({ kubeVersion: 'v1.31.0' });
const hookTarget = (lifecycle: KubeContainer['lifecycle']): HookTarget => ({ pod, container: { name: 'c', lifecycle }, handle: hostContainer, network: { podIP: '127.0.0.1' } });

test('hooks: exec succeeds on exit 0; a failure carries the kubelet\'s message', async (t) => {
  const signal = new AbortController().signal;
  t.is(await prober.runHook('postStart', hookTarget({ postStart: { exec: { command: ['true'] } } }), signal), undefined);
  t.is(await prober.runHook('preStop', hookTarget({}), signal), undefined, 'no hook, nothing to fail');
  const failed = await prober.runHook('postStart', hookTarget({ postStart: { exec: { command: ['sh', '-c', 'echo out; echo bad >&2; exit 2'] } } }), signal);
  t.is(failed, 'Exec lifecycle hook ([sh -c echo out; echo bad >&2; exit 2]) for Container "c" in Pod "p_default(u1)" failed - error: command \'sh -c echo out; echo bad >&2; exit 2\' exited with 2: bad\n, message: "out\\nbad\\n"');
});

test('hooks: sleep waits its seconds, or fails when cut short; an aborted exec hook is killed', async (t) => {
  const started = Date.now();
  t.is(await prober.runHook('preStop', hookTarget({ preStop: { sleep: { seconds: 1 } } }), new AbortController().signal), undefined);
  t.true(Date.now() - started >= 990);
  const abort = new AbortController();
  setTimeout(() => abort.abort(), 100);
  t.is(await prober.runHook('preStop', hookTarget({ preStop: { sleep: { seconds: 30 } } }), abort.signal),
    'Sleep lifecycle hook (30) for Container "c" in Pod "p_default(u1)" failed - error: container terminated before sleep hook finished');
  const cut = new AbortController();
  setTimeout(() => cut.abort(), 100);
  const execStarted = Date.now();
  t.regex((await prober.runHook('postStart', hookTarget({ postStart: { exec: { command: ['sleep', '30'] } } }), cut.signal))!, /exited with 137/);
  t.true(Date.now() - execStarted < 5_000);
});

test('hooks: httpGet fails only when the request does, whatever the status', async (t) => {
  const http = await import('node:http');
  const server = http.createServer((_, res) => res.writeHead(500).end());
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  t.teardown(() => void server.close());
  const port = (server.address() as import('node:net').AddressInfo).port;
  const signal = new AbortController().signal;
  t.is(await prober.runHook('preStop', hookTarget({ preStop: { httpGet: { path: '/stop', port } } }), signal), undefined);
  server.close();
  await new Promise((resolve) => setTimeout(resolve, 50));
  t.is(await prober.runHook('preStop', hookTarget({ preStop: { httpGet: { path: '/stop', port } } }), signal),
    `HTTP lifecycle hook (/stop) for Container "c" in Pod "p_default(u1)" failed - error: Get "http://127.0.0.1:${port}/stop": dial tcp 127.0.0.1:${port}: connect: connection refused`);
  t.regex((await prober.runHook('postStart', hookTarget({ postStart: { tcpSocket: { port } } }), signal))!, /^Cannot run handler: invalid handler: /);
});
