// The multi-node lab (DESIGN §9): an underlay netns holding a bridge, a server netns and N
// node netns's joined to it by veths or by impairable userspace wires. Everything lives in
// namespaces named skerry-lab-<id>-…: nothing is ever added to the host's own namespace.
// The lab records itself under /run/skerry-lab/ before it makes anything, so the sweeper can
// remove it if its test process dies; destroy() removes it all, also after a partial creation.
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { dropRuleset, wireRules } from './faults.ts';
import { labPlan, type HostPlan, type LabPlan } from './plan.ts';
import { execIn, kill9, restart, spawnIn, stop, type Tracker } from './processes.ts';
import { isAlive, processId, removeRecord, writeRecord, type LabRecord } from './registry.ts';
import { labMounts, labNamespaces, NETNS_DIR, processesIn, removeRemains, removeRemainsSync, unmount } from './remains.ts';
import { ip, ipBatch, labUnavailable, nft, PING_SCRIPT, run, sysctl, tool, WIRE_SCRIPT } from './shell.ts';
import { sweepLabs } from './sweep.ts';
import type { Lab, LabHost, LabNetns, LabOptions, LabProcess, PartitionMode, PingResult, Where } from './types.ts';
import { connectWire, setRule, wireStats, type Wire } from './wire.ts';

const BRIDGE = 'br0';

interface LabState extends Tracker {
  lab: Lab;
  record: LabRecord;
  wires: Map<string, Wire>;
  partitions: Map<string, Set<PartitionMode>>;
  tmpfsCount: number;
  destroying?: Promise<void>;
}

const live = new Set<LabState>();

/** Makes a lab; on any failure it removes what it made and throws. */
export async function createLab(options: LabOptions): Promise<Lab> {
  const why = labUnavailable();
  if (why) throw new Error(`lab: ${why}`);
  const id = crypto.randomBytes(3).toString('hex');
  const plan = labPlan(id, options);
  await sweepLabs();
  installExitHooks();
  const state = newLab(id, plan);
  writeRecord(state.record);
  live.add(state);
  try {
    await build(state, plan);
    return state.lab;
  } catch (error) {
    await state.lab.destroy();
    throw error;
  }
}

const netnsPath = (name: string) => `${NETNS_DIR}/${name}`;

function whereTo(where: Where): string {
  if (typeof where !== 'string') return where.netnsPath;
  return where.startsWith('/') ? where : netnsPath(where);
}

function newLab(id: string, plan: LabPlan): LabState {
  const dir = path.join(os.tmpdir(), plan.prefix);
  const hostOf = (h: HostPlan): LabHost => ({ ...h, netnsPath: netnsPath(h.netns), prefixLength: 24, dev: 'eth0', dir: path.join(dir, h.name) });
  const state = {
    record: { id, owner: processId(process.pid)!, dir, pids: [] },
    live: new Set<LabProcess>(),
    wires: new Map(),
    partitions: new Map(),
    tmpfsCount: 0,
    started(pid: number) {
      const p = processId(pid);
      if (!p) return;
      // Only live ones are kept: every exec (each ping) is a process, and the record is rewritten each time.
      state.record.pids = [...state.record.pids.filter(isAlive), p];
      writeRecord(state.record);
    },
  } as unknown as LabState;
  const host = (h: LabHost | number): LabHost => {
    const found = typeof h === 'number' ? lab.nodes[h] : [lab.server, ...lab.nodes].find((x) => x && x.netns === h.netns);
    if (!found) throw new Error(`lab ${id} has no ${typeof h === 'number' ? `node ${h}` : `host ${h.name} (${h.netns})`}`);
    return found;
  };
  const alive = () => {
    if (state.destroying) throw new Error(`lab ${id} is destroyed`);
  };
  const lab: Lab = {
    id,
    prefix: plan.prefix,
    underlay: { netns: plan.underlay, netnsPath: netnsPath(plan.underlay), bridge: BRIDGE, gateways: plan.segments.map((s) => `10.99.${s}.254`) },
    ...(plan.server ? { server: hostOf(plan.server) } : {}),
    nodes: plan.nodes.map(hostOf),
    dir,
    mtu: plan.mtu,
    spawn: (where, argv, options) => (alive(), spawnIn(state, whereTo(where), argv, options)),
    exec: async (where, argv, options) => (alive(), execIn(state, whereTo(where), argv, options)),
    kill9,
    stop,
    restart: async (proc) => (alive(), restart(state, proc)),
    async addNetns(suffix) {
      alive();
      if (!/^[a-z0-9][a-z0-9.-]{0,40}$/.test(suffix)) throw new Error(`addNetns: suffix "${suffix}" is not 1-41 of a-z, 0-9, '.', '-'`);
      return addNamespace(`${plan.prefix}-${suffix}`);
    },
    async partition(h, mode = 'link') {
      const target = host(h);
      if (mode !== 'link' && mode !== 'drop') throw new Error(`partition: mode ${JSON.stringify(mode)} is not 'link' or 'drop'`);
      const modes = state.partitions.get(target.name) ?? new Set();
      state.partitions.set(target.name, modes.add(mode));
      if (mode === 'link') await ip(lab.underlay.netns, 'link', 'set', target.port, 'down');
      else await applyDrops();
    },
    async heal(h) {
      const target = host(h);
      const modes = state.partitions.get(target.name) ?? new Set();
      state.partitions.delete(target.name);
      if (modes.has('link')) {
        await ip(lab.underlay.netns, 'link', 'set', target.port, 'up');
        // The kernel applies a carrier change (and starts sending) only when linkwatch runs, up to a second later.
        await operUp(lab.underlay.netns, target.port);
        if (!target.wire) await operUp(target.netns, target.dev);
      }
      if (modes.has('drop')) await applyDrops();
    },
    async impair(h, impairment) {
      const target = host(h);
      const rules = wireRules(impairment);
      const wire = state.wires.get(target.name);
      if (!wire) throw new Error(`impair: ${target.name} was made without wire: true, and this kernel may lack sch_netem; make the node with { wire: true }`);
      for (const { direction, rule } of rules) await setRule(wire, direction, rule);
    },
    async wireStats(h) {
      const target = host(h);
      const wire = state.wires.get(target.name);
      if (!wire) throw new Error(`wireStats: ${target.name} was made without wire: true`);
      return wireStats(wire);
    },
    async ping(where, dst, o = {}) {
      const args = [dst, '--count', String(o.count ?? 1), '--size', String(o.size ?? 56), '--interval', String((o.intervalMs ?? 200) / 1000), '--wait', String((o.waitMs ?? 2000) / 1000)];
      const result = await lab.exec(where, [tool('python'), PING_SCRIPT, ...args, ...(o.dontFragment ? ['--df'] : [])]);
      return JSON.parse(result.stdout.trim().split('\n').pop()!) as PingResult;
    },
    async tmpfs(sizeMiB) {
      alive();
      if (!Number.isInteger(sizeMiB) || sizeMiB < 1 || sizeMiB > 1024) throw new Error(`tmpfs: sizeMiB ${sizeMiB} is not an integer between 1 and 1024`);
      const point = path.join(dir, `tmpfs-${state.tmpfsCount++}`);
      fs.mkdirSync(point);
      // The source names the lab: the sweeper finds the mount even without the directory.
      await run([tool('mount'), '-t', 'tmpfs', '-o', `size=${sizeMiB}m,mode=0755`, plan.prefix, point]);
      return point;
    },
    remaining() {
      const namespaces = labNamespaces(id);
      const recorded = state.record.pids.filter(isAlive).map((p) => p.pid);
      const inside = processesIn(namespaces.map(netnsPath));
      return { namespaces, mounts: labMounts(id, dir), pids: [...new Set([...recorded, ...inside])] };
    },
    destroy() {
      state.destroying ??= (async () => {
        await Promise.all([...state.live].map((proc) => stop(proc, 2_000)));
        await removeRemains(id, dir);
        removeRecord(id);
        live.delete(state);
      })();
      return state.destroying;
    },
  };
  state.lab = lab;

  async function applyDrops(): Promise<void> {
    const hosts = [lab.server, ...lab.nodes].filter((h): h is LabHost => h !== undefined);
    const ports = hosts.filter((h) => state.partitions.get(h.name)?.has('drop')).map((h) => h.port);
    await nft(lab.underlay.netnsPath, dropRuleset(ports));
  }
  return state;
}

async function operUp(netns: string, dev: string, timeoutMs = 5_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const [link] = JSON.parse(await ip(netns, '-j', 'link', 'show', dev)) as Array<{ operstate?: string }>;
    // A TAP device reports no operational state of its own: UNKNOWN once it is up.
    if (link?.operstate === 'UP' || link?.operstate === 'UNKNOWN') return;
    if (Date.now() > deadline) throw new Error(`heal: ${dev} in ${netns} is still ${link?.operstate ?? 'missing'} after ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

async function addNamespace(name: string): Promise<LabNetns> {
  // `ip netns add` refuses an existing name, so a clash never touches another lab's namespace.
  await run([tool('ip'), 'netns', 'add', name]);
  await ip(name, 'link', 'set', 'lo', 'up');
  return { netns: name, netnsPath: netnsPath(name) };
}

async function build(state: LabState, plan: LabPlan): Promise<void> {
  const { lab } = state;
  fs.mkdirSync(lab.dir, { mode: 0o755 });
  await addNamespace(plan.underlay);
  await ipBatch(plan.underlay, [`link add ${BRIDGE} mtu ${plan.mtu} type bridge`, `link set ${BRIDGE} up`, ...plan.segments.map((s) => `addr add 10.99.${s}.254/24 dev ${BRIDGE}`)]);
  // The underlay routes between segments (and nothing else: it has no other link).
  if (plan.segments.length > 1) await sysctl(lab.underlay.netnsPath, 'net.ipv4.ip_forward', '1');
  const hosts = [lab.server, ...lab.nodes].filter((h): h is LabHost => h !== undefined);
  await Promise.all(hosts.map((h) => addHost(state, h)));
}

async function addHost(state: LabState, host: LabHost): Promise<void> {
  const { lab } = state;
  await addNamespace(host.netns);
  fs.mkdirSync(host.dir);
  if (host.wire) {
    const proc = spawnIn(state, lab.underlay.netnsPath, [tool('python'), WIRE_SCRIPT, host.netnsPath, host.port, host.dev], { stdio: ['pipe', 'pipe', 'pipe'] });
    state.wires.set(host.name, await connectWire(proc, host.name));
  } else {
    await ip(lab.underlay.netns, 'link', 'add', host.port, 'mtu', String(lab.mtu), 'type', 'veth', 'peer', 'name', host.dev, 'netns', host.netns);
  }
  await ipBatch(lab.underlay.netns, [`link set ${host.port} mtu ${lab.mtu} master ${BRIDGE} up`]);
  await ipBatch(host.netns, [`link set ${host.dev} mtu ${lab.mtu} up`, `addr add ${host.ip}/${host.prefixLength} dev ${host.dev}`, `route add default via ${host.gateway}`]);
}

let hooksInstalled = false;

/** A test process that exits (or is told to) without destroying its labs removes them anyway. */
function installExitHooks(): void {
  if (hooksInstalled) return;
  hooksInstalled = true;
  const destroyAll = () => {
    for (const state of live) {
      for (const proc of state.live) if (proc.pid > 0) tryKill(proc.pid);
      removeRemainsSync(state.record.id, state.record.dir);
      removeRecord(state.record.id);
    }
    live.clear();
  };
  process.once('exit', destroyAll);
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    // Only where nobody else handles the signal: then its default (exit) is what they expect.
    if (process.listenerCount(signal) > 0) continue;
    process.once(signal, () => {
      destroyAll();
      process.kill(process.pid, signal);
    });
  }
}

function tryKill(pid: number): void {
  try {
    process.kill(pid, 'SIGKILL');
  } catch {
    // already gone
  }
}
