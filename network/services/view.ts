// The node's local view of Services and Endpoints, checked and joined: per Service its
// ports with the READY endpoints each reaches. Services (nft rules) and DNS (the zone) both
// read this, so both see the same services the same way. A bad object is left out and
// reported in `problems`, naming the object, the field and the reason; it never takes the
// other services down with it. This runs over every object on every change, so it avoids
// building strings and closures unless something is wrong.
import { parseIpv4 } from '../host/index.ts';
import type { EndpointAddress, EndpointPort, EndpointSubset, Endpoints, Service, ServicePort } from './kube.ts';
import { notDnsLabel, notDnsName, notIPv4, notPort } from './checks.ts';

export type Protocol = 'TCP' | 'UDP' | 'SCTP';
const PROTOCOLS: readonly string[] = ['TCP', 'UDP', 'SCTP'];
const TYPES = ['ClusterIP', 'NodePort', 'LoadBalancer', 'ExternalName'] as const;
export type ServiceType = (typeof TYPES)[number];

export interface Endpoint {
  ip: string;
  port: number;
}

export interface PortView {
  /** The service port's name; '' for the single unnamed port a Service may have. */
  name: string;
  protocol: Protocol;
  port: number;
  nodePort?: number;
  /** Ready endpoints only, as the Endpoints object resolved them (targetPort names included), sorted. */
  endpoints: Endpoint[];
}

export interface AddressView {
  ip: string;
  hostname?: string;
}

export interface ServiceView {
  namespace: string;
  name: string;
  type: ServiceType;
  /** The IPv4 ClusterIP; absent for headless Services (clusterIP None), ExternalName and IPv6-only ones. */
  clusterIP?: string;
  headless: boolean;
  externalName?: string;
  ports: PortView[];
  /** Every ready address of the Endpoints, once each, sorted (headless DNS answers with these). */
  readyAddresses: AddressView[];
}

export interface LocalView {
  services: ServiceView[];
  problems: string[];
}

export interface ViewInput {
  services: Service[];
  endpoints: Endpoints[];
}

interface Named {
  metadata?: { namespace?: unknown; name?: unknown };
}

/** A bad field: `field` is its path inside the object, grown by each enclosing level on the way out. */
class Problem extends Error {
  constructor(
    readonly field: string,
    readonly why: string,
  ) {
    super(`${field}: ${why}`);
  }
}

function ensure(why: string | undefined, field: string): void {
  if (why) throw new Problem(field, why);
}

/** Runs `read` on list[i], prefixing `path[i].` to the field of any Problem it throws. */
function eachOf<T, R>(list: T[], path: string, read: (item: T) => R): R[] {
  if (!Array.isArray(list)) throw new Problem(path, 'is not a list');
  const out: R[] = [];
  for (let i = 0; i < list.length; i++) {
    const item = list[i]!;
    if (!item || typeof item !== 'object') throw new Problem(`${path}[${i}]`, 'is not an object');
    try {
      out.push(read(item));
    } catch (error) {
      if (error instanceof Problem) throw new Problem(`${path}[${i}].${error.field}`, error.why);
      throw error;
    }
  }
  return out;
}

function describe(kind: string, object: Named | undefined, index: number): string {
  const namespace = object?.metadata?.namespace;
  const name = object?.metadata?.name;
  return typeof namespace === 'string' && typeof name === 'string' ? `${kind} ${namespace}/${name}` : `${kind} #${index}`;
}

function objectKey(object: Named | undefined): string {
  if (!object || typeof object !== 'object') throw new Problem('object', 'is not an object');
  ensure(notDnsLabel(object.metadata?.namespace), 'metadata.namespace');
  ensure(notDnsLabel(object.metadata?.name), 'metadata.name');
  return `${object.metadata!.namespace}/${object.metadata!.name}`;
}

// Only checked addresses are sorted.
const byIp = (a: { ip: string }, b: { ip: string }) => parseIpv4(a.ip)! - parseIpv4(b.ip)!;
const byIpPort = (a: Endpoint, b: Endpoint) => byIp(a, b) || a.port - b.port;
const byText = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

function sortedUnique<T>(items: T[], order: (a: T, b: T) => number): T[] {
  if (items.length < 2) return items;
  items.sort(order);
  return items.filter((item, i) => i === 0 || order(items[i - 1]!, item) !== 0);
}

function matchingPort(ports: EndpointPort[], name: string, protocol: Protocol): EndpointPort | undefined {
  for (const p of ports) if ((p.name ?? '') === name && (p.protocol ?? 'TCP') === protocol) return p;
  return undefined;
}

/** The ready endpoints of one service port: kube-proxy matches Endpoints ports by name and protocol. */
function endpointsOf(name: string, protocol: Protocol, subsets: EndpointSubset[]): Endpoint[] {
  const found: Endpoint[] = [];
  for (const subset of subsets) {
    const match = matchingPort(subset.ports ?? [], name, protocol);
    if (match) for (const address of subset.addresses ?? []) found.push({ ip: address.ip, port: match.port });
  }
  return sortedUnique(found, byIpPort);
}

function readyAddressesOf(subsets: EndpointSubset[]): AddressView[] {
  const found: AddressView[] = [];
  for (const subset of subsets) {
    for (const { ip, hostname } of subset.addresses ?? []) found.push(hostname ? { ip, hostname } : { ip });
  }
  return sortedUnique(found, byIp);
}

function readAddress(address: EndpointAddress): EndpointAddress {
  ensure(notIPv4(address.ip), 'ip');
  if (address.hostname !== undefined) ensure(notDnsLabel(address.hostname), 'hostname');
  return address;
}

function readEndpointPort(port: EndpointPort): EndpointPort {
  ensure(notPort(port.port), 'port');
  return port;
}

const isIPv6 = (address: EndpointAddress) => typeof address?.ip === 'string' && address.ip.includes(':');

/** One subset, checked; IPv6 addresses are left out (services here are IPv4). */
function readSubset(subset: EndpointSubset): EndpointSubset {
  const ports = eachOf(subset.ports ?? [], 'ports', readEndpointPort);
  let addresses = subset.addresses ?? [];
  if (Array.isArray(addresses) && addresses.some(isIPv6)) addresses = addresses.filter((a) => !isIPv6(a));
  return { ports, addresses: eachOf(addresses, 'addresses', readAddress) };
}

function readPort(port: ServicePort, withNodePort: boolean, subsets: EndpointSubset[]): PortView {
  const name = port.name ?? '';
  if (name !== '') ensure(notDnsLabel(name), 'name');
  const protocol = port.protocol ?? 'TCP';
  if (!PROTOCOLS.includes(protocol)) throw new Problem('protocol', `"${protocol}" is not TCP, UDP or SCTP`);
  ensure(notPort(port.port), 'port');
  const view: PortView = { name, protocol: protocol as Protocol, port: port.port, endpoints: endpointsOf(name, protocol as Protocol, subsets) };
  if (withNodePort && port.nodePort !== undefined) {
    ensure(notPort(port.nodePort), 'nodePort');
    view.nodePort = port.nodePort;
  }
  return view;
}

function readService(service: Service, subsetsByKey: Map<string, EndpointSubset[]>): ServiceView {
  const key = objectKey(service);
  const spec = service.spec ?? {};
  const type = spec.type ?? 'ClusterIP';
  if (!(TYPES as readonly string[]).includes(type)) throw new Problem('spec.type', `"${type}" is not one of ${TYPES.join(', ')}`);
  const { namespace, name } = service.metadata as { namespace: string; name: string };
  const view: ServiceView = { namespace, name, type: type as ServiceType, headless: spec.clusterIP === 'None', ports: [], readyAddresses: [] };
  if (type === 'ExternalName') {
    ensure(notDnsName(spec.externalName), 'spec.externalName');
    view.externalName = spec.externalName!.replace(/\.$/, '').toLowerCase();
    return view;
  }
  const clusterIP = spec.clusterIP ?? '';
  if (!view.headless && clusterIP !== '' && !clusterIP.includes(':')) {
    ensure(notIPv4(clusterIP), 'spec.clusterIP');
    view.clusterIP = clusterIP;
  }
  const subsets = subsetsByKey.get(key) ?? [];
  const withNodePort = type === 'NodePort' || type === 'LoadBalancer';
  view.ports = eachOf(spec.ports ?? [], 'spec.ports', (port) => readPort(port, withNodePort, subsets));
  view.readyAddresses = readyAddressesOf(subsets);
  return view;
}

/** Every Service of the view with its ready endpoints per port; bad objects go to `problems`. */
export function localView({ services, endpoints }: ViewInput): LocalView {
  if (!Array.isArray(services)) throw new TypeError('services: is not a list');
  if (!Array.isArray(endpoints)) throw new TypeError('endpoints: is not a list');
  const problems: string[] = [];
  const guarded = <T>(kind: string, object: Named, index: number, read: () => T): T | undefined => {
    try {
      return read();
    } catch (error) {
      if (!(error instanceof Problem)) throw error;
      problems.push(`${describe(kind, object, index)}: ${error.message}`);
      return undefined;
    }
  };
  const subsetsByKey = new Map<string, EndpointSubset[]>();
  endpoints.forEach((object, i) =>
    guarded('Endpoints', object, i, () => subsetsByKey.set(objectKey(object), eachOf(object.subsets ?? [], 'subsets', readSubset))),
  );
  const views: ServiceView[] = [];
  services.forEach((object, i) => {
    const view = guarded('Service', object, i, () => readService(object, subsetsByKey));
    if (view) views.push(view);
  });
  views.sort((a, b) => byText(a.namespace, b.namespace) || byText(a.name, b.name));
  return { services: views, problems };
}
