import { SkerryError } from '../../../common/index.ts';
import { connectionFrom, kubectlLine, request, serverError } from '../client/connection.ts';
import { readManifests } from '../client/manifests.ts';
import { collectionPath, discover, kindName, resolve, type ApiResource } from '../client/resources.ts';
import { parseFlags, type Verb } from '../verb.ts';

const usage = `Usage: skerry delete KIND NAME... [flags]
       skerry delete -f FILE|DIR|- [flags]

Deletes objects, as kubectl delete does; dependents go with them (background cascade).

Flags:
  -n, --namespace NS        the namespace (default: the kubeconfig's, else default)
  -f, --filename PATH       delete what the manifests name (repeatable)
  --cascade MODE            background (default), foreground or orphan
  --grace-period SECONDS    how long a pod on a node gets to stop (0 with --force: at once)
  --force                   with --grace-period=0, remove pods without waiting for their node
  --kubeconfig FILE         kubeconfig (default $KUBECONFIG, ~/.kube/config, else the local server's data dir)
  --data-dir DIR            the local server's data dir, instead of a kubeconfig
`;

const CASCADE: Record<string, string> = { background: 'Background', foreground: 'Foreground', orphan: 'Orphan' };

async function run(args: string[]): Promise<number> {
  const { values, positionals } = parseFlags(
    args,
    {
      namespace: { type: 'string', short: 'n' },
      filename: { type: 'string', short: 'f', multiple: true },
      cascade: { type: 'string' },
      'grace-period': { type: 'string' },
      force: { type: 'boolean' },
      kubeconfig: { type: 'string' },
      'data-dir': { type: 'string' },
    },
    true,
  );
  if (values.help) return process.stdout.write(usage), 0;
  const policy = CASCADE[values.cascade ?? 'background'];
  if (!policy) throw new SkerryError('USAGE', `--cascade ${JSON.stringify(values.cascade)} must be background, foreground or orphan`, { field: '--cascade' });
  const grace = values['grace-period'] === undefined ? undefined : Number(values['grace-period']);
  if (grace !== undefined && (!Number.isInteger(grace) || grace < 0)) throw new SkerryError('USAGE', `--grace-period must be a whole number of seconds`, { field: '--grace-period' });
  const connection = connectionFrom(values.kubeconfig, values['data-dir']);
  const resources = await discover(connection);
  const namespace = values.namespace ?? connection.namespace;
  const targets: Array<{ resource: ApiResource; name: string; namespace?: string }> = [];
  if (values.filename?.length) {
    for (const m of values.filename.flatMap(readManifests)) {
      const resource = resources.find((r) => r.groupVersion === m.object.apiVersion && r.kind === m.object.kind);
      if (!resource || !m.object.metadata?.name) throw new SkerryError('USAGE', `cannot delete what ${m.source} describes: unknown kind or no name`);
      targets.push({ resource, name: m.object.metadata.name, namespace: m.object.metadata.namespace ?? namespace });
    }
  } else {
    const [kind, ...names] = positionals;
    if (!kind || names.length === 0) throw new SkerryError('USAGE', 'delete needs KIND and NAME, or -f');
    const resource = resolve(resources, kind);
    for (const name of names) targets.push({ resource, name, namespace });
  }
  const body = JSON.stringify({ kind: 'DeleteOptions', apiVersion: 'v1', propagationPolicy: policy, ...(grace !== undefined ? { gracePeriodSeconds: grace } : {}) });
  let failed = 0;
  for (const target of targets) {
    const url = `${collectionPath(target.resource, target.resource.namespaced ? target.namespace : undefined)}/${encodeURIComponent(target.name)}`;
    const answer = await request(connection, 'DELETE', url, { body });
    if (answer.status === 200 || answer.status === 202) {
      process.stdout.write(`${kindName(target.resource)} "${target.name}" deleted\n`);
    } else {
      failed++;
      process.stderr.write(`${kubectlLine(serverError(answer))}\n`);
    }
  }
  return failed > 0 ? 1 : 0;
}

export const deleteVerb: Verb = { name: 'delete', summary: 'delete objects, like kubectl delete', usage, run };
