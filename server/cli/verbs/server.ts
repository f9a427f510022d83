import { componentLogger, SkerryError } from '../../../common/index.ts';
import { parseDuration } from '../../join/index.ts';
import { DEFAULT_SERVER_DATA_DIR, parseBrokerUrl, parseDatastore, parseHostPort, parseNetworkFlags, parsePortRange, type ServerConfig } from '../../config.ts';
import { startServer } from '../../run.ts';
import { NETWORK_FLAGS, NETWORK_USAGE, parseNetworkOptions } from '../../../edge-agent/run.ts';
import { parseFlags, type Verb } from '../verb.ts';

const log = componentLogger('cli');

const usage = `Usage: skerry server [flags]

Runs the control plane: the revisioned store and the Kubernetes-style HTTPS API.

Flags:
  --data-dir DIR          state directory (default ${DEFAULT_SERVER_DATA_DIR})
  --listen HOST:PORT      HTTPS API address (default 0.0.0.0:6443)
  --mqtt-listen HOST:PORT embedded MQTT broker, MQTT over TLS only (default 0.0.0.0:8883)
  --tunnel-listen HOST:PORT  gRPC tunnel that nodes dial for logs and exec (default 0.0.0.0:6444)
  --broker URL            use an external MQTT broker instead of the embedded one
  --datastore URL         sqlite://FILE (default: in the data dir) or etcd://HOST:PORT
  --tls-san NAME          extra name or address for the serving certificate (repeatable)
  --disable-agent         do not run a local agent in the server process
  --node-monitor-grace-period DURATION
                          a node silent this long is Unknown (default 40s; its pods keep running)
  --cluster-cidr CIDR     pod addresses; each node gets a /24 of it (default 10.42.0.0/16)
  --service-cidr CIDR     Service cluster IPs (default 10.43.0.0/16)
  --service-node-port-range FIRST-LAST
                          NodePort range (default 30000-32767)
  --cluster-domain NAME   the DNS domain of Services and pods (default cluster.local)
Flags of the server's own agent:
${NETWORK_USAGE}`;

function configFrom(args: string[]): ServerConfig | 'help' {
  const { values } = parseFlags(args, {
    'data-dir': { type: 'string' },
    listen: { type: 'string' },
    'mqtt-listen': { type: 'string' },
    'tunnel-listen': { type: 'string' },
    broker: { type: 'string' },
    datastore: { type: 'string' },
    'tls-san': { type: 'string', multiple: true },
    'disable-agent': { type: 'boolean' },
    'node-monitor-grace-period': { type: 'string' },
    'cluster-cidr': { type: 'string' },
    'service-cidr': { type: 'string' },
    'service-node-port-range': { type: 'string' },
    'cluster-domain': { type: 'string' },
    ...NETWORK_FLAGS,
  });
  if (values.help) return 'help';
  const dataDir = values['data-dir'] ?? DEFAULT_SERVER_DATA_DIR;
  return {
    dataDir,
    listen: parseHostPort(values.listen ?? '0.0.0.0:6443', '--listen'),
    mqttListen: parseHostPort(values['mqtt-listen'] ?? '0.0.0.0:8883', '--mqtt-listen'),
    tunnelListen: parseHostPort(values['tunnel-listen'] ?? '0.0.0.0:6444', '--tunnel-listen'),
    broker: parseBrokerUrl(values.broker),
    datastore: parseDatastore(values.datastore, dataDir),
    disableAgent: values['disable-agent'] ?? false,
    tlsSans: values['tls-san'] ?? [],
    nodeMonitorGracePeriodMs: gracePeriod(values['node-monitor-grace-period']),
    network: parseNetworkFlags(values),
    agentNetwork: parseNetworkOptions(values),
    nodePorts: parsePortRange(values['service-node-port-range'] ?? '30000-32767', '--service-node-port-range'),
  };
}

function gracePeriod(text: string | undefined): number | undefined {
  if (text === undefined) return undefined;
  const ms = parseDuration(text);
  if (ms === undefined || ms < 1000) throw new SkerryError('USAGE', `--node-monitor-grace-period ${JSON.stringify(text)} must be a duration of at least 1s, e.g. 40s or 5m`, { field: '--node-monitor-grace-period' });
  return ms;
}

/** Serves until SIGTERM or SIGINT, then closes the API and the store and exits 0. */
async function run(args: string[]): Promise<number> {
  const config = configFrom(args);
  if (config === 'help') return process.stdout.write(usage), 0;
  // Listen for signals before the server exists, so a stop asked during start is kept.
  const signal = new Promise<NodeJS.Signals>((resolve) => {
    process.once('SIGTERM', () => resolve('SIGTERM'));
    process.once('SIGINT', () => resolve('SIGINT'));
  });
  const server = await startServer(config);
  await signal;
  log.info({ signal: await signal }, 'stopping');
  await server.stop();
  return 0;
}

export const serverVerb: Verb = { name: 'server', summary: 'run the control plane', usage, run };
