import { SkerryError } from '../../../common/index.ts';
import { connectionFrom, request, serverError } from '../client/connection.ts';
import { collectionPath, discover, kindName, resolve } from '../client/resources.ts';
import { parseFlags, type Verb } from '../verb.ts';

const usage = `Usage: skerry scale KIND NAME --replicas=N [flags]
       skerry scale KIND/NAME --replicas=N [flags]

Sets the replicas of a Deployment, ReplicaSet or StatefulSet through its scale subresource, as kubectl scale does.

Flags:
  --replicas N           the new number of replicas (required)
  -n, --namespace NS     the namespace (default: the kubeconfig's, else default)
  --kubeconfig FILE      kubeconfig (default $KUBECONFIG, ~/.kube/config, else the local server's data dir)
  --data-dir DIR         the local server's data dir, instead of a kubeconfig
`;

async function run(args: string[]): Promise<number> {
  const { values, positionals } = parseFlags(
    args,
    { replicas: { type: 'string' }, namespace: { type: 'string', short: 'n' }, kubeconfig: { type: 'string' }, 'data-dir': { type: 'string' } },
    true,
  );
  if (values.help) return process.stdout.write(usage), 0;
  const replicas = Number(values.replicas);
  if (values.replicas === undefined || !Number.isInteger(replicas) || replicas < 0) throw new SkerryError('USAGE', '--replicas must be a whole number, 0 or more', { field: '--replicas' });
  const [first, second] = positionals;
  const [kind, name] = first?.includes('/') ? first.split('/', 2) : [first, second];
  if (!kind || !name) throw new SkerryError('USAGE', 'scale needs KIND NAME or KIND/NAME');
  const connection = connectionFrom(values.kubeconfig, values['data-dir']);
  const resource = resolve(await discover(connection), kind);
  const url = `${collectionPath(resource, values.namespace ?? connection.namespace)}/${encodeURIComponent(name)}/scale`;
  const answer = await request(connection, 'PATCH', url, { body: JSON.stringify({ spec: { replicas } }), contentType: 'application/merge-patch+json' });
  if (answer.status !== 200) throw serverError(answer);
  process.stdout.write(`${kindName(resource)}/${name} scaled\n`);
  return 0;
}

export const scaleVerb: Verb = { name: 'scale', summary: 'set the replicas of a workload, like kubectl scale', usage, run };
