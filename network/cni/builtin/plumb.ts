// The kernel side of ADD, as one batch of netlink steps on one thread: node settings and the
// bridge (made once, then found), the veth made with its peer directly in the pod, the pod's
// address and default route, loopback. A second ADD of the same container finds its veth
// (EEXIST) and brings what is there to the wanted state instead.
import { runNetlink, type Link, type NetlinkStep, type SystemCallError } from '../../../native/index.ts';
import type { PodAddress } from '../../ipam/index.ts';
import type { BuiltinConfig } from './config.ts';
import { bridgeMac, hostVethName } from './names.ts';

export interface Attachment {
  /** The node's netns path, "" for this process's. */
  hostNetns: string;
  /** The pod's netns path. */
  podNetns: string;
  ifName: string;
  containerId: string;
}

export interface PlumbedLinks {
  bridge: Link;
  host: Link;
  peer: Link;
}

/** Thrown when the pod already has an interface of that name that is not this container's veth. */
export class InterfaceTakenError extends Error {
  constructor(attachment: Attachment) {
    super(`${attachment.ifName} already exists in ${attachment.podNetns} and is not the peer of ${hostVethName(attachment.containerId)}`);
    this.name = 'InterfaceTakenError';
  }
}

const VETH_STEP = 4;
const BRIDGE_NF_STEP = 3;

function nodeSteps(config: BuiltinConfig, host: string): NetlinkStep[] {
  return [
    { op: 'sysctl', netns: host, key: 'net/ipv4/ip_forward', value: '1' },
    { op: 'ensureBridge', netns: host, name: config.bridge, mtu: config.mtu, mac: bridgeMac(config.subnet.gateway) },
    { op: 'addAddress', netns: host, name: config.bridge, address: `${config.subnet.gateway}/${config.subnet.prefixLength}` },
    // After the bridge: the key exists once br_netfilter is loaded, which is not the bridge module.
    { op: 'sysctl', netns: host, key: 'net/bridge/bridge-nf-call-iptables', value: '1' },
  ];
}

function vethStep(config: BuiltinConfig, a: Attachment): NetlinkStep {
  return { op: 'createVeth', netns: a.hostNetns, name: hostVethName(a.containerId), peerName: a.ifName, peerNetns: a.podNetns, mtu: config.mtu, master: config.bridge, hairpin: config.hairpinMode };
}

function podSteps(a: Attachment, address: PodAddress): NetlinkStep[] {
  return [
    { op: 'addAddress', netns: a.podNetns, name: a.ifName, address: address.cidr },
    { op: 'addRoute', netns: a.podNetns, destination: 'default', gateway: address.gateway, device: a.ifName },
    { op: 'setLink', netns: a.podNetns, name: 'lo', up: true },
  ];
}

async function currentLinks(config: BuiltinConfig, a: Attachment): Promise<{ bridge: Link | null; host: Link | null; peer: Link | null }> {
  const [bridge, host] = await runNetlink([
    { op: 'getLink', netns: a.hostNetns, name: config.bridge },
    { op: 'getLink', netns: a.hostNetns, name: hostVethName(a.containerId) },
  ]);
  const [peer] = await runNetlink([{ op: 'getLink', netns: a.podNetns, name: a.ifName }]);
  return { bridge, host, peer };
}

/** Each end names the other (IFLA_LINK both ways): two indexes matching by chance is not enough for one. */
const arePaired = (host: Link, peer: Link) => host.kind === 'veth' && peer.kind === 'veth' && host.peer === peer.index && peer.peer === host.index;

/** A second ADD: the veth is there; make it, the address and the route what they should be. */
async function adopt(config: BuiltinConfig, a: Attachment, address: PodAddress): Promise<PlumbedLinks> {
  const found = await currentLinks(config, a);
  if (found.host && found.peer && arePaired(found.host, found.peer)) {
    await runNetlink([
      { op: 'setLink', netns: a.hostNetns, name: found.host.name, master: config.bridge, mtu: config.mtu, up: true, hairpin: config.hairpinMode },
      { op: 'setLink', netns: a.podNetns, name: a.ifName, mtu: config.mtu, up: true },
      ...podSteps(a, address),
    ]);
    const now = await currentLinks(config, a);
    return { bridge: now.bridge!, host: now.host!, peer: now.peer! };
  }
  if (found.peer) throw new InterfaceTakenError(a);
  // A host end left from something else with this name: replace it.
  if (found.host) await runNetlink([{ op: 'deleteLink', netns: a.hostNetns, name: found.host.name }]);
  const results = await runNetlink([vethStep(config, a), ...podSteps(a, address)]);
  const veth = results[0] as { host: Link; peer: Link };
  return { bridge: found.bridge!, host: veth.host, peer: veth.peer };
}

/** Sets up the pod's network; whatever it made stays when it fails (DEL removes it). */
export async function plumb(config: BuiltinConfig, a: Attachment, address: PodAddress): Promise<PlumbedLinks> {
  try {
    const results = await runNetlink([...nodeSteps(config, a.hostNetns), vethStep(config, a), ...podSteps(a, address)]);
    const veth = results[VETH_STEP] as { host: Link; peer: Link };
    return { bridge: results[1] as Link, host: veth.host, peer: veth.peer };
  } catch (error) {
    const failure = error as SystemCallError & { step?: number };
    if (failure.step === VETH_STEP && failure.code === 'EEXIST') return adopt(config, a, address);
    if (failure.step === BRIDGE_NF_STEP && failure.code === 'ENOENT') {
      throw new Error(`${failure.message}: the br_netfilter module is not loaded (modprobe br_netfilter); bridged pod traffic must pass the inet hooks`, { cause: error });
    }
    throw error;
  }
}

/** Deletes the pod's veth (both ends go); false when there was none. */
export async function unplumb(a: Pick<Attachment, 'hostNetns' | 'containerId'>): Promise<boolean> {
  const [existed] = await runNetlink([{ op: 'deleteLink', netns: a.hostNetns, name: hostVethName(a.containerId) }]);
  return existed;
}
