// The cluster's DNS zone as the node's local view describes it, after the Kubernetes DNS
// specification: `<svc>.<ns>.svc.<domain>` (A of the ClusterIP; headless: A of every ready
// endpoint), `<hostname>.<svc>.<ns>.svc.<domain>` per ready endpoint of a headless service
// (the endpoint's hostname, as StatefulSet pods have, else its dashed address), SRV
// `_<port>._<proto>.<svc>.<ns>.svc.<domain>` for named ports, and CNAME for ExternalName.
// Pod names (`<a-b-c-d>.<ns>.pod.<domain>`) are answered from the name itself (answer.ts).
// Plain data, built whole on each change of the view and only read by the server.
import { localView, type Endpoints, type Service, type ServiceView } from '../services/index.ts';

export interface SrvTarget {
  port: number;
  target: string;
}

export interface NameRecords {
  a: string[];
  srv: SrvTarget[];
  cname?: string;
}

export interface ClusterZone {
  /** The cluster domain, lower case, without a trailing dot (cluster.local). */
  domain: string;
  /** The SOA serial: changes when the zone does. */
  serial: number;
  /** Every name that exists (lower case, no trailing dot), with its records; empty records for names that only have names below them. */
  names: Map<string, NameRecords>;
  /** Namespaces that have services: `<ns>.pod.<domain>` exists for these. */
  namespaces: Set<string>;
  /** Objects of the view that were left out, with the reason. */
  problems: string[];
}

export interface ZoneInput {
  services: Service[];
  endpoints: Endpoints[];
  domain?: string;
  serial?: number;
}

const dashed = (ip: string) => ip.replace(/\./g, '-');

function add(names: Map<string, NameRecords>, name: string, records: Partial<NameRecords> = {}): void {
  const entry = names.get(name) ?? { a: [], srv: [] };
  entry.a.push(...(records.a ?? []));
  entry.srv.push(...(records.srv ?? []));
  if (records.cname) entry.cname = records.cname;
  names.set(name, entry);
}

function addService(names: Map<string, NameRecords>, service: ServiceView, domain: string): void {
  const base = `${service.name}.${service.namespace}.svc.${domain}`;
  if (service.externalName) return add(names, base, { cname: service.externalName });
  const hosts = new Map(service.readyAddresses.map((address) => [address.ip, `${address.hostname ?? dashed(address.ip)}.${base}`]));
  if (service.headless) {
    add(names, base, { a: service.readyAddresses.map((address) => address.ip) });
    for (const [ip, host] of hosts) add(names, host, { a: [ip] });
  } else add(names, base, { a: service.clusterIP ? [service.clusterIP] : [] });
  for (const port of service.ports) {
    if (!port.name) continue;
    const protocol = `_${port.protocol.toLowerCase()}.${base}`;
    const srv = service.headless ? port.endpoints.map((e) => ({ port: e.port, target: hosts.get(e.ip)! })) : [{ port: port.port, target: base }];
    add(names, protocol);
    add(names, `_${port.name}.${protocol}`, { srv });
  }
}

/** The zone for the node's view; bad objects are left out and listed in `problems`. */
export function buildZone({ services, endpoints, domain = 'cluster.local', serial = Math.floor(Date.now() / 1000) }: ZoneInput): ClusterZone {
  if (!/^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*\.?$/i.test(domain)) throw new TypeError(`domain: "${domain}" is not a DNS name`);
  const view = localView({ services, endpoints });
  const zoneDomain = domain.toLowerCase().replace(/\.$/, '');
  const names = new Map<string, NameRecords>();
  for (const name of [zoneDomain, `svc.${zoneDomain}`, `pod.${zoneDomain}`]) add(names, name);
  const namespaces = new Set<string>();
  for (const service of view.services) {
    namespaces.add(service.namespace);
    add(names, `${service.namespace}.svc.${zoneDomain}`);
    addService(names, service, zoneDomain);
  }
  return { domain: zoneDomain, serial: serial >>> 0, names, namespaces, problems: view.problems };
}
