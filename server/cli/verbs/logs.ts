import { SkerryError } from '../../../common/index.ts';
import { connectionFrom } from '../client/connection.ts';
import { streamGet } from '../client/connection.ts';
import { chooseContainer, podPath } from '../client/pod-streams.ts';
import { parseFlags, type Verb } from '../verb.ts';

const usage = `Usage: skerry logs [flags] POD

Prints a container's log, as kubectl logs does: read from the node over the server's tunnel.

Flags:
  -c, --container NAME   the container (default: the pod's only or default one)
  -f, --follow           keep printing new lines until the container stops or ^C
  -p, --previous         the log of the container's previous run
  --tail N               only the last N lines (default: all)
  --since DURATION       only lines newer than this (5s, 2m, 3h)
  --timestamps           prefix each line with its RFC 3339 time
  -n, --namespace NS     the namespace (default: the kubeconfig's, else default)
  --kubeconfig FILE      kubeconfig (default $KUBECONFIG, ~/.kube/config, else the local server's data dir)
  --data-dir DIR         the local server's data dir, instead of a kubeconfig
`;

/** kubectl's --since: a Go duration of whole units (1h30m, 90s), rounded up to seconds. */
export function sinceSeconds(text: string): number {
  const units: Record<string, number> = { ms: 0.001, s: 1, m: 60, h: 3600 };
  const parts = [...text.matchAll(/(\d+(?:\.\d+)?)(ms|s|m|h)/g)];
  if (parts.length === 0 || parts.map((p) => p[0]).join('') !== text) throw new SkerryError('USAGE', `--since ${JSON.stringify(text)} must be a duration such as 10s, 5m or 1h`, { field: '--since' });
  const seconds = parts.reduce((sum, p) => sum + Number(p[1]) * units[p[2]!]!, 0);
  if (seconds <= 0) throw new SkerryError('USAGE', '--since must be more than 0', { field: '--since' });
  return Math.ceil(seconds);
}

async function run(args: string[]): Promise<number> {
  const { values, positionals } = parseFlags(
    args,
    {
      container: { type: 'string', short: 'c' },
      follow: { type: 'boolean', short: 'f' },
      previous: { type: 'boolean', short: 'p' },
      tail: { type: 'string' },
      since: { type: 'string' },
      timestamps: { type: 'boolean' },
      namespace: { type: 'string', short: 'n' },
      kubeconfig: { type: 'string' },
      'data-dir': { type: 'string' },
    },
    true,
  );
  if (values.help) return process.stdout.write(usage), 0;
  const [pod, ...extra] = positionals;
  if (!pod || extra.length > 0) throw new SkerryError('USAGE', 'logs needs exactly one POD');
  const tail = values.tail === undefined ? -1 : Number(values.tail);
  if (!Number.isInteger(tail) || tail < -1) throw new SkerryError('USAGE', `--tail ${JSON.stringify(values.tail)} must be a whole number (-1 for all)`, { field: '--tail' });
  const query = new URLSearchParams();
  const connection = connectionFrom(values.kubeconfig, values['data-dir']);
  const namespace = values.namespace ?? connection.namespace;
  const container = await chooseContainer(connection, namespace, pod, values.container);
  if (container) query.set('container', container);
  if (values.follow) query.set('follow', 'true');
  if (values.previous) query.set('previous', 'true');
  if (values.timestamps) query.set('timestamps', 'true');
  if (tail >= 0) query.set('tailLines', String(tail));
  if (values.since !== undefined) query.set('sinceSeconds', String(sinceSeconds(values.since)));
  const body = await streamGet(connection, `${podPath(namespace, pod, 'log')}?${query}`);
  for await (const chunk of body) if (!process.stdout.write(chunk as Buffer)) await new Promise((resolve) => process.stdout.once('drain', resolve));
  return 0;
}

export const logsVerb: Verb = { name: 'logs', summary: "print a container's log, like kubectl logs", usage, run };
