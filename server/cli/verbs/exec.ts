import WebSocket from 'ws';
import { SkerryError } from '../../../common/index.ts';
import { connectionFrom, serverError, type Connection } from '../client/connection.ts';
import { chooseContainer, podPath } from '../client/pod-streams.ts';
import { parseFlags, type Verb } from '../verb.ts';

const usage = `Usage: skerry exec [flags] POD -- COMMAND [ARGS...]

Runs a command in a container, as kubectl exec does, over the server's tunnel to the node.

Flags:
  -i, --stdin            pass this process's stdin to the command
  -c, --container NAME   the container (default: the pod's only or default one)
  -n, --namespace NS     the namespace (default: the kubeconfig's, else default)
  --kubeconfig FILE      kubeconfig (default $KUBECONFIG, ~/.kube/config, else the local server's data dir)
  --data-dir DIR         the local server's data dir, instead of a kubeconfig

Exit code: the command's own; 1 when it could not run.
`;

const PROTOCOL = 'v5.channel.k8s.io';
const CLOSE_STDIN = Buffer.of(255, 0);

async function run(args: string[]): Promise<number> {
  const split = args.indexOf('--');
  const command = split < 0 ? [] : args.slice(split + 1);
  const { values, positionals } = parseFlags(
    split < 0 ? args : args.slice(0, split),
    { stdin: { type: 'boolean', short: 'i' }, container: { type: 'string', short: 'c' }, namespace: { type: 'string', short: 'n' }, kubeconfig: { type: 'string' }, 'data-dir': { type: 'string' } },
    true,
  );
  if (values.help) return process.stdout.write(usage), 0;
  const [pod, ...extra] = positionals;
  if (!pod || extra.length > 0 || command.length === 0) throw new SkerryError('USAGE', 'exec needs POD -- COMMAND [ARGS...]');
  const connection = connectionFrom(values.kubeconfig, values['data-dir']);
  const namespace = values.namespace ?? connection.namespace;
  const container = await chooseContainer(connection, namespace, pod, values.container);
  const query = new URLSearchParams([...command.map((c): [string, string] => ['command', c]), ['stdout', 'true'], ['stderr', 'true'], ['stdin', String(values.stdin === true)], ['tty', 'false']]);
  if (container) query.set('container', container);
  const url = `wss://${connection.server.host}${podPath(namespace, pod, 'exec')}?${query}`;
  return relay(connection, url, values.stdin === true);
}

/** Pipes the channels to this process's stdio; resolves with the command's exit code. */
function relay(connection: Connection, url: string, stdin: boolean): Promise<number> {
  const ws = new WebSocket(url, [PROTOCOL], { ca: connection.ca, headers: { Authorization: `Bearer ${connection.token}` } });
  return new Promise((resolve, reject) => {
    let status: Record<string, unknown> | undefined;
    ws.on('unexpected-response', (_req, res) => {
      let body = '';
      res.on('data', (d: Buffer) => (body += d));
      res.on('end', () => reject(serverError({ status: res.statusCode ?? 0, body })));
    });
    ws.on('error', (error) => reject(new SkerryError('CONFIG_INVALID', `cannot reach ${connection.server.origin}: ${(error as NodeJS.ErrnoException).code ?? error.message}`, {}, { cause: error })));
    ws.on('open', () => stdin && sendStdin(ws));
    ws.on('message', (data: Buffer) => {
      if (data[0] === 1) process.stdout.write(data.subarray(1));
      if (data[0] === 2) process.stderr.write(data.subarray(1));
      if (data[0] === 3) status = JSON.parse(data.subarray(1).toString('utf8')) as Record<string, unknown>;
    });
    ws.on('close', () => {
      process.stdin.pause();
      resolve(exitCodeOf(status));
    });
  });
}

function sendStdin(ws: WebSocket): void {
  process.stdin.on('data', (chunk: Buffer) => ws.readyState === ws.OPEN && ws.send(Buffer.concat([Buffer.of(0), chunk])));
  process.stdin.on('end', () => ws.readyState === ws.OPEN && ws.send(CLOSE_STDIN));
}

/** kubectl's reading of the final Status: 0, the command's exit code, or 1 with the reason on stderr. */
function exitCodeOf(status: Record<string, unknown> | undefined): number {
  if (status?.status === 'Success') return 0;
  const causes = ((status?.details as { causes?: Array<{ reason?: string; message?: string }> } | undefined)?.causes ?? []);
  const code = Number(causes.find((c) => c.reason === 'ExitCode')?.message);
  if (status?.reason === 'NonZeroExitCode' && Number.isInteger(code)) {
    process.stderr.write(`command terminated with exit code ${code}\n`);
    return code;
  }
  process.stderr.write(`error: ${typeof status?.message === 'string' ? status.message : 'the connection closed before the command ended'}\n`);
  return 1;
}

export const execVerb: Verb = { name: 'exec', summary: 'run a command in a container, like kubectl exec', usage, run };
