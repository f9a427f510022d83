import net from 'node:net';
import { componentLogger, SkerryError } from '../../../common/index.ts';
import { NETWORK_FLAGS, NETWORK_USAGE, parseNetworkOptions, startAgent } from '../../../edge-agent/run.ts';
import { parseBrokerUrl } from '../../config.ts';
import { versionInfo } from '../../version.ts';
import { parseFlags, type Verb } from '../verb.ts';

const log = componentLogger('cli');

export const DEFAULT_AGENT_DATA_DIR = '/var/lib/skerry/agent';

const usage = `Usage: skerry agent --server URL --token TOKEN [flags]

Joins this machine to a cluster as a node and keeps its pods running, also while the
server is out of reach.

Flags:
  --server URL            the server's HTTPS URL, e.g. https://server:6443
  --token TOKEN           a join token (skerry token create) or the cluster token
  --node-name NAME        the node's name (default: this host's name)
  --data-dir DIR          state directory (default ${DEFAULT_AGENT_DATA_DIR})
  --node-ip IP            the node's address (default: the one it reaches the server from)
  --broker URL            dial this MQTT broker instead of the one the server names at join
  --tunnel URL            dial this log/exec tunnel (https://HOST:PORT) instead of the server's
  --keepalive SECONDS     MQTT keep-alive; a dead link shows within two of these (default 15)
  --node-lease-duration-seconds N
                          the heartbeat Lease's duration, renewed every quarter of it (default 40)
  --allow-privileged      run containers with securityContext.privileged (refused by default)
${NETWORK_USAGE}`;

// Hidden flags for tests: their own runtime and pods roots (nothing else on the host is
// touched) and a short restart back-off (Kubernetes' is 10 s doubling to 5 min).
const HIDDEN_FLAGS = {
  'runtime-root': { type: 'string' },
  'pods-root': { type: 'string' },
  'restart-backoff': { type: 'string' },
} as const;

/** "200ms", "10s", "1m" → ms; the maximum is 30 times the first delay, as 10 s is to 5 min. */
function parseBackoff(text: string | undefined): { initialMs: number; maxMs: number } | undefined {
  if (text === undefined) return undefined;
  const m = /^(\d+)(ms|s|m)$/.exec(text);
  const ms = m ? Number(m[1]) * { ms: 1, s: 1000, m: 60_000 }[m[2] as 'ms' | 's' | 'm'] : NaN;
  if (!(ms >= 1)) throw new SkerryError('USAGE', `--restart-backoff ${JSON.stringify(text)} must be a duration such as 200ms or 10s`, { field: '--restart-backoff' });
  return { initialMs: ms, maxMs: ms * 30 };
}

/** Runs until SIGTERM or SIGINT; the pods' state stays in the data dir for the next start. */
async function run(args: string[]): Promise<number> {
  const { values } = parseFlags(args, {
    server: { type: 'string' },
    token: { type: 'string' },
    'node-name': { type: 'string' },
    'data-dir': { type: 'string' },
    'node-ip': { type: 'string' },
    keepalive: { type: 'string' },
    'node-lease-duration-seconds': { type: 'string' },
    broker: { type: 'string' },
    tunnel: { type: 'string' },
    'allow-privileged': { type: 'boolean' },
    ...NETWORK_FLAGS,
    ...HIDDEN_FLAGS,
  });
  if (values.help) return process.stdout.write(usage), 0;
  if (!values.server) throw new SkerryError('USAGE', 'agent needs --server URL', { field: '--server' });
  const token = values.token ?? process.env.SKERRY_TOKEN;
  if (!token) throw new SkerryError('USAGE', 'agent needs --token TOKEN (or SKERRY_TOKEN)', { field: '--token' });
  if (values['node-ip'] !== undefined && net.isIP(values['node-ip']) === 0) throw new SkerryError('USAGE', `--node-ip ${JSON.stringify(values['node-ip'])} is not an IP address`, { field: '--node-ip' });
  const keepalive = values.keepalive === undefined ? undefined : Number(values.keepalive);
  if (keepalive !== undefined && !(Number.isInteger(keepalive) && keepalive >= 1 && keepalive <= 3600)) {
    throw new SkerryError('USAGE', `--keepalive ${JSON.stringify(values.keepalive)} must be whole seconds from 1 to 3600`, { field: '--keepalive' });
  }
  const leaseSeconds = values['node-lease-duration-seconds'] === undefined ? 40 : Number(values['node-lease-duration-seconds']);
  if (!(Number.isInteger(leaseSeconds) && leaseSeconds >= 2 && leaseSeconds <= 3600)) {
    throw new SkerryError('USAGE', `--node-lease-duration-seconds ${JSON.stringify(values['node-lease-duration-seconds'])} must be whole seconds from 2 to 3600`, { field: '--node-lease-duration-seconds' });
  }
  const signal = new Promise<NodeJS.Signals>((resolve) => {
    process.once('SIGTERM', () => resolve('SIGTERM'));
    process.once('SIGINT', () => resolve('SIGINT'));
  });
  const agent = await startAgent({
    serverUrl: values.server,
    token,
    nodeName: values['node-name'],
    dataDir: values['data-dir'] ?? DEFAULT_AGENT_DATA_DIR,
    nodeIp: values['node-ip'],
    keepaliveSeconds: keepalive,
    // As the kubelet: the Lease is renewed every quarter of its duration.
    leaseSeconds,
    renewSeconds: leaseSeconds / 4,
    brokerUrl: values.broker === undefined ? undefined : parseBrokerUrl(values.broker),
    tunnelUrl: values.tunnel === undefined ? undefined : parseTunnelUrl(values.tunnel),
    version: versionInfo().gitVersion,
    network: parseNetworkOptions(values),
    pods: {
      ...(values['runtime-root'] !== undefined && { runtimeRoot: values['runtime-root'] }),
      ...(values['pods-root'] !== undefined && { podsRoot: values['pods-root'] }),
      ...(values['restart-backoff'] !== undefined && { backoff: parseBackoff(values['restart-backoff']) }),
      allowPrivileged: values['allow-privileged'] === true,
    },
  });
  log.info({ signal: await signal }, 'stopping');
  await agent.stop();
  return 0;
}

function parseTunnelUrl(url: string): string {
  if (!/^https:\/\/[^/\s]+:\d+\/?$/.test(url)) throw new SkerryError('USAGE', `--tunnel ${JSON.stringify(url)} must be a URL such as https://server:6444`, { field: '--tunnel' });
  return url;
}

export const agentVerb: Verb = { name: 'agent', summary: 'join this machine as a node and run its pods', usage, run };
