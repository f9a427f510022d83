/**
 * Part 4 of the network bench: ADD then DEL of N pod networks one after another, with the
 * built-in chain (in-process, netlink from the addon) and with the reference chain (Debian's
 * bridge + host-local, portmap, loopback, each a process run through nsenter), each on a
 * "node" netns of its own in the lab with N pod netns's made beforehand (not timed).
 */
import fs from 'node:fs';
import path from 'node:path';
import { addNetwork, builtinChain, delNetwork, referenceChain, type Chain, type ChainOptions, type PodNetworkRequest } from '../../network/cni/index.ts';
import type { Lab, LabNetns } from '../../test/lab/index.ts';
import { tool } from './network-lab.ts';

export type ChainKind = 'builtin' | 'reference';

const SUBNET = '10.42.250.0/24';
const MTU = 1450;
const TICK_MS = 1000 / 100; // USER_HZ
export const REFERENCE_PLUGINS = ['bridge', 'host-local', 'portmap', 'loopback'];

/** CPU of this process plus its reaped children (the reference plugins), in ms. */
function cpuMs(): number {
  const self = process.cpuUsage();
  const stat = fs.readFileSync('/proc/self/stat', 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (self.user + self.system) / 1000 + (Number(fields[13]) + Number(fields[14])) * TICK_MS;
}

export interface ChainRound {
  addMsPerPod: number;
  delMsPerPod: number;
  addCpuMsPerPod: number;
  delCpuMsPerPod: number;
  /** The first ADD also makes the bridge. */
  firstAddMs: number;
  addresses: number;
}

interface Setup {
  kind: ChainKind;
  node: LabNetns;
  chain: Chain;
  options: ChainOptions;
  pods: PodNetworkRequest[];
}

async function setUp(lab: Lab, dir: string, kind: ChainKind, count: number): Promise<Setup> {
  const node = await lab.addNetns(`cni-${kind}`);
  const dataDir = path.join(dir, `cni-${kind}`);
  fs.mkdirSync(dataDir, { recursive: true });
  const chain: Chain =
    kind === 'builtin'
      ? { ...builtinChain({ subnet: SUBNET, mtu: MTU, dataDir, hostNetns: node.netnsPath }), source: 'built-in' }
      : { ...referenceChain({ subnet: SUBNET, mtu: MTU, dataDir }), source: 'reference' };
  const options: ChainOptions = { cacheDir: path.join(dataDir, 'cni-cache'), hostNetns: node.netnsPath, binDirs: ['/usr/lib/cni'] };
  const pods: PodNetworkRequest[] = [];
  for (let i = 0; i < count; i++) {
    const netns = await lab.addNetns(`cni-${kind[0]}${i}`);
    pods.push({ containerId: `bench-${lab.id}-${kind}-${i}`, netns: netns.netnsPath, podNamespace: 'bench', podName: `${kind}-${i}`, podUid: `uid-${kind}-${i}` });
  }
  return { kind, node, chain, options, pods };
}

async function vethCount(lab: Lab, node: LabNetns): Promise<number> {
  const out = await lab.exec(node, [tool('ip'), '-j', 'link', 'show', 'type', 'veth']);
  return (JSON.parse(out.stdout || '[]') as unknown[]).length;
}

async function oneRound(lab: Lab, s: Setup): Promise<ChainRound> {
  const addresses = new Set<string>();
  let firstAddMs = 0;
  const c0 = cpuMs();
  const t0 = performance.now();
  for (const [i, pod] of s.pods.entries()) {
    const result = await addNetwork(s.chain, pod, s.options);
    if (i === 0) firstAddMs = performance.now() - t0;
    addresses.add(result.ips?.[0]?.address ?? '');
  }
  const addMs = performance.now() - t0;
  const c1 = cpuMs();
  const veths = await vethCount(lab, s.node);
  if (veths !== s.pods.length) throw new Error(`${s.kind} chain: ${veths} veths on the node after ${s.pods.length} ADDs`);
  const c2 = cpuMs();
  const t1 = performance.now();
  for (const pod of s.pods) await delNetwork(s.chain, pod, s.options);
  const delMs = performance.now() - t1;
  const c3 = cpuMs();
  const left = await vethCount(lab, s.node);
  if (left !== 0) throw new Error(`${s.kind} chain: ${left} veths left on the node after DEL`);
  const n = s.pods.length;
  return { addMsPerPod: addMs / n, delMsPerPod: delMs / n, addCpuMsPerPod: (c1 - c0) / n, delCpuMsPerPod: (c3 - c2) / n, firstAddMs, addresses: addresses.size };
}

export interface CniSettings {
  pods: number;
  rounds: number;
}

/** Rounds in the order builtin, reference, reference, builtin, …; the same pod netns's each round. */
export async function measureCni(lab: Lab, dir: string, settings: CniSettings, progress: (m: string) => void): Promise<Record<ChainKind, ChainRound[]>> {
  const setups = { builtin: await setUp(lab, dir, 'builtin', settings.pods), reference: await setUp(lab, dir, 'reference', settings.pods) };
  progress(`CNI: ${2 * settings.pods} pod netns's made`);
  const rounds: Record<ChainKind, ChainRound[]> = { builtin: [], reference: [] };
  for (let round = 0; round < settings.rounds; round++) {
    const order: ChainKind[] = round % 2 === 0 ? ['builtin', 'reference'] : ['reference', 'builtin'];
    for (const kind of order) {
      const r = await oneRound(lab, setups[kind]);
      if (r.addresses !== settings.pods) throw new Error(`${kind} chain: ${r.addresses} distinct addresses for ${settings.pods} pods`);
      rounds[kind].push(r);
      progress(`CNI round ${round + 1}/${settings.rounds} ${kind}: ADD ${r.addMsPerPod.toFixed(2)} ms/pod (CPU ${r.addCpuMsPerPod.toFixed(2)}), DEL ${r.delMsPerPod.toFixed(2)} ms/pod (CPU ${r.delCpuMsPerPod.toFixed(2)})`);
    }
  }
  return rounds;
}
