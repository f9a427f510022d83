import { SkerryError } from '../../../common/index.ts';
import { connectionFrom, kubectlLine, request, serverError, type Connection } from '../client/connection.ts';
import { describeClient, describeObject, type Json } from '../client/describe/index.ts';
import { collectionPath, discover, resolve, type ApiResource } from '../client/resources.ts';
import { parseFlags, type Verb } from '../verb.ts';

const usage = `Usage: skerry describe KIND [NAME...] [flags]

Shows objects in detail, as kubectl describe does: their fields, what they own or run, and the
Events recorded about them. Without NAME, every object of the kind (in the namespace, or
matching -l); a NAME that matches no object exactly describes those whose names start with it.

Flags:
  -n, --namespace NS     the namespace (default: the kubeconfig's, else default)
  -A, --all-namespaces   every namespace
  -l, --selector SEL     label selector
  --kubeconfig FILE      kubeconfig (default $KUBECONFIG, ~/.kube/config, else the local server's data dir)
  --data-dir DIR         the local server's data dir, instead of a kubeconfig
`;

async function getJson(connection: Connection, path: string): Promise<Json | undefined> {
  const answer = await request(connection, 'GET', path);
  if (answer.status === 404) return undefined;
  if (answer.status !== 200) throw serverError(answer);
  return JSON.parse(answer.body) as Json;
}

/** List items come without apiVersion and kind; the describers dispatch on them. */
const typed = (resource: ApiResource, items: Json[]) => items.map((o) => ({ apiVersion: resource.groupVersion, kind: resource.kind, ...o }));

async function listed(connection: Connection, resource: ApiResource, namespace: string | undefined, selector?: string): Promise<Json[]> {
  const query = selector ? `?labelSelector=${encodeURIComponent(selector)}` : '';
  const list = await getJson(connection, `${collectionPath(resource, namespace)}${query}`);
  return typed(resource, (list?.items as Json[] | undefined) ?? []);
}

function notFound(resource: ApiResource, name: string): SkerryError {
  const group = resource.groupVersion.includes('/') ? `.${resource.groupVersion.split('/')[0]}` : '';
  return new SkerryError('API_ERROR', `Error from server (NotFound): ${resource.name}${group} "${name}" not found`, { status: 404 });
}

async function byName(connection: Connection, resource: ApiResource, namespace: string | undefined, name: string): Promise<Json> {
  const exact = await getJson(connection, `${collectionPath(resource, namespace)}/${encodeURIComponent(name)}`);
  if (!exact) throw notFound(resource, name);
  return typed(resource, [exact])[0]!;
}

/** kubectl's DescribeMatchingResources, for a single NAME that names nothing: objects whose names start with it. */
async function byPrefix(connection: Connection, resource: ApiResource, namespace: string | undefined, prefix: string): Promise<Json[]> {
  const matching = (await listed(connection, resource, namespace)).filter((o) => String((o.metadata as { name?: string }).name).startsWith(prefix));
  if (matching.length === 0) throw notFound(resource, prefix);
  return matching;
}

/** "pods web" or "pods/web": the kind and the names asked for. */
function target(positionals: string[]): { kind: string; names: string[] } {
  const [first, ...rest] = positionals;
  if (!first) throw new SkerryError('USAGE', 'describe needs a KIND, e.g. skerry describe pods');
  const slash = first.indexOf('/');
  if (slash < 0) return { kind: first, names: rest };
  if (rest.length > 0) throw new SkerryError('USAGE', `there is no need to specify a resource type as a separate argument when passing arguments in resource/name form`);
  return { kind: first.slice(0, slash), names: [first.slice(slash + 1)] };
}

async function run(args: string[]): Promise<number> {
  const { values, positionals } = parseFlags(
    args,
    {
      namespace: { type: 'string', short: 'n' },
      'all-namespaces': { type: 'boolean', short: 'A' },
      selector: { type: 'string', short: 'l' },
      kubeconfig: { type: 'string' },
      'data-dir': { type: 'string' },
    },
    true,
  );
  if (values.help) return process.stdout.write(usage), 0;
  const { kind, names } = target(positionals);
  if (names.length > 0 && values.selector) throw new SkerryError('USAGE', 'name cannot be provided when a selector is specified');
  const connection = connectionFrom(values.kubeconfig, values['data-dir']);
  const resource = resolve(await discover(connection), kind);
  const all = values['all-namespaces'] === true && names.length === 0;
  const namespace = all || !resource.namespaced ? undefined : values.namespace ?? connection.namespace;
  const client = describeClient(connection);
  const describe = (object: Json) => describeObject(client, object, new Date());
  if (names.length === 1) {
    const exact = await byName(connection, resource, namespace, names[0]!).catch((error: unknown) => {
      if (error instanceof SkerryError && error.details.status === 404) return undefined;
      throw error;
    });
    if (exact) return process.stdout.write(await describe(exact)), 0;
    const matching = await byPrefix(connection, resource, namespace, names[0]!).catch((error: unknown) => error as Error);
    if (matching instanceof Error) return process.stderr.write(`${kubectlLine(matching)}\n`), 1;
    // Prefix matches print as kubectl prints them: each description followed by a newline.
    for (const object of matching) process.stdout.write(`${await describe(object)}\n`);
    return 0;
  }
  const errors: string[] = [];
  const objects: Json[] = names.length === 0 ? await listed(connection, resource, namespace, values.selector) : [];
  for (const name of names) {
    try {
      objects.push(await byName(connection, resource, namespace, name));
    } catch (error) {
      errors.push(`${kubectlLine(error)}\n`);
    }
  }
  const texts: string[] = [];
  for (const object of objects) texts.push(await describe(object));
  // kubectl separates descriptions with two blank lines, and reports the names it missed last.
  process.stdout.write(texts.join('\n\n'));
  process.stderr.write(errors.join(''));
  if (names.length === 0 && objects.length === 0) process.stderr.write(namespace ? `No resources found in ${namespace} namespace.\n` : 'No resources found\n');
  return errors.length > 0 ? 1 : 0;
}

export const describeVerb: Verb = { name: 'describe', summary: 'show objects in detail with their events, like kubectl describe', usage, run };
