// A node and its pods, all network namespaces of their own, for the NetworkPolicy kernel
// tests: the "node" namespace holds bridge skerry0 (10.42.0.1/24) with br_netfilter calling
// the inet hooks for bridged traffic and forwarding on (ADR 011); each pod namespace has eth0
// on a veth whose other end is on the bridge. One helper process (pod-lab.test-helper.py)
// listens on TCP and UDP 80 and 81 in every pod and in the node, and probes. Nothing is added
// to the host's namespace; every name starts with skerry and the lab's random id, and
// destroy() removes it all, also after a partial creation or when the test process exits.
import { execFile, execFileSync, spawn, type ChildProcess } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import readline from 'node:readline';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

const run = promisify(execFile);
const HELPER = fileURLToPath(new URL('./pod-lab.test-helper.py', import.meta.url));
const IP = ['/usr/sbin/ip', '/sbin/ip', '/usr/bin/ip', '/bin/ip'].find((p) => fs.existsSync(p));
const TOOLS = { ip: IP, nft: ['/usr/sbin/nft', '/sbin/nft'].find((p) => fs.existsSync(p)), nsenter: '/usr/bin/nsenter', python3: '/usr/bin/python3', conntrack: ['/usr/sbin/conntrack', '/sbin/conntrack'].find((p) => fs.existsSync(p)) };

export const PORTS = [
  { protocol: 'tcp', port: 80 },
  { protocol: 'tcp', port: 81 },
  { protocol: 'udp', port: 80 },
  { protocol: 'udp', port: 81 },
] as const;
export type LabPort = (typeof PORTS)[number];

export interface LabPod {
  /** Kubernetes namespace and pod name, e.g. x and a. */
  namespace: string;
  name: string;
  /** "x/a" */
  key: string;
  ip: string;
  netns: string;
}

export type Outcome = 'ok' | 'drop' | 'refused' | string;

export interface Probe {
  from: LabPod | 'node';
  to: LabPod | 'node';
  port: LabPort;
}

export interface PolicyLab {
  id: string;
  /** The node's netns file (/run/netns/...). */
  nodeNetns: string;
  nodeIp: string;
  pods: LabPod[];
  pod(key: string): LabPod;
  /** All the probes at once; each outcome in the order given. */
  probe(probes: Probe[], timeoutMs: number): Promise<Outcome[]>;
  /** A long-lived TCP connection, for conntrack tests. */
  open(id: string, from: LabPod, to: LabPod, port: number, timeoutMs: number): Promise<Outcome>;
  send(id: string, timeoutMs: number): Promise<Outcome>;
  close(id: string): Promise<void>;
  remaining(): string[];
  destroy(): Promise<void>;
}

/** Why the lab cannot be made here, or undefined when it can. */
export function policyLabUnavailable(): string | undefined {
  if (process.getuid?.() !== 0) return 'needs root (network namespaces, nft)';
  const missing = Object.entries(TOOLS)
    .filter(([, p]) => !p || !fs.existsSync(p))
    .map(([name]) => name);
  if (missing.length > 0) return `missing ${missing.join(', ')}`;
  if (!fs.existsSync('/proc/sys/net/bridge')) return 'br_netfilter is not loaded (modprobe br_netfilter): bridged traffic would bypass the policy hooks';
  return undefined;
}

const ip = (netns: string, ...args: string[]) =>
  run(IP!, ['-n', netns, ...args]).catch((error: { stderr?: string; message: string }) => {
    throw new Error(`ip -n ${netns} ${args.join(' ')}: ${error.stderr?.trim() || error.message}`);
  });

/** Writes a sysctl of the namespace (/proc/sys/net is per network namespace, as seen by the writer). */
const sysctl = (netns: string, key: string, value: string) =>
  run(TOOLS.nsenter, [`--net=/run/netns/${netns}`, '--', '/bin/sh', '-c', `echo ${value} > /proc/sys/${key.replace(/\./g, '/')}`]);

interface Helper {
  child: ChildProcess;
  ask(command: Record<string, unknown>): Promise<Record<string, unknown>>;
}

function startHelper(): Promise<Helper> {
  const child = spawn(TOOLS.python3, [HELPER], { stdio: ['pipe', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr!.on('data', (d: Buffer) => (stderr += d));
  child.stdin!.on('error', () => undefined); // a dead helper is reported by `gone`
  const waiting: Array<(answer: Record<string, unknown>) => void> = [];
  const gone = new Promise<never>((_, reject) => child.once('exit', (code) => reject(new Error(`pod lab helper exited (${code}): ${stderr.trim()}`))));
  gone.catch(() => undefined);
  readline.createInterface({ input: child.stdout! }).on('line', (line) => waiting.shift()?.(JSON.parse(line) as Record<string, unknown>));
  const next = () => Promise.race([new Promise<Record<string, unknown>>((resolve) => waiting.push(resolve)), gone]);
  const helper: Helper = {
    child,
    async ask(command) {
      const answer = next();
      child.stdin!.write(`${JSON.stringify(command)}\n`);
      const a = await answer;
      if (a.error) throw new Error(`pod lab helper: ${String(a.error)}`);
      return a;
    },
  };
  return next().then(() => helper);
}

const live = new Set<{ destroySync(): void }>();
let exitHook = false;

/** Makes the node and one pod per `namespace/name` key; on any failure removes what it made and throws. */
export async function createPolicyLab(podKeys: string[]): Promise<PolicyLab> {
  const why = policyLabUnavailable();
  if (why) throw new Error(`policy lab: ${why}`);
  const id = crypto.randomBytes(3).toString('hex');
  const prefix = `skerry${id}`;
  const created: string[] = [];
  let helper: Helper | undefined;
  const node = `${prefix}-node`;
  const pods: LabPod[] = podKeys.map((key, i) => {
    const [namespace = '', name = ''] = key.split('/');
    return { namespace, name, key, ip: `10.42.0.${10 + i}`, netns: `/run/netns/${prefix}-${namespace}-${name}` };
  });
  const destroySync = () => {
    helper?.child.kill('SIGKILL');
    for (const name of created) {
      try {
        execFileSync(IP!, ['netns', 'del', name], { stdio: 'ignore' });
      } catch {
        // already gone
      }
    }
  };
  const handle = { destroySync };
  live.add(handle);
  installExitHook();
  const lab: PolicyLab = {
    id,
    nodeNetns: `/run/netns/${node}`,
    nodeIp: '10.42.0.1',
    pods,
    pod: (key) => pods.find((p) => p.key === key) ?? fail(`no pod ${key} in the lab`),
    async probe(probes, timeoutMs) {
      const specs = probes.map((p, i) => ({ id: String(i), netns: netnsOf(lab, p.from), ip: ipOf(lab, p.to), port: p.port.port, proto: p.port.protocol, expect: nameOf(p.to) }));
      const answer = await helper!.ask({ op: 'probe', timeout: timeoutMs / 1000, probes: specs });
      const results = answer.results as Record<string, string>;
      return probes.map((_, i) => results[String(i)] ?? 'missing');
    },
    async open(connId, from, to, port, timeoutMs) {
      const answer = await helper!.ask({ op: 'open', id: connId, netns: from.netns, ip: to.ip, port, expect: to.key, timeout: timeoutMs / 1000 });
      return answer.result as string;
    },
    async send(connId, timeoutMs) {
      return (await helper!.ask({ op: 'send', id: connId, timeout: timeoutMs / 1000 })).result as string;
    },
    async close(connId) {
      await helper!.ask({ op: 'close', id: connId });
    },
    remaining: () => listNetns().filter((n) => n.startsWith(`${prefix}-`)),
    async destroy() {
      if (helper) {
        helper.child.kill('SIGKILL');
        await new Promise((resolve) => (helper!.child.exitCode !== null || helper!.child.signalCode !== null ? resolve(undefined) : helper!.child.once('exit', resolve)));
      }
      for (const name of [...created].reverse()) await run(IP!, ['netns', 'del', name]).catch(() => undefined);
      created.length = 0;
      live.delete(handle);
    },
  };
  try {
    await addNetns(node, created);
    await ip(node, 'link', 'add', 'skerry0', 'type', 'bridge');
    await ip(node, 'addr', 'add', '10.42.0.1/24', 'dev', 'skerry0');
    await ip(node, 'link', 'set', 'skerry0', 'up');
    await sysctl(node, 'net.ipv4.ip_forward', '1');
    await sysctl(node, 'net.bridge.bridge-nf-call-iptables', '1');
    await Promise.all(pods.map((pod) => addPod(node, pod, created)));
    helper = await startHelper();
    const listeners = [...pods.map((p) => ({ name: p.key, netns: p.netns })), { name: 'node', netns: lab.nodeNetns }];
    await helper.ask({ op: 'listen', pods: listeners, tcp: [80, 81], udp: [80, 81] });
    return lab;
  } catch (error) {
    await lab.destroy();
    throw error;
  }
}

function fail(message: string): never {
  throw new Error(message);
}

const netnsOf = (lab: PolicyLab, end: LabPod | 'node') => (end === 'node' ? lab.nodeNetns : end.netns);
const ipOf = (lab: PolicyLab, end: LabPod | 'node') => (end === 'node' ? lab.nodeIp : end.ip);
const nameOf = (end: LabPod | 'node') => (end === 'node' ? 'node' : end.key);

async function addNetns(name: string, created: string[]): Promise<void> {
  // `ip netns add` refuses an existing name, so a clash never touches someone else's namespace.
  await run(IP!, ['netns', 'add', name]);
  created.push(name);
  await ip(name, 'link', 'set', 'lo', 'up');
}

async function addPod(node: string, pod: LabPod, created: string[]): Promise<void> {
  const netns = pod.netns.slice('/run/netns/'.length);
  await addNetns(netns, created);
  const hostEnd = `skerry${crypto.createHash('sha256').update(pod.key).digest('hex').slice(0, 8)}`;
  await ip(node, 'link', 'add', hostEnd, 'type', 'veth', 'peer', 'name', 'eth0', 'netns', netns);
  await ip(node, 'link', 'set', hostEnd, 'master', 'skerry0', 'up');
  await ip(netns, 'addr', 'add', `${pod.ip}/24`, 'dev', 'eth0');
  await ip(netns, 'link', 'set', 'eth0', 'up');
  await ip(netns, 'route', 'add', 'default', 'via', '10.42.0.1');
}

function listNetns(): string[] {
  try {
    return fs.readdirSync('/run/netns');
  } catch {
    return [];
  }
}

function installExitHook(): void {
  if (exitHook) return;
  exitHook = true;
  process.once('exit', () => {
    for (const lab of live) lab.destroySync();
  });
}
