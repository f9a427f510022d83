// A node with pods, made of network namespaces for the kernel tests: a "node" netns with the
// bridge skerry0 (10.42.0.1/24) and N "pod" netns's joined to it by veth pairs (10.42.0.11,
// .12, …), each running busybox httpd on port 8080 that answers with the pod's name, and a
// "client" netns linked to the node (node 192.168.77.1, client .2) as another host would be.
// Everything is made inside namespaces named skerry<random id>-*; the host's own namespace is
// never touched, and destroy() removes it all (processes by pid, then the namespaces).
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);
export const IP = ['/usr/sbin/ip', '/usr/bin/ip', '/sbin/ip', '/bin/ip'].find((p) => fs.existsSync(p)) ?? 'ip';
const NSENTER = ['/usr/bin/nsenter', '/bin/nsenter'].find((p) => fs.existsSync(p)) ?? 'nsenter';
const TIMEOUT = ['/usr/bin/timeout', '/bin/timeout'].find((p) => fs.existsSync(p)) ?? 'timeout';
export const BUSYBOX = '/bin/busybox';
// Absolute paths: under npx, PATH starts with node_modules/.bin, which has an unrelated `nft`.
export const NFT = ['/usr/sbin/nft', '/sbin/nft'].find((p) => fs.existsSync(p)) ?? '/usr/sbin/nft';
export const CONNTRACK = ['/usr/sbin/conntrack', '/sbin/conntrack'].find((p) => fs.existsSync(p)) ?? '/usr/sbin/conntrack';
const SYSCTL = ['/usr/sbin/sysctl', '/sbin/sysctl'].find((p) => fs.existsSync(p)) ?? '/usr/sbin/sysctl';

export const NODE_IP = '192.168.77.1';
export const CLIENT_IP = '192.168.77.2';
export const GATEWAY = '10.42.0.1';

export interface Pod {
  name: string;
  netns: string;
  ip: string;
}

export interface PodLab {
  id: string;
  node: string;
  client: string;
  pods: Pod[];
  /** The file of a namespace, as `applyServices({ netns })` takes it. */
  nsPath(netns: string): string;
  /** Runs argv in a netns with a time limit; never rejects (exit code 124 is the timeout). */
  exec(netns: string, argv: string[], timeoutSeconds?: number): Promise<{ code: number; stdout: string; stderr: string }>;
  /** Starts a long-running process in a netns; destroy() kills it by pid. */
  start(netns: string, argv: string[]): ChildProcess;
  /** One HTTP GET with busybox wget from a netns: the body, or the error wget printed. */
  get(netns: string, url: string, timeoutSeconds?: number): Promise<{ ok: boolean; body: string; ms: number }>;
  destroy(): Promise<void>;
}

/** Why the lab cannot be made here, or undefined. */
export function podLabUnavailable(): string | undefined {
  if (process.getuid?.() !== 0) return 'needs root (network namespaces, nft)';
  const missing = [IP, NSENTER, TIMEOUT, BUSYBOX, NFT, SYSCTL, CONNTRACK].filter((p) => !fs.existsSync(p));
  if (missing.length > 0) return `missing ${missing.join(', ')}`;
  if (!fs.existsSync('/proc/sys/net/bridge')) return 'needs br_netfilter (/proc/sys/net/bridge)';
  return undefined;
}

async function ip(netns: string, ...args: string[]): Promise<void> {
  await run(IP, ['-n', netns, ...args]).catch((error: { stderr?: string; message: string }) => {
    throw new Error(`ip -n ${netns} ${args.join(' ')}: ${error.stderr?.trim() || error.message}`);
  });
}

export async function createPodLab(podCount: number): Promise<PodLab> {
  const id = crypto.randomBytes(3).toString('hex');
  const made: string[] = [];
  const processes = new Set<ChildProcess>();
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), `skerry-${id}-`));
  const nsPath = (netns: string) => `/run/netns/${netns}`;
  const lab: PodLab = {
    id,
    node: `skerry${id}-node`,
    client: `skerry${id}-client`,
    pods: Array.from({ length: podCount }, (_, i) => ({ name: `pod${i + 1}`, netns: `skerry${id}-p${i + 1}`, ip: `10.42.0.${11 + i}` })),
    nsPath,
    async exec(netns, argv, timeoutSeconds = 5) {
      try {
        const { stdout, stderr } = await run(NSENTER, [`--net=${nsPath(netns)}`, TIMEOUT, '-s', 'KILL', String(timeoutSeconds), ...argv], { maxBuffer: 64 << 20 });
        return { code: 0, stdout, stderr };
      } catch (error) {
        const e = error as { code?: number; stdout?: string; stderr?: string };
        return { code: typeof e.code === 'number' ? e.code : -1, stdout: e.stdout ?? '', stderr: e.stderr ?? '' };
      }
    },
    start(netns, argv) {
      const child = spawn(NSENTER, [`--net=${nsPath(netns)}`, ...argv], { stdio: 'ignore' });
      processes.add(child);
      child.once('exit', () => processes.delete(child));
      child.once('error', () => processes.delete(child));
      return child;
    },
    async get(netns, url, timeoutSeconds = 5) {
      const started = performance.now();
      const { code, stdout, stderr } = await lab.exec(netns, [BUSYBOX, 'wget', '-q', '-O', '-', url], timeoutSeconds);
      return { ok: code === 0, body: code === 0 ? stdout.trim() : stderr.trim() || `exit ${code}`, ms: performance.now() - started };
    },
    async destroy() {
      for (const child of processes) child.kill('SIGKILL');
      for (const name of made.reverse()) await run(IP, ['netns', 'del', name]).catch(() => undefined);
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
  try {
    await build(lab, made, dir);
    return lab;
  } catch (error) {
    await lab.destroy();
    throw error;
  }
}

async function addNetns(name: string, made: string[]): Promise<void> {
  await run(IP, ['netns', 'add', name]);
  made.push(name);
  await ip(name, 'link', 'set', 'lo', 'up');
}

async function build(lab: PodLab, made: string[], dir: string): Promise<void> {
  await addNetns(lab.node, made);
  await ip(lab.node, 'link', 'add', 'skerry0', 'type', 'bridge');
  await ip(lab.node, 'addr', 'add', `${GATEWAY}/24`, 'dev', 'skerry0');
  await ip(lab.node, 'link', 'set', 'skerry0', 'up');
  // ADR 011: forwarding on, and bridged pod-to-pod traffic through the inet hooks.
  for (const setting of ['net.ipv4.ip_forward=1', 'net.bridge.bridge-nf-call-iptables=1']) {
    const done = await lab.exec(lab.node, [SYSCTL, '-q', '-w', setting]);
    if (done.code !== 0) throw new Error(`sysctl ${setting} in ${lab.node}: ${done.stderr.trim()}`);
  }
  for (const [i, pod] of lab.pods.entries()) {
    const port = `skerry${lab.id}v${i + 1}`;
    await addNetns(pod.netns, made);
    await ip(lab.node, 'link', 'add', port, 'type', 'veth', 'peer', 'name', 'eth0', 'netns', pod.netns);
    // hairpin: a pod reaching itself through a Service comes back out of the port it went in by.
    await ip(lab.node, 'link', 'set', port, 'master', 'skerry0', 'up');
    await ip(lab.node, 'link', 'set', port, 'type', 'bridge_slave', 'hairpin', 'on');
    await ip(pod.netns, 'addr', 'add', `${pod.ip}/24`, 'dev', 'eth0');
    await ip(pod.netns, 'link', 'set', 'eth0', 'up');
    await ip(pod.netns, 'route', 'add', 'default', 'via', GATEWAY);
    const home = path.join(dir, pod.name);
    fs.mkdirSync(home);
    fs.writeFileSync(path.join(home, 'index.html'), `${pod.name}\n`);
    lab.start(pod.netns, [BUSYBOX, 'httpd', '-f', '-p', '8080', '-h', home]);
  }
  await addNetns(lab.client, made);
  await ip(lab.node, 'link', 'add', `skerry${lab.id}c`, 'type', 'veth', 'peer', 'name', 'eth0', 'netns', lab.client);
  await ip(lab.node, 'addr', 'add', `${NODE_IP}/24`, 'dev', `skerry${lab.id}c`);
  await ip(lab.node, 'link', 'set', `skerry${lab.id}c`, 'up');
  await ip(lab.client, 'addr', 'add', `${CLIENT_IP}/24`, 'dev', 'eth0');
  await ip(lab.client, 'link', 'set', 'eth0', 'up');
  // The node's way out: without a route, packets to a Service address with no endpoints would
  // die in routing before the filter chains could reject them.
  await ip(lab.node, 'route', 'add', 'default', 'via', CLIENT_IP);
  for (const pod of lab.pods) await waitForHttpd(lab, pod);
}

async function waitForHttpd(lab: PodLab, pod: Pod): Promise<void> {
  for (let attempt = 0; attempt < 50; attempt++) {
    const answer = await lab.get(pod.netns, 'http://127.0.0.1:8080/');
    if (answer.ok && answer.body === pod.name) return;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`busybox httpd in ${pod.netns} did not answer`);
}
