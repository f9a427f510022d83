// The node's network state as iproute2 reports it (`-json`), reduced to what the overlay
// compares: links with their IPv4 addresses and VXLAN settings, main-table IPv4 routes, the
// VXLAN device's neighbours and forwarding entries.
import { VXLAN_DEVICE } from './layout.ts';
import { toolOutput } from './run.ts';

export interface VxlanSettings {
  vni?: number;
  port?: number;
  local?: string;
  /** The underlay device it sends through. */
  device?: string;
  learning?: boolean;
}

export interface LinkState {
  name: string;
  kind?: string;
  mtu: number;
  mac?: string;
  up: boolean;
  /** IPv4 addresses: `peer` is set for point-to-point addresses. */
  addresses: Array<{ local: string; prefixLength: number; peer?: string }>;
  vxlan?: VxlanSettings;
}

export interface RouteState {
  /** Always with a prefix length (10.42.1.0/24, 10.0.0.1/32) or 'default'. */
  dst: string;
  gateway?: string;
  dev?: string;
  /** The routing protocol number (ip -N). */
  protocol: string;
  /** 0 when the route has none. */
  metric: number;
  onlink: boolean;
}

export interface NeighbourState {
  dst: string;
  lladdr?: string;
  permanent: boolean;
}

export interface FdbState {
  mac: string;
  /** The remote VTEP; entries without one (the device's own multicast list) are not kept. */
  dst: string;
  permanent: boolean;
}

export interface OverlayState {
  links: LinkState[];
  routes: RouteState[];
  /** Of the VXLAN device only. */
  neighbours: NeighbourState[];
  /** Of the VXLAN device only; empty when it does not exist. */
  fdb: FdbState[];
}

const READS = ['link show', 'addr show', 'route show table main', 'neigh show'];

/** Reads the state with one `ip -batch` and, when the VXLAN device exists, one `bridge fdb show`. */
export async function readOverlayState(netns: string | undefined): Promise<OverlayState> {
  const output = await toolOutput(netns, 'ip', ['-4', '-N', '-d', '-json', '-batch', '-'], READS.join('\n') + '\n');
  const [links, addrs, routes, neighbours] = splitJsonDocuments(output);
  if (neighbours === undefined) throw new Error(`ip -json -batch answered ${splitJsonDocuments(output).length} documents for ${READS.length} reads`);
  const state = parseIpState(links, addrs, routes, neighbours);
  if (state.links.some((link) => link.name === VXLAN_DEVICE)) {
    state.fdb = parseFdb(JSON.parse(await toolOutput(netns, 'bridge', ['-json', 'fdb', 'show', 'dev', VXLAN_DEVICE])));
  }
  return state;
}

/** Splits concatenated JSON documents (ip -batch prints one per command). */
export function splitJsonDocuments(text: string): unknown[] {
  const documents: unknown[] = [];
  let depth = 0;
  let start = -1;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (inString) {
      if (c === '\\') i++;
      else if (c === '"') inString = false;
      continue;
    }
    if (c === '"') inString = true;
    else if (c === '[' || c === '{') {
      if (depth++ === 0) start = i;
    } else if ((c === ']' || c === '}') && --depth === 0) documents.push(JSON.parse(text.slice(start, i + 1)));
  }
  return documents;
}

type Json = Record<string, unknown>;
const list = (value: unknown): Json[] => (Array.isArray(value) ? (value as Json[]) : []);
const text = (value: unknown): string | undefined => (typeof value === 'string' ? value : undefined);
const num = (value: unknown): number | undefined => (typeof value === 'number' ? value : undefined);

export function parseIpState(links: unknown, addrs: unknown, routes: unknown, neighbours: unknown): OverlayState {
  const addressesOf = new Map(list(addrs).map((entry) => [text(entry.ifname), list(entry.addr_info)]));
  return {
    links: list(links).map((entry) => parseLink(entry, addressesOf.get(text(entry.ifname)) ?? [])),
    routes: list(routes).map(parseRoute),
    neighbours: list(neighbours)
      .filter((entry) => entry.dev === VXLAN_DEVICE)
      .map((entry) => ({ dst: text(entry.dst) ?? '', lladdr: text(entry.lladdr), permanent: list(entry.state).some((s) => String(s).toUpperCase() === 'PERMANENT') })),
    fdb: [],
  };
}

function parseLink(entry: Json, addrInfo: Json[]): LinkState {
  const linkinfo = (entry.linkinfo ?? {}) as Json;
  const data = (linkinfo.info_data ?? {}) as Json;
  const kind = text(linkinfo.info_kind);
  return {
    name: text(entry.ifname) ?? '',
    kind,
    mtu: num(entry.mtu) ?? 0,
    mac: text(entry.address),
    up: list(entry.flags).some((flag) => String(flag) === 'UP'),
    addresses: addrInfo
      .filter((a) => a.family === 'inet' && text(a.local))
      .map((a) => ({ local: text(a.local)!, prefixLength: num(a.prefixlen) ?? 32, ...(text(a.address) ? { peer: text(a.address)! } : {}) })),
    ...(kind === 'vxlan' ? { vxlan: { vni: num(data.id), port: num(data.port), local: text(data.local), device: text(data.link), learning: data.learning === true } } : {}),
  };
}

function parseRoute(entry: Json): RouteState {
  const dst = text(entry.dst) ?? 'default';
  return {
    dst: dst === 'default' || dst.includes('/') ? dst : `${dst}/32`,
    gateway: text(entry.gateway),
    dev: text(entry.dev),
    protocol: String(entry.protocol ?? ''),
    metric: num(entry.metric) ?? 0,
    onlink: list(entry.flags).some((flag) => String(flag) === 'onlink'),
  };
}

export function parseFdb(entries: unknown): FdbState[] {
  return list(entries)
    .filter((entry) => text(entry.mac) && text(entry.dst))
    .map((entry) => ({ mac: text(entry.mac)!.toLowerCase(), dst: text(entry.dst)!, permanent: entry.state === 'permanent' }));
}
