/**
 * The topology of the network bench, all inside one test/lab lab (nothing in the host's own
 * namespace): node pairs on one underlay segment, pods wired by the built-in CNI plugin into
 * each node's netns, the overlay synced per pair, a hand-built kernel VXLAN pair, and the
 * long-running servers (iperf3, a TCP echo server) the probes talk to.
 */
import fs from 'node:fs';
import path from 'node:path';
import readline from 'node:readline';
import { addNetwork, builtinChain, type Chain, type ChainOptions } from '../../network/cni/index.ts';
import { overlayMtu, setupNodeForwarding, syncOverlay, type OverlayMode, type OverlaySyncResult } from '../../network/overlay/index.ts';
import type { Lab, LabHost, LabNetns, LabProcess } from '../../test/lab/index.ts';

const find = (name: string, dirs = ['/usr/sbin', '/sbin', '/usr/bin', '/bin']) => dirs.map((d) => `${d}/${name}`).find((p) => fs.existsSync(p));

/** By absolute path: npx puts node_modules/.bin first on PATH, where @vercel/nft has an `nft`. */
export const TOOLS = {
  ip: find('ip'),
  nft: find('nft'),
  iperf3: find('iperf3'),
  python3: find('python3', ['/usr/bin', '/bin']),
  conntrack: find('conntrack'),
};

export function tool(name: keyof typeof TOOLS): string {
  const found = TOOLS[name];
  if (!found) throw new Error(`${name} is not installed (bash scripts/setup.sh installs it)`);
  return found;
}

export const CLUSTER_CIDR = '10.42.0.0/16';
export const ECHO_PORT = 8080;
export const IPERF_PORT = 5201;

export interface BenchNode {
  host: LabHost;
  podCidr: string;
  chain: Chain;
  options: ChainOptions;
}

export interface BenchPod extends LabNetns {
  name: string;
  ip: string;
  node: BenchNode;
}

/** ip_forward, `inet skerry-fw`, and the built-in chain writing into the node's netns. */
export async function makeNode(host: LabHost, podCidr: string, mtu: number, dir: string): Promise<BenchNode> {
  await setupNodeForwarding({ clusterCidr: CLUSTER_CIDR, podCidr, netns: host.netnsPath });
  const dataDir = path.join(dir, `node-${host.name}`);
  fs.mkdirSync(dataDir, { recursive: true });
  const chain: Chain = { ...builtinChain({ subnet: podCidr, mtu: overlayMtu(mtu), dataDir, hostNetns: host.netnsPath }), source: 'built-in' };
  return { host, podCidr, chain, options: { cacheDir: path.join(dataDir, 'cni-cache'), hostNetns: host.netnsPath } };
}

/** A pod netns of the lab, wired by the built-in plugin (addNetwork with hostNetns = the node's netns). */
export async function addPod(lab: Lab, node: BenchNode, name: string): Promise<BenchPod> {
  const netns = await lab.addNetns(name);
  const result = await addNetwork(node.chain, { containerId: `bench-${lab.id}-${name}`, netns: netns.netnsPath, podNamespace: 'bench', podName: name, podUid: `uid-${name}` }, node.options);
  const address = result.ips?.[0]?.address;
  if (!address) throw new Error(`pod ${name}: the CNI result has no address: ${JSON.stringify(result)}`);
  return { ...netns, name, ip: address.split('/')[0]!, node };
}

/** Both nodes of a pair see each other as their only peer. */
export async function syncPair(a: BenchNode, b: BenchNode, mode: OverlayMode): Promise<[OverlaySyncResult, OverlaySyncResult]> {
  const sync = (self: BenchNode, peer: BenchNode) =>
    syncOverlay({ nodeIp: self.host.ip, podCidr: self.podCidr, mode, netns: self.host.netnsPath }, [{ name: peer.host.name, podCidr: peer.podCidr, nodeIp: peer.host.ip }]);
  return Promise.all([sync(a, b), sync(b, a)]);
}

export const HAND_VXLAN = { device: 'skerryvx', vni: 42, port: 4789, subnet: '10.200.0', mtu: 1450 };

/**
 * The floor for any VXLAN overlay: two node netns's joined by a plain kernel VXLAN device
 * each (unicast to the other's node IP), addresses on the devices themselves; no bridge, no
 * veth, no pod namespace, no nft table. Returns the two overlay addresses.
 */
export async function handBuiltVxlan(lab: Lab, a: LabHost, b: LabHost): Promise<[string, string]> {
  const v = HAND_VXLAN;
  const make = async (self: LabHost, peer: LabHost, address: string) => {
    const lines = [
      `link add ${v.device} mtu ${v.mtu} type vxlan id ${v.vni} dstport ${v.port} local ${self.ip} remote ${peer.ip} dev ${self.dev}`,
      `addr add ${address}/24 dev ${v.device}`,
      `link set ${v.device} up`,
    ];
    await lab.exec(self, [tool('ip'), '-batch', '-'], { input: `${lines.join('\n')}\n` });
  };
  const [ipA, ipB] = [`${v.subnet}.1`, `${v.subnet}.2`];
  await Promise.all([make(a, b, ipA), make(b, a, ipB)]);
  return [ipA, ipB];
}

export const HAND_PODS = { bridge: 'handbr0', subnet: (n: number) => `10.201.${n}` };

/**
 * A pod path built by hand on the hand-built VXLAN pair: on each side a pod netns whose veth
 * is a port of a plain bridge, routed into the VXLAN device to the other side's pod subnet.
 * The same topology as a skerry pod in vxlan mode (pod netns, veth, bridge, routing, VXLAN),
 * without what skerry adds to it (its nft tables and their conntrack, br_netfilter). Returns
 * the near pod's netns and the far pod's address.
 */
export async function handBuiltPods(lab: Lab, a: LabHost, b: LabHost, [vxA, vxB]: [string, string]): Promise<{ from: LabNetns; to: string }> {
  const ip = tool('ip');
  const wire = async (host: LabHost, side: number, peerSide: number, peerVx: string) => {
    const pod = await lab.addNetns(`handpod${side}`);
    const net = HAND_PODS.subnet(side);
    const hostLines = [
      `link add ${HAND_PODS.bridge} mtu ${HAND_VXLAN.mtu} type bridge`,
      `addr add ${net}.1/24 dev ${HAND_PODS.bridge}`,
      `link set ${HAND_PODS.bridge} up`,
      `link add handveth${side} mtu ${HAND_VXLAN.mtu} type veth peer name eth0 netns ${pod.netns}`,
      `link set handveth${side} master ${HAND_PODS.bridge} up`,
      `route add ${HAND_PODS.subnet(peerSide)}.0/24 via ${peerVx} dev ${HAND_VXLAN.device} onlink`,
    ];
    await lab.exec(host, ['sh', '-c', 'echo 1 > /proc/sys/net/ipv4/ip_forward']);
    await lab.exec(host, [ip, '-batch', '-'], { input: `${hostLines.join('\n')}\n` });
    const podLines = ['link set lo up', 'link set eth0 up', `addr add ${net}.2/24 dev eth0`, `route add default via ${net}.1`];
    await lab.exec(pod, [ip, '-batch', '-'], { input: `${podLines.join('\n')}\n` });
    return pod;
  };
  const [near, far] = await Promise.all([wire(a, 4, 5, vxB), wire(b, 5, 4, vxA)]);
  await startIperfServer(lab, far);
  return { from: near, to: `${HAND_PODS.subnet(5)}.2` };
}

/** Spawns argv in the netns and resolves once a line of its stdout matches `ready`. */
export async function startServer(lab: Lab, where: LabNetns, argv: string[], ready: RegExp, timeoutMs = 10_000): Promise<LabProcess> {
  const proc = lab.spawn(where, argv, { stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  proc.child.stderr!.on('data', (d: Buffer) => (stderr = (stderr + d.toString()).slice(-2000)));
  const lines = readline.createInterface({ input: proc.child.stdout! });
  try {
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`${argv.join(' ')} in ${where.netns}: not ready after ${timeoutMs} ms: ${stderr.trim()}`)), timeoutMs);
      lines.on('line', (line) => {
        if (!ready.test(line)) return;
        clearTimeout(timer);
        resolve();
      });
      void proc.exited.then(({ code, signal }) => {
        clearTimeout(timer);
        reject(new Error(`${argv.join(' ')} in ${where.netns} exited (${code ?? signal}) before it was ready: ${stderr.trim()}`));
      });
    });
  } catch (error) {
    await lab.kill9(proc);
    throw error;
  }
  // Keep draining stdout so the server never blocks on a full pipe.
  lines.on('line', () => undefined);
  return proc;
}

export const startIperfServer = (lab: Lab, where: LabNetns) => startServer(lab, where, [tool('iperf3'), '-s', '-p', String(IPERF_PORT), '--forceflush'], /Server listening/);
