import { DEFAULT_CLUSTER_NETWORK, SkerryError, type ClusterNetwork } from '../common/index.ts';
import type { AgentNetworkOptions } from '../edge-agent/run.ts';

export interface HostPort {
  host: string;
  port: number;
}

export interface ServerConfig {
  dataDir: string;
  listen: HostPort;
  mqttListen: HostPort;
  /** The gRPC tunnel nodes dial for log and exec streams. */
  tunnelListen: HostPort;
  /** An external MQTT broker's URL; absent means the embedded broker. */
  broker?: string;
  datastore: { kind: 'sqlite'; file: string };
  disableAgent: boolean;
  /** A node whose heartbeat lapses this long is Unknown (default 40 s, as Kubernetes). */
  nodeMonitorGracePeriodMs?: number;
  /** Extra names and addresses for the serving certificate. */
  tlsSans: string[];
  /** The address plan: pods' cluster CIDR, the Service CIDR and the cluster domain. */
  network: ClusterNetwork;
  /** The pod network of the server's own agent. */
  agentNetwork?: AgentNetworkOptions;
  /** The NodePort range, inclusive (default 30000-32767). */
  nodePorts: { first: number; last: number };
}

/** An IPv4 CIDR flag: an address on a prefix boundary and a prefix length within `minBits`..`maxBits`. */
export function parseCidrFlag(text: string, flag: string, minBits: number, maxBits: number): string {
  const match = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})\/(\d{1,2})$/.exec(text);
  const octets = match ? match.slice(1, 5).map(Number) : [];
  const bits = Number(match?.[5]);
  if (!match || octets.some((o) => o > 255) || bits < minBits || bits > maxBits) {
    throw new SkerryError('USAGE', `${flag} ${JSON.stringify(text)} must be an IPv4 CIDR such as 10.42.0.0/16 with a prefix from /${minBits} to /${maxBits}`, { field: flag });
  }
  const value = octets.reduce((n, o) => n * 256 + o, 0);
  if (value % 2 ** (32 - bits) !== 0) throw new SkerryError('USAGE', `${flag} ${text}: the address has bits set beyond the /${bits} prefix`, { field: flag });
  return text;
}

export function parsePortRange(text: string, flag: string): { first: number; last: number } {
  const match = /^(\d{1,5})-(\d{1,5})$/.exec(text);
  const first = Number(match?.[1]);
  const last = Number(match?.[2]);
  if (!match || first < 1 || last > 65535 || first > last) throw new SkerryError('USAGE', `${flag} ${JSON.stringify(text)} must be a port range FIRST-LAST such as 30000-32767`, { field: flag });
  return { first, last };
}

export function parseNetworkFlags(values: { 'cluster-cidr'?: string; 'service-cidr'?: string; 'cluster-domain'?: string }): ClusterNetwork {
  const domain = values['cluster-domain'] ?? DEFAULT_CLUSTER_NETWORK.clusterDomain;
  if (!/^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/.test(domain)) throw new SkerryError('USAGE', `--cluster-domain ${JSON.stringify(domain)} must be a DNS name such as cluster.local`, { field: '--cluster-domain' });
  return {
    clusterCidr: parseCidrFlag(values['cluster-cidr'] ?? DEFAULT_CLUSTER_NETWORK.clusterCidr, '--cluster-cidr', 8, 24),
    serviceCidr: parseCidrFlag(values['service-cidr'] ?? DEFAULT_CLUSTER_NETWORK.serviceCidr, '--service-cidr', 8, 28),
    clusterDomain: domain,
  };
}

export const DEFAULT_SERVER_DATA_DIR = '/var/lib/skerry/server';

/** Parses HOST:PORT, [IPv6]:PORT or :PORT (all addresses). */
export function parseHostPort(text: string, flag: string): HostPort {
  const match = /^(?:\[([0-9a-fA-F:.]+)\]|([^:\[\]]*)):(\d{1,5})$/.exec(text);
  const port = Number(match?.[3]);
  if (!match || !Number.isInteger(port) || port < 0 || port > 65535) {
    throw new SkerryError('USAGE', `${flag} ${JSON.stringify(text)} must be HOST:PORT with a port from 0 to 65535`, { field: flag });
  }
  return { host: match[1] ?? (match[2] || '0.0.0.0'), port };
}

/** sqlite (the default, in the data dir) is the backend this build has. */
export function parseDatastore(url: string | undefined, dataDir: string): ServerConfig['datastore'] {
  const file = `${dataDir}/db/state.db`;
  if (url === undefined || url === '' || url === 'sqlite' || url === 'sqlite://') return { kind: 'sqlite', file };
  if (url.startsWith('sqlite://')) return { kind: 'sqlite', file: url.slice('sqlite://'.length) };
  if (url.startsWith('etcd://')) {
    throw new SkerryError('CONFIG_INVALID', `--datastore ${url}: the etcd backend is not part of this build yet; use sqlite`, { field: '--datastore' });
  }
  throw new SkerryError('USAGE', `--datastore ${JSON.stringify(url)} must be sqlite://FILE or etcd://HOST:PORT`, { field: '--datastore' });
}

export function parseBrokerUrl(url: string | undefined): string | undefined {
  if (url === undefined) return undefined;
  if (!/^(mqtt|mqtts|tcp|ssl|ws|wss):\/\/[^/\s]+/.test(url)) {
    throw new SkerryError('USAGE', `--broker ${JSON.stringify(url)} must be a URL such as mqtt://host:1883 or mqtts://host:8883`, { field: '--broker' });
  }
  return url;
}
