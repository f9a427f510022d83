// The two chains the agent can run for a node: skerry's built-in plugin, and the same network
// made by the reference plugins (Debian's containernetworking-plugins), for comparison and for
// nodes that would rather run those.
import path from 'node:path';
import { parseSubnet } from '../ipam/index.ts';
import { BUILTIN_TYPE } from './builtin/config.ts';
import type { Conflist } from './types.ts';

export interface BuiltinChainOptions {
  /** The node's pod CIDR, e.g. 10.42.3.0/24. */
  subnet: string;
  /** Underlay MTU − 50 (the VXLAN overhead), on the bridge and both ends of every veth. */
  mtu: number;
  /** The agent's data directory: pod addresses live in <dataDir>/network/ipam. */
  dataDir: string;
  bridge?: string;
  /** The node's netns as a path, when it is not the agent's own (tests). */
  hostNetns?: string;
  /** The network's name (keys the result cache); default "skerry". */
  name?: string;
}

export type ReferenceChainOptions = Omit<BuiltinChainOptions, 'hostNetns'>;

const DEFAULT_NAME = 'skerry';
const DEFAULT_BRIDGE = 'skerry0';

/** One plugin, in-process: bridge, veth, address, routes and loopback through netlink. */
export function builtinChain(options: BuiltinChainOptions): Conflist {
  return {
    cniVersion: '1.0.0',
    name: options.name ?? DEFAULT_NAME,
    plugins: [
      {
        type: BUILTIN_TYPE,
        bridge: options.bridge ?? DEFAULT_BRIDGE,
        subnet: options.subnet,
        mtu: options.mtu,
        dataDir: options.dataDir,
        hairpinMode: true,
        ...(options.hostNetns ? { hostNetns: options.hostNetns } : {}),
      },
    ],
  };
}

/**
 * The same network from the reference plugins: `bridge` (gateway on the bridge, no
 * masquerade: inet skerry-fw does that) with host-local addresses under the agent's data dir,
 * `portmap` for hostPorts, and `loopback`.
 */
export function referenceChain(options: ReferenceChainOptions): Conflist {
  const subnet = parseSubnet(options.subnet);
  return {
    cniVersion: '1.0.0',
    name: options.name ?? DEFAULT_NAME,
    plugins: [
      {
        type: 'bridge',
        bridge: options.bridge ?? DEFAULT_BRIDGE,
        isGateway: true,
        ipMasq: false,
        hairpinMode: true,
        mtu: options.mtu,
        ipam: {
          type: 'host-local',
          ranges: [[{ subnet: subnet.cidr, gateway: subnet.gateway }]],
          routes: [{ dst: '0.0.0.0/0' }],
          dataDir: path.join(options.dataDir, 'network', 'host-local'),
        },
      },
      { type: 'portmap', capabilities: { portMappings: true } },
      { type: 'loopback' },
    ],
  };
}
