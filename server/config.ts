import { SkerryError } from '../common/index.ts';

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
