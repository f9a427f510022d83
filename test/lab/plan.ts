// The lab's names and addresses, from its id and options: a pure function, so a bad option
// is refused before anything is made. Subnets are 10.99.<segment>.0/24, clear of the cluster
// (10.42/16) and Service (10.43/16) ranges; they exist only inside the lab's namespaces.
import type { LabNodeOptions, LabOptions } from './types.ts';

export const LAB_PREFIX = 'skerry-lab-';
export const UNDERLAY_GATEWAY_HOST = 254;
const SERVER_HOST = 1;
const FIRST_NODE_HOST = 10;
const MAX_NODES = 200;

export interface HostPlan {
  name: string;
  netns: string;
  ip: string;
  gateway: string;
  port: string;
  segment: number;
  wire: boolean;
}

export interface LabPlan {
  prefix: string;
  underlay: string;
  mtu: number;
  segments: number[];
  server?: HostPlan;
  nodes: HostPlan[];
}

const subnet = (segment: number) => `10.99.${segment}`;

export function labPlan(id: string, options: LabOptions): LabPlan {
  if (!/^[0-9a-f]{4,16}$/.test(id)) throw new Error(`lab id: "${id}" is not 4 to 16 hex digits`);
  const nodes = nodeOptions(options);
  const mtu = options.mtu ?? 1500;
  if (!Number.isInteger(mtu) || mtu < 576 || mtu > 9000) throw new Error(`mtu: ${mtu} is not an integer between 576 and 9000`);
  const prefix = `${LAB_PREFIX}${id}`;
  const host = (name: string, hostPart: number, o: LabNodeOptions): HostPlan => {
    const segment = o.segment ?? 0;
    return { name, netns: `${prefix}-${name}`, ip: `${subnet(segment)}.${hostPart}`, gateway: `${subnet(segment)}.${UNDERLAY_GATEWAY_HOST}`, port: `p-${name}`.slice(0, 15), segment, wire: o.wire === true };
  };
  const plan: LabPlan = {
    prefix,
    underlay: `${prefix}-underlay`,
    mtu,
    segments: [...new Set([0, ...nodes.map((o) => o.segment ?? 0)])].sort((a, b) => a - b),
    nodes: nodes.map((o, i) => host(`n${i}`, FIRST_NODE_HOST + i, o)),
  };
  if (options.server !== false) plan.server = host('server', SERVER_HOST, {});
  return plan;
}

function nodeOptions(options: LabOptions): LabNodeOptions[] {
  if (typeof options !== 'object' || options === null) throw new Error('lab options: not an object');
  const nodes = typeof options.nodes === 'number' ? Array.from({ length: options.nodes }, (): LabNodeOptions => ({})) : options.nodes;
  if (typeof options.nodes === 'number' && (!Number.isInteger(options.nodes) || options.nodes < 0)) throw new Error(`nodes: ${options.nodes} is not a whole number`);
  if (!Array.isArray(nodes)) throw new Error('nodes: neither a count nor an array of node options');
  if (nodes.length > MAX_NODES) throw new Error(`nodes: ${nodes.length} is more than the ${MAX_NODES} a /24 segment plan has room for`);
  nodes.forEach((o, i) => {
    const segment = o.segment ?? 0;
    if (!Number.isInteger(segment) || segment < 0 || segment > 255) throw new Error(`nodes[${i}].segment: ${segment} is not an integer between 0 and 255`);
    if (o.wire !== undefined && typeof o.wire !== 'boolean') throw new Error(`nodes[${i}].wire: ${JSON.stringify(o.wire)} is not a boolean`);
  });
  return nodes;
}

/** The lab id in a namespace, mount source or directory name of a lab, or undefined. */
export function labIdOf(name: string): string | undefined {
  if (!name.startsWith(LAB_PREFIX)) return undefined;
  const id = name.slice(LAB_PREFIX.length).split('-')[0] ?? '';
  return /^[0-9a-f]{4,16}$/.test(id) ? id : undefined;
}
