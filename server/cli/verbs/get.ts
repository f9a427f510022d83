import { stringify } from 'yaml';
import { SkerryError } from '../../../common/index.ts';
import { connectionFrom, request, serverError } from '../client/connection.ts';
import { printObjects, resourceVersionOf, watchChanges } from '../client/watch.ts';
import { collectionPath, discover, kindName, resolve } from '../client/resources.ts';
import { printTable, type Table } from '../client/table.ts';
import { parseFlags, type Verb } from '../verb.ts';

const usage = `Usage: skerry get KIND [NAME] [flags]

Lists or shows objects, as kubectl get does: the server's columns, or the objects as JSON or YAML.

Flags:
  -n, --namespace NS     the namespace (default: the kubeconfig's, else default)
  -A, --all-namespaces   every namespace
  -o, --output FORMAT    wide, json, yaml or name
  -l, --selector SEL     label selector
  -w, --watch            after listing, print each change as it happens (Ctrl-C stops)
  --kubeconfig FILE      kubeconfig (default $KUBECONFIG, ~/.kube/config, else the local server's data dir)
  --data-dir DIR         the local server's data dir, instead of a kubeconfig
`;

const TABLE_ACCEPT = 'application/json;as=Table;v=v1;g=meta.k8s.io,application/json';
const FORMATS = ['', 'wide', 'json', 'yaml', 'name'];

async function run(args: string[]): Promise<number> {
  const { values, positionals } = parseFlags(
    args,
    {
      namespace: { type: 'string', short: 'n' },
      'all-namespaces': { type: 'boolean', short: 'A' },
      output: { type: 'string', short: 'o' },
      selector: { type: 'string', short: 'l' },
      watch: { type: 'boolean', short: 'w' },
      kubeconfig: { type: 'string' },
      'data-dir': { type: 'string' },
    },
    true,
  );
  if (values.help) return process.stdout.write(usage), 0;
  const [kind, name, ...extra] = positionals;
  if (!kind) throw new SkerryError('USAGE', 'get needs a KIND, e.g. skerry get pods');
  if (extra.length > 0) throw new SkerryError('USAGE', `get takes one NAME; got ${[name, ...extra].join(' ')}`);
  const output = values.output ?? '';
  if (!FORMATS.includes(output)) throw new SkerryError('USAGE', `--output ${JSON.stringify(output)} must be one of wide, json, yaml, name`, { field: '--output' });
  const connection = connectionFrom(values.kubeconfig, values['data-dir']);
  const resource = resolve(await discover(connection), kind);
  const all = values['all-namespaces'] === true && !name;
  const namespace = all ? undefined : values.namespace ?? connection.namespace;
  const query = values.selector ? `?labelSelector=${encodeURIComponent(values.selector)}` : '';
  const path = `${collectionPath(resource, namespace)}${name ? `/${encodeURIComponent(name)}` : ''}${query}`;
  const table = output === '' || output === 'wide';
  const answer = await request(connection, 'GET', path, { accept: table ? TABLE_ACCEPT : 'application/json' });
  if (answer.status !== 200) throw serverError(answer);
  const body = JSON.parse(answer.body) as Record<string, unknown>;
  const print = { output, withNamespace: all && resource.namespaced, kind: kindName(resource), groupVersion: resource.groupVersion, resourceKind: resource.kind };
  if (table) {
    const t = body as unknown as Table;
    if (t.rows.length === 0 && !values.watch) {
      process.stderr.write(resource.namespaced && namespace ? `No resources found in ${namespace} namespace.\n` : 'No resources found\n');
      return 0;
    }
    if (t.rows.length > 0) process.stdout.write(printTable(t, { wide: output === 'wide', withNamespace: print.withNamespace }));
    if (values.watch) await watchChanges(connection, collectionPath(resource, namespace), { name, selector: values.selector, resourceVersion: resourceVersionOf(body), accept: TABLE_ACCEPT, print, listed: t });
    return 0;
  }
  if (values.watch) {
    printObjects(name ? [body] : ((body.items ?? []) as Array<Record<string, unknown>>), print);
    await watchChanges(connection, collectionPath(resource, namespace), { name, selector: values.selector, resourceVersion: resourceVersionOf(body), accept: 'application/json', print });
    return 0;
  }
  const items = (name ? [body] : (body.items as Array<Record<string, unknown>>)) as Array<{ metadata: { name: string } }>;
  if (output === 'name') {
    process.stdout.write(items.map((o) => `${kindName(resource)}/${o.metadata.name}\n`).join(''));
    return 0;
  }
  const shown = name ? body : { apiVersion: 'v1', items: items.map((o) => ({ apiVersion: resource.groupVersion, kind: resource.kind, ...o })), kind: 'List', metadata: { resourceVersion: '' } };
  process.stdout.write(output === 'json' ? `${JSON.stringify(shown, null, 4)}\n` : stringify(shown));
  return 0;
}

export const getVerb: Verb = { name: 'get', summary: 'list or show objects, like kubectl get', usage, run };
