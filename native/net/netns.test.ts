// connectInNetns against a real network namespace: one pinned on a file as the pod manager
// pins a pod's, with a listener inside it that the host's loopback cannot reach.
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import test from 'ava';
import { kernelConstants, runChildSteps, unmount } from '../index.ts';
import { connectInNetns } from './index.ts';

const nsenter = ['/usr/bin/nsenter', '/bin/nsenter'].find((p) => fs.existsSync(p));
const why = process.getuid?.() !== 0 ? 'needs root (unshare, setns)' : !nsenter ? 'needs nsenter (util-linux) to run a listener in the namespace' : undefined;
const nsTest = why ? test.skip : test.serial;
if (why) {
  test('netns connect tests are skipped', (t) => {
    t.log(`skipped: ${why}`);
    t.pass();
  });
}

let dir = '';
let nsFile = '';
let listener: ChildProcess | undefined;
let port = 0;

test.before(async () => {
  if (why) return;
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'skerry-netns-'));
  nsFile = path.join(dir, 'net');
  fs.writeFileSync(nsFile, '');
  const c = kernelConstants();
  runChildSteps([
    { kind: 'unshare', label: 'unshare net', flags: c.CLONE_NEWNET },
    { kind: 'mount', label: 'pin the namespace', source: '/proc/self/ns/net', target: nsFile, flags: c.MS_BIND },
    { kind: 'exec', label: 'loopback up', path: '/bin/sh', argv: ['sh', '-c', 'ip link set lo up || /sbin/ip link set lo up'] },
  ]);
  // A listener only inside the namespace: it answers "inside" and closes.
  const script = "const s=require('net').createServer((c)=>c.end('inside')).listen(0,'127.0.0.1',()=>console.log(s.address().port))";
  listener = spawn(nsenter!, [`--net=${nsFile}`, process.execPath, '-e', script], { stdio: ['ignore', 'pipe', 'inherit'] });
  port = await new Promise<number>((resolve, reject) => {
    listener!.stdout!.once('data', (d: Buffer) => resolve(Number(d.toString().trim())));
    listener!.once('exit', (code) => reject(new Error(`listener exited ${code}`)));
  });
});

test.after.always(() => {
  listener?.kill('SIGKILL');
  if (!dir) return;
  try {
    unmount(nsFile, true);
  } catch {
    // never mounted: nothing to undo
  }
  fs.rmSync(dir, { recursive: true, force: true });
});

async function readAll(socket: net.Socket): Promise<string> {
  let text = '';
  for await (const chunk of socket) text += String(chunk);
  return text;
}

nsTest('a connection made inside the namespace reaches a listener only it has', async (t) => {
  const socket = await connectInNetns(nsFile, '127.0.0.1', port, 2_000);
  t.is(await readAll(socket), 'inside');
  // The host's loopback has no such listener (or another process's, which does not answer "inside").
  const fromHost = await new Promise<string>((resolve) => {
    const s = net.connect(port, '127.0.0.1');
    s.once('error', (e: NodeJS.ErrnoException) => resolve(e.code ?? 'error'));
    void readAll(s).then(resolve, () => undefined);
  });
  t.not(fromHost, 'inside');
});

nsTest('a refused connection names the step, the errno and the namespace', async (t) => {
  const free = await new Promise<number>((resolve) => {
    const s = net.createServer().listen(0, '127.0.0.1', () => {
      const p = (s.address() as net.AddressInfo).port;
      s.close(() => resolve(p));
    });
  });
  const error = await t.throwsAsync(connectInNetns(nsFile, '127.0.0.1', free === port ? free + 1 : free, 2_000));
  t.is(error!.message, `connect to 127.0.0.1:${free === port ? free + 1 : free} in ${nsFile}: ECONNREFUSED (Connection refused)`);
  t.is((error as NodeJS.ErrnoException).code, 'ECONNREFUSED');
});

nsTest('a missing namespace file, a file that is no net namespace and a bad address are each reported', async (t) => {
  const missing = await t.throwsAsync(connectInNetns(path.join(dir, 'nope'), '127.0.0.1', 80, 1_000));
  t.is(missing!.message, `open ${path.join(dir, 'nope')}: ENOENT (No such file or directory)`);
  const notNet = await t.throwsAsync(connectInNetns('/proc/self/ns/uts', '127.0.0.1', 80, 1_000));
  t.is(notNet!.message, 'setns CLONE_NEWNET /proc/self/ns/uts: EINVAL (Invalid argument)');
  const badAddress = await t.throwsAsync(connectInNetns(nsFile, 'localhost', 80, 1_000));
  t.is(badAddress!.message, 'parse localhost as an IP address: EINVAL (Invalid argument)');
  await t.throwsAsync(connectInNetns(nsFile, '127.0.0.1', 0, 1_000), { message: /port: 1-65535/ });
});

nsTest('an address with no route in the namespace fails at once', async (t) => {
  const error = await t.throwsAsync(connectInNetns(nsFile, '10.255.255.1', 80, 2_000));
  t.is((error as NodeJS.ErrnoException).code, 'ENETUNREACH');
});
