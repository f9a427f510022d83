// rtnetlink from the addon: links, addresses, routes and /proc/sys values in any network
// namespace, by the path of its file (a pod's ns/net, /run/netns/NAME), without `ip`
// processes and without this process leaving its namespace. A batch of steps is one round
// trip to one thread of the addon, which is what makes a pod's network cost a few system
// calls: see native/src/netlink-steps.cc.
import { addon } from '../load.ts';
import type { Addon } from '../types.ts';

/** `netns` in every step: the path of a network namespace file; omitted or "" is this process's. */
interface InNetns {
  netns?: string;
}

export type NetlinkStep =
  | ({ op: 'getLink'; name: string } & InNetns)
  /** Makes the bridge (up, with `mtu` and `mac`) when missing; sets it up and its MTU when not. */
  | ({ op: 'ensureBridge'; name: string; mtu?: number; mac?: string } & InNetns)
  /** A veth pair, both ends up, the peer made directly in `peerNetns`; `master` is this end's bridge. */
  | ({ op: 'createVeth'; name: string; peerName: string; peerNetns: string; mtu?: number; master?: string; hairpin?: boolean } & InNetns)
  /** `master: ""` takes the link off its bridge. */
  | ({ op: 'setLink'; name: string; up?: boolean; mtu?: number; master?: string; hairpin?: boolean } & InNetns)
  | ({ op: 'deleteLink'; name: string } & InNetns)
  /** `address` is a CIDR ("10.42.3.5/24"); adding one that is there already is no change. */
  | ({ op: 'addAddress'; name: string; address: string } & InNetns)
  | ({ op: 'listAddresses'; name: string } & InNetns)
  /** `destination` is a CIDR or "default"; replaces a main-table route to the same destination. */
  | ({ op: 'addRoute'; destination: string; gateway?: string; device?: string } & InNetns)
  | ({ op: 'listRoutes'; family?: 4 | 6 } & InNetns)
  /** Writes /proc/sys/<key> (slash form: "net/ipv4/ip_forward") as seen from the namespace. */
  | ({ op: 'sysctl'; key: string; value: string } & InNetns);

export interface Link {
  index: number;
  name: string;
  /** "bridge", "veth", …; "" for loopback and physical devices. */
  kind: string;
  mac: string;
  mtu: number;
  /** Administratively up. */
  up: boolean;
  /** The ifindex of its bridge, 0 when none. */
  master: number;
  /** A veth's other end: its ifindex in that end's namespace; 0 when none. */
  peer: number;
}

export interface LinkAddress {
  family: 4 | 6;
  address: string;
  prefixLength: number;
}

export interface Route {
  family: 4 | 6;
  /** The network address; "0.0.0.0" with prefixLength 0 is the default route. */
  destination: string;
  prefixLength: number;
  gateway?: string;
  /** The output ifindex. */
  device: number;
  scope: number;
}

/** What each step gives back. */
export type NetlinkStepResult<S extends NetlinkStep> = S extends { op: 'getLink' }
  ? Link | null
  : S extends { op: 'ensureBridge' }
    ? Link
    : S extends { op: 'createVeth' }
      ? { host: Link; peer: Link }
      : S extends { op: 'deleteLink' }
        ? boolean
        : S extends { op: 'listAddresses' }
          ? LinkAddress[]
          : S extends { op: 'listRoutes' }
            ? Route[]
            : S extends { op: 'sysctl' }
              ? boolean
              : undefined;

/** The addon with this file's one function: typed here, so the shared Addon type stays as it is. */
type NetlinkAddon = Addon & { netlinkRun(steps: readonly NetlinkStep[]): Promise<unknown[]> };

/**
 * Runs the steps in order on one thread of the addon. Rejects at the first failure with a
 * SystemCallError naming what was being done and where ("create veth skerry1a2b3c4d (peer
 * eth0 in /run/netns/p) in /run/netns/node: EEXIST (File exists)"), with `step` its index;
 * the steps before it stay done. `deleteLink` resolves false, and `getLink` null, when the
 * link does not exist; `sysctl` resolves whether it changed the value.
 */
export async function runNetlink<const S extends readonly NetlinkStep[]>(steps: S): Promise<{ -readonly [K in keyof S]: NetlinkStepResult<S[K]> }> {
  return (await (addon() as NetlinkAddon).netlinkRun(steps)) as { -readonly [K in keyof S]: NetlinkStepResult<S[K]> };
}

/** The link called `name` in the namespace at `netns` ("" for this process's), or null. */
export async function linkInfo(netns: string, name: string): Promise<Link | null> {
  const [link] = await runNetlink([{ op: 'getLink', netns, name }]);
  return link;
}

/** The addresses on link `name`; rejects with ENODEV when there is no such link. */
export async function linkAddresses(netns: string, name: string): Promise<LinkAddress[]> {
  const [addresses] = await runNetlink([{ op: 'listAddresses', netns, name }]);
  return addresses;
}

/** Deletes link `name` (a veth's peer goes with it); false when there was none. */
export async function deleteLink(netns: string, name: string): Promise<boolean> {
  const [existed] = await runNetlink([{ op: 'deleteLink', netns, name }]);
  return existed;
}
