// The node-local DNS in namespaces this test makes: the server runs in a "node" netns on
// 10.42.0.1:53 (as on a node's bridge), and a "pod" netns linked to it resolves through it
// with busybox nslookup and with glibc's resolver (getent) reading a pod's resolv.conf
// (search <ns>.svc.cluster.local svc.cluster.local cluster.local, ndots:5) bind-mounted in a
// private mount namespace, so the client does the search-list expansion as a pod's would.
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import readline from 'node:readline';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import test from 'ava';

const run = promisify(execFile);
const IP = ['/usr/sbin/ip', '/usr/bin/ip', '/sbin/ip'].find((p) => fs.existsSync(p));
const TOOLS = ['/usr/bin/nsenter', '/usr/bin/unshare', '/usr/bin/mount', '/usr/bin/getent', '/usr/bin/timeout', '/bin/busybox'];
const missing = TOOLS.filter((p) => !fs.existsSync(p));
const why = process.getuid?.() !== 0 ? 'needs root (network and mount namespaces)' : !IP ? 'needs ip (iproute2)' : missing.length > 0 ? `missing ${missing.join(', ')}` : undefined;
const kTest = why ? test.skip : test.serial;
if (why) {
  test('dns netns tests are skipped', (t) => {
    t.log(`skipped: ${why}`);
    t.pass();
  });
}

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const SERVE = fileURLToPath(new URL('./serve.test-helper.ts', import.meta.url));
const id = crypto.randomBytes(3).toString('hex');
const NODE = `skerry${id}-dns`;
const POD = `skerry${id}-dpod`;
const made: string[] = [];
let server: ChildProcess | undefined;
let dir = '';

const VIEW = {
  listen: [{ address: '10.42.0.1', port: 53 }],
  services: [
    { metadata: { namespace: 'default', name: 'web' }, spec: { clusterIP: '10.43.0.10', ports: [{ name: 'http', port: 80 }] } },
    { metadata: { namespace: 'db', name: 'pg' }, spec: { clusterIP: 'None', ports: [{ name: 'sql', port: 5432 }] } },
  ],
  endpoints: [{ metadata: { namespace: 'db', name: 'pg' }, subsets: [{ addresses: [{ ip: '10.42.1.5', hostname: 'pg-0' }, { ip: '10.42.2.6', hostname: 'pg-1' }], ports: [{ name: 'sql', port: 5432 }] }] }],
};

async function ip(...args: string[]): Promise<void> {
  await run(IP!, args);
}

test.before(async () => {
  if (why) return;
  dir = fs.mkdtempSync(path.join(os.tmpdir(), `skerry-${id}-`));
  fs.writeFileSync(path.join(dir, 'resolv.conf'), 'nameserver 10.42.0.1\nsearch default.svc.cluster.local svc.cluster.local cluster.local\noptions ndots:5\n');
  for (const name of [NODE, POD]) {
    await ip('netns', 'add', name);
    made.push(name);
    await ip('-n', name, 'link', 'set', 'lo', 'up');
  }
  await ip('-n', NODE, 'link', 'add', `skerry${id}d`, 'type', 'veth', 'peer', 'name', 'eth0', 'netns', POD);
  await ip('-n', NODE, 'addr', 'add', '10.42.0.1/24', 'dev', `skerry${id}d`);
  await ip('-n', NODE, 'link', 'set', `skerry${id}d`, 'up');
  await ip('-n', POD, 'addr', 'add', '10.42.0.11/24', 'dev', 'eth0');
  await ip('-n', POD, 'link', 'set', 'eth0', 'up');
  server = spawn('/usr/bin/nsenter', [`--net=/run/netns/${NODE}`, process.execPath, '--import', 'tsx', SERVE, JSON.stringify(VIEW)], { cwd: ROOT, stdio: ['ignore', 'pipe', 'inherit'] });
  const ready = await Promise.race([
    new Promise<string>((resolve) => readline.createInterface({ input: server!.stdout! }).once('line', resolve)),
    new Promise<never>((_, reject) => server!.once('exit', (code) => reject(new Error(`DNS server exited ${code}`)))),
  ]);
  if (!ready.includes('10.42.0.1')) throw new Error(`DNS server said ${ready}`);
});

test.after.always(async () => {
  server?.kill('SIGKILL');
  for (const name of made.reverse()) await run(IP!, ['netns', 'del', name]).catch(() => undefined);
  if (dir) fs.rmSync(dir, { recursive: true, force: true });
});

async function inPod(script: string): Promise<{ code: number; stdout: string }> {
  try {
    const { stdout } = await run('/usr/bin/nsenter', [`--net=/run/netns/${POD}`, '/usr/bin/timeout', '-s', 'KILL', '10', '/usr/bin/unshare', '--mount', '/bin/sh', '-c', `mount --bind ${dir}/resolv.conf /etc/resolv.conf && ${script}`]);
    return { code: 0, stdout };
  } catch (error) {
    return { code: (error as { code?: number }).code ?? -1, stdout: (error as { stdout?: string }).stdout ?? '' };
  }
}

const addresses = (getent: string) => [...new Set(getent.split('\n').filter(Boolean).map((line) => line.split(/\s+/)[0]))].sort();

kTest('busybox nslookup in a pod finds a service by its full name', async (t) => {
  const { code, stdout } = await inPod('/bin/busybox nslookup web.default.svc.cluster.local 10.42.0.1');
  t.is(code, 0, stdout);
  t.regex(stdout, /Name:\s+web\.default\.svc\.cluster\.local\s+Address: 10\.43\.0\.10/);
});

kTest('short names resolve through the pod search list, as the resolver expands them', async (t) => {
  for (const [name, expected] of [
    ['web', ['10.43.0.10']],
    ['web.default', ['10.43.0.10']],
    ['web.default.svc', ['10.43.0.10']],
    ['pg.db', ['10.42.1.5', '10.42.2.6']],
    ['pg-1.pg.db', ['10.42.2.6']],
    ['10-42-0-11.default.pod', ['10.42.0.11']],
  ] as const) {
    const { code, stdout } = await inPod(`/usr/bin/getent ahostsv4 ${name}`);
    t.is(code, 0, `${name}: ${stdout}`);
    t.deepEqual(addresses(stdout), [...expected], name);
  }
});

kTest('A and AAAA together (getaddrinfo AF_UNSPEC): the empty AAAA answer does not hide the A', async (t) => {
  const { code, stdout } = await inPod('/usr/bin/getent ahosts web');
  t.is(code, 0);
  t.deepEqual(addresses(stdout), ['10.43.0.10']);
});

kTest('names outside the cluster go to the upstream after the search list; unknown ones are not found', async (t) => {
  const external = await inPod('/usr/bin/getent ahostsv4 example.test');
  t.is(external.code, 0);
  t.deepEqual(addresses(external.stdout), ['192.0.2.53']);
  const nowhere = await inPod('/usr/bin/getent ahostsv4 nowhere');
  t.is(nowhere.code, 2, 'getent: not found');
  const otherNamespace = await inPod('/usr/bin/getent ahostsv4 web.other');
  t.is(otherNamespace.code, 2);
});
