// A lab of network namespaces for the sync tests (issue 6 point 9): a "server" netns and N
// "node" netns, each node joined to the server by its own point-to-point link with private
// addresses (10.77.0.1 for the server, 10.77.0.2, .3 … for the nodes) that exist only inside
// the lab. Nothing is added to the host's namespace; every name starts with skerry and the
// lab's random id, and destroy() removes it all, also after a partial creation.
//
// Why a userspace wire and not veth + `tc netem`: the kernels this runs on may lack
// sch_netem (this machine's does: CONFIG_NET_SCH_NETEM is not set, and nft has no queue
// either), and no other qdisc can delay packets. So each link is two TUN devices joined by
// a small forwarder (netlab-wire.py) that applies netem's loss, delay and jitter per
// direction. It works per IP packet (TUN has no offloads: no 64 KiB GSO packets that would
// make 30 % loss mean something else), and a cut link drops everything silently — a dead
// WAN, with no RST or ICMP to tell either side.
//
// Processes run in a netns through `nsenter --net=…`, not `ip netns exec`: the latter also
// unshares the mount namespace and remounts /sys, which hides /sys/fs/cgroup from agents.
import { execFile, execFileSync, spawn, type ChildProcess, type SpawnOptions } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import readline from 'node:readline';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { relayArgv, relayListening } from '../lab/index.ts';

const run = promisify(execFile);
const WIRE = fileURLToPath(new URL('./netlab-wire.py', import.meta.url));
const PYTHON = '/usr/bin/python3';
const IP = ['/usr/sbin/ip', '/usr/bin/ip', '/sbin/ip', '/bin/ip'].find((p) => fs.existsSync(p)) ?? 'ip (iproute2)';
const TOOLS = [IP, '/usr/bin/nsenter', PYTHON, '/dev/net/tun'];
export const SERVER_IP = '10.77.0.1';

export interface LabNode {
  /** The node's netns. */
  netns: string;
  ip: string;
  /** The link's device inside the node's netns. */
  dev: string;
  /** The link's device inside the server's netns. */
  serverDev: string;
}

export interface Impairment {
  lossPercent?: number;
  delayMs?: number;
  jitterMs?: number;
}

export interface Direction {
  packets: number;
  bytes: number;
  dropped: number;
}

/** What crossed one link: up is node → server, down is server → node. */
export interface WireStats {
  up: Direction;
  down: Direction;
}

export interface Lab {
  id: string;
  /** The server's netns. */
  server: string;
  nodes: LabNode[];
  /** Spawns argv inside a netns; the lab kills it (by pid) on destroy. */
  runIn(netns: string, argv: string[], options?: SpawnOptions): ChildProcess;
  /** Impairs packets leaving `dev` in `netns` (as `tc qdisc replace dev DEV root netem` would); all zero clears it. */
  netem(netns: string, dev: string, impairment: Impairment): Promise<void>;
  /** Drops every packet on the node's link in both directions, silently. */
  partition(node: number): Promise<void>;
  heal(node: number): Promise<void>;
  stats(node: number): Promise<WireStats>;
  /** Serves a TCP address inside a netns on a Unix socket (a path: reachable from any netns). */
  unixRelay(netns: string, host: string, port: number, socketPath: string): Promise<void>;
  /** The lab's namespaces that still exist (none after destroy). */
  remaining(): string[];
  destroy(): Promise<void>;
}

/** Why a lab cannot be made here, or undefined when it can. */
export function labUnavailable(): string | undefined {
  if (process.getuid?.() !== 0) return 'needs root (network namespaces)';
  const missing = TOOLS.filter((p) => !fs.existsSync(p));
  return missing.length > 0 ? `missing ${missing.join(', ')} (scripts/setup.sh installs iproute2 and python3)` : undefined;
}

const live = new Set<Lab>();
let exitHookInstalled = false;

/** Makes the lab; on any failure it removes what it made and throws. */
export async function createLab(nodeCount: number): Promise<Lab> {
  const reason = labUnavailable();
  if (reason) throw new Error(`network lab: ${reason}`);
  installExitHook();
  const lab = newLab(crypto.randomBytes(2).toString('hex'), nodeCount);
  live.add(lab);
  try {
    await build(lab as LabInternals);
    return lab;
  } catch (error) {
    await lab.destroy();
    throw error;
  }
}

interface Wire {
  child: ChildProcess;
  /** Sends one command and resolves with the wire's answer. */
  ask(command: Record<string, unknown>): Promise<Record<string, unknown>>;
}

interface LabInternals extends Lab {
  created: string[];
  wires: Wire[];
  processes: Set<ChildProcess>;
  destroySync(): void;
}

function newLab(id: string, nodeCount: number): Lab {
  const prefix = `skerry-${id}`;
  const lab: LabInternals = {
    id,
    server: `${prefix}-srv`,
    nodes: Array.from({ length: nodeCount }, (_, i) => ({ netns: `${prefix}-n${i}`, ip: `10.77.0.${i + 2}`, dev: `skerry${id}n${i}`, serverDev: `skerry${id}s${i}` })),
    created: [],
    wires: [],
    processes: new Set(),
    runIn(netns, argv, options = {}) {
      const child = spawn('/usr/bin/nsenter', [`--net=/run/netns/${netns}`, '--', ...argv], options);
      lab.processes.add(child);
      child.once('exit', () => lab.processes.delete(child));
      // A process that never started has nothing to stop; its caller sees the failure as an exit.
      child.once('error', () => lab.processes.delete(child));
      return child;
    },
    async netem(netns, dev, impairment) {
      const { wire, direction } = wireEnd(lab, netns, dev);
      await wire.ask({ dir: direction, loss: impairment.lossPercent ?? 0, delay: impairment.delayMs ?? 0, jitter: impairment.jitterMs ?? 0 });
    },
    partition: async (node) => void (await wireOf(lab, node).ask({ cut: true })),
    heal: async (node) => void (await wireOf(lab, node).ask({ cut: false })),
    stats: async (node) => (await wireOf(lab, node).ask({ stats: true })).stats as WireStats,
    unixRelay: (netns, host, port, socketPath) => startRelay(lab, netns, host, port, socketPath),
    remaining: () => listNetns().filter((name) => name.startsWith(`${prefix}-`)),
    async destroy() {
      await Promise.all([...lab.processes].map((child) => stopProcess(child)));
      for (const name of [...lab.created].reverse()) await run(IP, ['netns', 'del', name]).catch(() => undefined);
      lab.created = [];
      lab.wires = [];
      live.delete(lab);
    },
    destroySync() {
      for (const child of lab.processes) child.kill('SIGKILL');
      for (const name of lab.created) tryIgnore(() => execFileSync(IP, ['netns', 'del', name], { stdio: 'ignore' }));
    },
  };
  return lab;
}

async function build(lab: LabInternals): Promise<void> {
  await addNetns(lab, lab.server);
  for (const node of lab.nodes) {
    await addNetns(lab, node.netns);
    lab.wires.push(await startWire(lab, node));
    await ip(lab.server, 'link', 'set', node.serverDev, 'up');
    await ip(lab.server, 'addr', 'add', `${SERVER_IP}/32`, 'peer', `${node.ip}/32`, 'dev', node.serverDev);
    await ip(node.netns, 'link', 'set', node.dev, 'up');
    await ip(node.netns, 'addr', 'add', `${node.ip}/32`, 'peer', `${SERVER_IP}/32`, 'dev', node.dev);
  }
}

async function addNetns(lab: LabInternals, name: string): Promise<void> {
  // `ip netns add` refuses an existing name, so a clash with another lab fails here and
  // never touches that lab's namespace.
  await run(IP, ['netns', 'add', name]);
  lab.created.push(name);
  await ip(name, 'link', 'set', 'lo', 'up');
}

function ip(netns: string, ...args: string[]): Promise<unknown> {
  return run(IP, ['-n', netns, ...args]).catch((error: { stderr?: string; message: string }) => {
    throw new Error(`ip -n ${netns} ${args.join(' ')}: ${error.stderr?.trim() || error.message}`);
  });
}

/** Starts the forwarder for one node's link and waits until both its devices exist. */
async function startWire(lab: LabInternals, node: LabNode): Promise<Wire> {
  const child = lab.runIn(lab.server, [PYTHON, WIRE, `/run/netns/${node.netns}`, node.serverDev, node.dev], { stdio: ['pipe', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr!.on('data', (d: Buffer) => (stderr += d));
  child.stdin!.on('error', () => undefined); // a dead wire is reported by `gone`, not by EPIPE
  const answers = readline.createInterface({ input: child.stdout! });
  const waiting: Array<(answer: Record<string, unknown>) => void> = [];
  const gone = new Promise<never>((_, reject) => child.once('exit', (code) => reject(new Error(`wire for ${node.netns} exited (${code}): ${stderr.trim()}`))));
  gone.catch(() => undefined);
  answers.on('line', (line) => waiting.shift()?.(JSON.parse(line) as Record<string, unknown>));
  const next = () => Promise.race([new Promise<Record<string, unknown>>((resolve) => waiting.push(resolve)), gone]);
  await next(); // {"ready": true}
  return {
    child,
    ask(command) {
      const answer = next();
      child.stdin!.write(`${JSON.stringify(command)}\n`);
      return answer;
    },
  };
}

function wireOf(lab: LabInternals, node: number): Wire {
  const wire = lab.wires[node];
  if (!wire) throw new Error(`lab ${lab.id} has no node ${node}`);
  return wire;
}

/** The link a device belongs to, and which way packets leaving it travel. */
function wireEnd(lab: LabInternals, netns: string, dev: string): { wire: Wire; direction: 'up' | 'down' } {
  const index = lab.nodes.findIndex((n) => (n.netns === netns && n.dev === dev) || (netns === lab.server && n.serverDev === dev));
  if (index < 0) throw new Error(`lab ${lab.id}: no link device ${dev} in ${netns}`);
  return { wire: wireOf(lab, index), direction: netns === lab.server ? 'down' : 'up' };
}

// The relay lets the test process, which stays in the host's netns, reach a server that
// listens only inside the lab: a Unix socket is found by its path, whatever the netns.
async function startRelay(lab: LabInternals, netns: string, host: string, port: number, socketPath: string): Promise<void> {
  const child = lab.runIn(netns, relayArgv(socketPath, host, port), { stdio: ['ignore', 'pipe', 'inherit'] });
  await relayListening(child, netns);
}

/** SIGTERM, then SIGKILL after a grace period: by pid, only processes the lab started. */
async function stopProcess(child: ChildProcess, graceMs = 3_000): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
  await exited;
  clearTimeout(timer);
}

function listNetns(): string[] {
  const dir = '/run/netns';
  return fs.existsSync(dir) ? fs.readdirSync(dir) : [];
}

/** If the test process exits without destroying a lab (a crash, a timeout), remove it anyway. */
function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.once('exit', () => {
    for (const lab of live) (lab as LabInternals).destroySync();
  });
}

function tryIgnore(step: () => unknown): void {
  try {
    step();
  } catch {
    // best effort: the process is exiting
  }
}
