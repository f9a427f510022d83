import { SkerryError } from '../../../common/index.ts';
import { applyPatch } from '../../api/index.ts';
import { threeWayPatch } from '../client/apply-patch.ts';
import { connectionFrom, kubectlLine, request, serverError, type Connection } from '../client/connection.ts';
import { readManifests, type Manifest } from '../client/manifests.ts';
import { collectionPath, discover, kindName, type ApiResource } from '../client/resources.ts';
import { parseFlags, type Verb } from '../verb.ts';

const usage = `Usage: skerry apply -f FILE|DIR|- [flags]

Creates or updates objects from manifests, as kubectl apply does: the last applied manifest is
kept in the kubectl.kubernetes.io/last-applied-configuration annotation, and fields removed
from the manifest are removed from the object.

Flags:
  -f, --filename PATH    a file, a directory of .yaml/.yml/.json files, or - for stdin (repeatable)
  -n, --namespace NS     namespace for objects that name none
  --kubeconfig FILE      kubeconfig (default $KUBECONFIG, ~/.kube/config, else the local server's data dir)
  --data-dir DIR         the local server's data dir, instead of a kubeconfig
`;

const LAST_APPLIED = 'kubectl.kubernetes.io/last-applied-configuration';
type Json = Record<string, unknown>;

function resourceFor(resources: ApiResource[], manifest: Manifest): ApiResource {
  const { apiVersion, kind } = manifest.object;
  if (!apiVersion || !kind) throw new SkerryError('USAGE', `error validating "${manifest.source}": apiVersion and kind must be set`);
  const found = resources.find((r) => r.groupVersion === apiVersion && r.kind === kind);
  if (!found) throw new SkerryError('USAGE', `resource mapping not found for kind "${kind}" in version "${apiVersion}" (${manifest.source})`);
  return found;
}

function sortedJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(sortedJson).join(',')}]`;
  if (value && typeof value === 'object') {
    const keys = Object.keys(value).sort();
    return `{${keys.map((k) => `${JSON.stringify(k)}:${sortedJson((value as Record<string, unknown>)[k])}`).join(',')}}`;
  }
  return JSON.stringify(value);
}

function withLastApplied(object: Json, applied: string): Json {
  const metadata = (object.metadata ?? {}) as { annotations?: Record<string, string> };
  return { ...object, metadata: { ...metadata, annotations: { ...(metadata.annotations ?? {}), [LAST_APPLIED]: applied } } };
}

async function applyOne(connection: Connection, resource: ApiResource, manifest: Manifest, defaultNamespace: string): Promise<string> {
  const object = structuredClone(manifest.object) as Json & { metadata: { name?: string; namespace?: string; annotations?: Record<string, string> } };
  object.metadata ??= {};
  const name = object.metadata.name;
  if (!name) throw new SkerryError('USAGE', `error validating "${manifest.source}": metadata.name is required`);
  const namespace = resource.namespaced ? object.metadata.namespace ?? defaultNamespace : undefined;
  if (namespace) object.metadata.namespace = namespace;
  object.metadata.annotations = { ...(object.metadata.annotations ?? {}) };
  delete object.metadata.annotations[LAST_APPLIED];
  // Written exactly as kubectl writes it (sorted keys, empty annotations kept, a final newline),
  // so kubectl and skerry apply agree on what was last applied.
  const applied = `${sortedJson(object)}\n`;
  const url = `${collectionPath(resource, namespace)}/${encodeURIComponent(name)}`;
  const live = await request(connection, 'GET', url);
  if (live.status === 404) {
    const created = await request(connection, 'POST', `${collectionPath(resource, namespace)}?fieldManager=kubectl-client-side-apply`, { body: JSON.stringify(withLastApplied(object, applied)) });
    if (created.status !== 201) throw serverError(created);
    return `${kindName(resource)}/${name} created`;
  }
  if (live.status !== 200) throw serverError(live);
  const current = JSON.parse(live.body) as Json & { metadata: { annotations?: Record<string, string> } };
  const lastText = current.metadata.annotations?.[LAST_APPLIED];
  const last = lastText ? (JSON.parse(lastText) as Json) : undefined;
  const patch = threeWayPatch(resource.kind, last as never, withLastApplied(object, applied) as never);
  const expected = applyPatch('strategic', current as never, patch, resource.kind);
  if (JSON.stringify(expected) === JSON.stringify(current)) return `${kindName(resource)}/${name} unchanged`;
  const answer = await request(connection, 'PATCH', `${url}?fieldManager=kubectl-client-side-apply`, { body: JSON.stringify(patch), contentType: 'application/strategic-merge-patch+json' });
  if (answer.status !== 200) throw serverError(answer);
  return `${kindName(resource)}/${name} configured`;
}

async function run(args: string[]): Promise<number> {
  const { values } = parseFlags(args, {
    filename: { type: 'string', short: 'f', multiple: true },
    namespace: { type: 'string', short: 'n' },
    kubeconfig: { type: 'string' },
    'data-dir': { type: 'string' },
  });
  if (values.help) return process.stdout.write(usage), 0;
  if (!values.filename?.length) throw new SkerryError('USAGE', 'must specify one of -f');
  const manifests = values.filename.flatMap(readManifests);
  const connection = connectionFrom(values.kubeconfig, values['data-dir']);
  const resources = await discover(connection);
  let failed = 0;
  for (const manifest of manifests) {
    try {
      process.stdout.write(`${await applyOne(connection, resourceFor(resources, manifest), manifest, values.namespace ?? connection.namespace)}\n`);
    } catch (error) {
      failed++;
      // kubectl goes on with the other objects and prints each failure on its own line.
      process.stderr.write(`${kubectlLine(error)}\n`);
    }
  }
  return failed > 0 ? 1 : 0;
}

export const applyVerb: Verb = { name: 'apply', summary: 'create or update objects from manifests, like kubectl apply', usage, run };
