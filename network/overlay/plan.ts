// What must change, from what is wanted and what is there: a pure diff, so that a sync with
// nothing to do runs no command at all and entries of a peer that left are found by reading
// them back, not by flushing. The answer is lines for `ip -batch` and `bridge -batch`.
import { contains, formatCidr, formatIpv4, parseIpv4, subnetOf, type Cidr } from '../host/index.ts';
import { ROUTE_PROTOCOL, VXLAN_DEVICE, VXLAN_PORT, VXLAN_VNI, overlayMtu, podGateway, vtepMac } from './layout.ts';
import type { FdbState, LinkState, NeighbourState, OverlayState, RouteState } from './state.ts';
import type { OverlayMode, OverlaySyncResult } from './types.ts';
import type { CheckedConfig, CheckedPeer } from './validate.ts';

/** A plan is what a sync reports: the commands it will run, and what it found. */
export type OverlayPlan = OverlaySyncResult;

interface WantedRoute {
  dst: string;
  gateway: string;
  dev: string;
  onlink: boolean;
}

interface Wanted {
  routes: Map<string, WantedRoute>;
  /** Peer gateway → peer VTEP MAC. */
  neighbours: Map<string, string>;
  /** Peer VTEP MAC → peer node IP. */
  fdb: Map<string, string>;
  direct: string[];
  encapsulated: string[];
}

const PROTOCOL = String(ROUTE_PROTOCOL);

export function planOverlay(config: CheckedConfig & { mode: OverlayMode }, peers: CheckedPeer[], state: OverlayState): OverlayPlan {
  const underlay = underlayOf(state.links, formatIpv4(config.nodeIp));
  const mtu = overlayMtu(underlay.mtu);
  const device = planDevice(state.links.find((link) => link.name === VXLAN_DEVICE), { mac: vtepMac(config.podCidr), mtu, local: formatIpv4(config.nodeIp), underlay: underlay.name });
  // A device made anew has none of the old one's routes, neighbours or forwarding entries.
  const current = device.recreated ? { ...state, routes: state.routes.filter((r) => r.dev !== VXLAN_DEVICE), neighbours: [], fdb: [] } : state;
  const wanted = wantedEntries(peers, config.mode, underlay);
  return {
    underlayDevice: underlay.name,
    mtu,
    direct: wanted.direct,
    encapsulated: wanted.encapsulated,
    ipCommands: [...device.commands, ...planRoutes(current.routes, wanted.routes, 'remove'), ...planNeighbours(current.neighbours, wanted.neighbours), ...planRoutes(current.routes, wanted.routes, 'add')],
    bridgeCommands: planFdb(current.fdb, wanted.fdb),
  };
}

function underlayOf(links: LinkState[], nodeIp: string): LinkState {
  const link = links.find((l) => l.addresses.some((a) => a.local === nodeIp));
  if (!link) throw new Error(`nodeIp ${nodeIp}: no device in the network namespace has this address, so there is no underlay to send VXLAN traffic through`);
  return link;
}

/** The subnets the underlay device is directly connected to (a point-to-point address: its peer). */
export function connectedSubnets(link: LinkState): Cidr[] {
  return link.addresses.map((a) => subnetOf(parseIpv4(a.peer ?? a.local) ?? 0, a.prefixLength));
}

function wantedEntries(peers: CheckedPeer[], mode: OverlayMode, underlay: LinkState): Wanted {
  const connected = connectedSubnets(underlay);
  const wanted: Wanted = { routes: new Map(), neighbours: new Map(), fdb: new Map(), direct: [], encapsulated: [] };
  for (const peer of peers) {
    const dst = formatCidr(peer.podCidr);
    const nodeIp = formatIpv4(peer.nodeIp);
    if (mode === 'auto' && connected.some((subnet) => contains(subnet, peer.nodeIp))) {
      wanted.routes.set(dst, { dst, gateway: nodeIp, dev: underlay.name, onlink: false });
      wanted.direct.push(peer.name);
      continue;
    }
    const gateway = podGateway(peer.podCidr);
    const mac = vtepMac(peer.podCidr);
    wanted.routes.set(dst, { dst, gateway, dev: VXLAN_DEVICE, onlink: true });
    wanted.neighbours.set(gateway, mac);
    wanted.fdb.set(mac, nodeIp);
    wanted.encapsulated.push(peer.name);
  }
  return wanted;
}

interface WantedDevice {
  mac: string;
  mtu: number;
  local: string;
  underlay: string;
}

/** Settings fixed at creation (VNI, port, local address, underlay) mean a new device when they differ. */
function planDevice(link: LinkState | undefined, want: WantedDevice): { commands: string[]; recreated: boolean } {
  const v = link?.vxlan;
  const fits = link?.kind === 'vxlan' && v?.vni === VXLAN_VNI && v.port === VXLAN_PORT && v.local === want.local && v.device === want.underlay && v.learning === false;
  if (link && fits) {
    const commands: string[] = [];
    if (link.mac?.toLowerCase() !== want.mac || link.mtu !== want.mtu) commands.push(`link set ${VXLAN_DEVICE} address ${want.mac} mtu ${want.mtu}`);
    if (!link.up) commands.push(`link set ${VXLAN_DEVICE} up`);
    return { commands, recreated: false };
  }
  return {
    commands: [
      ...(link ? [`link del ${VXLAN_DEVICE}`] : []),
      `link add ${VXLAN_DEVICE} address ${want.mac} mtu ${want.mtu} type vxlan id ${VXLAN_VNI} dstport ${VXLAN_PORT} nolearning local ${want.local} dev ${want.underlay}`,
      `link set ${VXLAN_DEVICE} up`,
    ],
    recreated: true,
  };
}

/** Routes the overlay owns: its protocol number marks them; everything on its own device is its too. */
const owned = (route: RouteState) => route.protocol === PROTOCOL || route.dev === VXLAN_DEVICE;

function planRoutes(current: RouteState[], wanted: Map<string, WantedRoute>, step: 'remove' | 'add'): string[] {
  if (step === 'remove') {
    return current.filter((route) => owned(route) && route.protocol !== '2' && (!wanted.has(route.dst) || route.metric !== 0)).map(routeDelete);
  }
  const commands: string[] = [];
  for (const want of wanted.values()) {
    const route = current.find((r) => r.dst === want.dst && r.metric === 0);
    const same = route && route.gateway === want.gateway && route.dev === want.dev && route.onlink === want.onlink && route.protocol === PROTOCOL;
    if (!same) commands.push(`route replace ${want.dst} via ${want.gateway} dev ${want.dev}${want.onlink ? ' onlink' : ''} proto ${PROTOCOL}`);
  }
  return commands;
}

function routeDelete(route: RouteState): string {
  const via = route.gateway ? ` via ${route.gateway}` : '';
  const dev = route.dev ? ` dev ${route.dev}` : '';
  const metric = route.metric ? ` metric ${route.metric}` : '';
  return `route del ${route.dst}${via}${dev} proto ${route.protocol}${metric}`;
}

/** Only permanent entries are the overlay's: the kernel's own (incomplete, failed) come and go between syncs. */
function planNeighbours(current: NeighbourState[], wanted: Map<string, string>): string[] {
  const removals = current.filter((n) => n.permanent && !wanted.has(n.dst)).map((n) => `neigh del ${n.dst} dev ${VXLAN_DEVICE}`);
  const additions = [...wanted].filter(([dst, mac]) => !current.some((n) => n.dst === dst && n.permanent && n.lladdr?.toLowerCase() === mac)).map(([dst, mac]) => `neigh replace ${dst} lladdr ${mac} dev ${VXLAN_DEVICE} nud permanent`);
  return [...removals, ...additions];
}

function planFdb(current: FdbState[], wanted: Map<string, string>): string[] {
  const del = (entry: FdbState) => `fdb del ${entry.mac} dev ${VXLAN_DEVICE} dst ${entry.dst} self`;
  const commands = current.filter((entry) => !wanted.has(entry.mac)).map(del);
  for (const [mac, dst] of wanted) {
    const entries = current.filter((entry) => entry.mac === mac);
    if (entries.length === 1 && entries[0]!.dst === dst && entries[0]!.permanent) continue;
    // `replace` changes an entry's one remote in place; a MAC with several remotes is cut back to the wanted one.
    if (entries.length <= 1) {
      commands.push(`fdb replace ${mac} dev ${VXLAN_DEVICE} dst ${dst} self permanent`);
      continue;
    }
    commands.push(...entries.filter((entry) => entry.dst !== dst).map(del));
    if (!entries.some((entry) => entry.dst === dst)) commands.push(`fdb append ${mac} dev ${VXLAN_DEVICE} dst ${dst} self permanent`);
  }
  return commands;
}
