// CHECK for the built-in plugin: is everything the ADD result lists, and the address
// reservation behind it, still there and as it was made? Every problem found is reported,
// not only the first.
import { runNetlink } from '../../../native/index.ts';
import { openAllocator } from '../../ipam/index.ts';
import type { CniResult } from '../types.ts';
import type { BuiltinConfig } from './config.ts';
import { hostVethName } from './names.ts';
import type { Attachment } from './plumb.ts';

/** The pod's address and gateway as the ADD result gave them. */
function expectedAddress(prev: CniResult, a: Attachment): { cidr: string; gateway?: string } | undefined {
  const interfaces = prev.interfaces ?? [];
  const ip = (prev.ips ?? []).find((candidate) => {
    const owner = candidate.interface === undefined ? undefined : interfaces[candidate.interface];
    return owner?.name === a.ifName && owner.sandbox === a.podNetns;
  });
  return ip ? { cidr: ip.address, ...(ip.gateway ? { gateway: ip.gateway } : {}) } : undefined;
}

async function hostProblems(config: BuiltinConfig, a: Attachment): Promise<string[]> {
  const name = hostVethName(a.containerId);
  const [bridge, host] = await runNetlink([
    { op: 'getLink', netns: a.hostNetns, name: config.bridge },
    { op: 'getLink', netns: a.hostNetns, name },
  ]);
  const problems: string[] = [];
  if (!bridge) problems.push(`bridge ${config.bridge} is missing`);
  else if (!bridge.up) problems.push(`bridge ${config.bridge} is down`);
  if (!host) return [...problems, `host veth ${name} is missing`];
  if (bridge && host.master !== bridge.index) problems.push(`host veth ${name} is not a port of ${config.bridge}`);
  if (!host.up) problems.push(`host veth ${name} is down`);
  if (host.mtu !== config.mtu) problems.push(`host veth ${name} has MTU ${host.mtu}, not ${config.mtu}`);
  return problems;
}

async function podProblems(config: BuiltinConfig, a: Attachment, expected: { cidr: string; gateway?: string }): Promise<string[]> {
  const [peer] = await runNetlink([{ op: 'getLink', netns: a.podNetns, name: a.ifName }]);
  if (!peer) return [`${a.ifName} is missing in ${a.podNetns}`];
  const problems: string[] = [];
  if (!peer.up) problems.push(`${a.ifName} is down`);
  if (peer.mtu !== config.mtu) problems.push(`${a.ifName} has MTU ${peer.mtu}, not ${config.mtu}`);
  const [addresses, routes] = await runNetlink([
    { op: 'listAddresses', netns: a.podNetns, name: a.ifName },
    { op: 'listRoutes', netns: a.podNetns, family: 4 },
  ]);
  if (!addresses.some((address) => `${address.address}/${address.prefixLength}` === expected.cidr)) problems.push(`${a.ifName} does not have address ${expected.cidr}`);
  const gateway = expected.gateway ?? config.subnet.gateway;
  if (!routes.some((route) => route.prefixLength === 0 && route.gateway === gateway && route.device === peer.index)) {
    problems.push(`the pod has no default route via ${gateway} on ${a.ifName}`);
  }
  return problems;
}

/** What is wrong with the attachment; empty when it is as the ADD made it. */
export async function attachmentProblems(config: BuiltinConfig, a: Attachment, prev: CniResult): Promise<string[]> {
  const expected = expectedAddress(prev, a);
  if (!expected) return [`the ADD result lists no address on ${a.ifName} in ${a.podNetns}`];
  const problems = [...(await hostProblems(config, a)), ...(await podProblems(config, a, expected))];
  const reserved = openAllocator({ subnet: config.subnet.cidr, dataDir: config.dataDir }).lookup(a.containerId);
  if (reserved?.cidr !== expected.cidr) problems.push(`address ${expected.cidr} is not reserved for ${a.containerId} in ${config.dataDir}`);
  return problems;
}
