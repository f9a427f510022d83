// OpenAPI v3 documents (/openapi/v3 and /openapi/v3/<api|apis/group>/<version>).
//
// What kubectl 1.27–1.33 does with them: before validating a manifest it asks whether the server checks
// fields itself. It reads the /openapi/v3 index, fetches the object's group-version document, and looks for
// a path whose PATCH operation carries the object's x-kubernetes-group-version-kind and a `fieldValidation`
// parameter. Found: kubectl does no client-side check and sends `fieldValidation=Strict`. Operation found
// without the parameter: client-side check against /openapi/v2. /openapi/v3 missing (404) or unusable:
// it asks the same question of /openapi/v2's paths, and with none there checks on the client too.
// So v3 only matters when the server really rejects unknown fields itself; otherwise answer 404.
//
// PATCH operations here list no strategic-merge-patch body, so `kubectl apply` keeps computing strategic
// merge patches from its compiled-in types (as with v2 alone) instead of from these loosely typed schemas.
import { createHash } from 'node:crypto';
import type { ResourceType } from '../catalog/types.ts';
import { definitionName } from './definitions/index.ts';
import { buildSwagger, GVK_EXTENSION, OPENAPI_INFO, withReferenced } from './v2.ts';
import { DEFINITIONS_PREFIX, type Definitions, type Schema } from './schema.ts';

export interface OpenApiV3Options {
  /** The server honours `fieldValidation` (Strict rejects unknown and duplicate fields). Without it no v3 is served. */
  serverFieldValidation?: boolean;
}

export interface OpenApiV3 {
  /** The /openapi/v3 body: `{ paths: { "api/v1": { serverRelativeURL: "/openapi/v3/api/v1?hash=…" } } }`. */
  index: object;
  /** Documents by the path after /openapi/v3/: "api/v1", "apis/apps/v1". */
  documents: Map<string, object>;
}

const COMPONENTS_PREFIX = '#/components/schemas/';

/** "api/v1" or "apis/apps/v1": where a group-version lives under /openapi/v3 and under the API root. */
export const groupVersionPath = (type: Pick<ResourceType, 'group' | 'version'>): string =>
  type.group ? `apis/${type.group}/${type.version}` : `api/${type.version}`;

/** A v2 schema as v3 wants it: references point into components. */
function toV3(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(toV3);
  if (!value || typeof value !== 'object') return value;
  return Object.fromEntries(
    Object.entries(value).map(([key, inner]) =>
      key === '$ref' && typeof inner === 'string' && inner.startsWith(DEFINITIONS_PREFIX)
        ? [key, COMPONENTS_PREFIX + inner.slice(DEFINITIONS_PREFIX.length)]
        : [key, toV3(inner)],
    ),
  );
}

const queryParameter = (name: string, type: string, description: string) => ({ name, in: 'query', description, schema: { type } });

const PATCH_PARAMETERS = [
  queryParameter('dryRun', 'string', 'When present ("All"), the patch is not persisted.'),
  queryParameter('fieldManager', 'string', 'The name of the actor making the change.'),
  queryParameter('fieldValidation', 'string', 'Ignore, Warn or Strict: what to do with unknown or duplicate fields.'),
  queryParameter('force', 'boolean', 'Force apply requests to take conflicting fields.'),
];

// No application/strategic-merge-patch+json: see the note at the top.
const PATCH_BODY_TYPES = ['application/json-patch+json', 'application/merge-patch+json', 'application/apply-patch+yaml'];

/** The PATCH operation on one object, which is what kubectl inspects. */
function patchPath(type: ResourceType, schemaName: string): [string, object] {
  const scope = type.namespaced ? '/namespaces/{namespace}' : '';
  const path = `/${groupVersionPath(type)}${scope}/${type.resource}/{name}`;
  const pathParameters = [
    { name: 'name', in: 'path', required: true, schema: { type: 'string' } },
    ...(type.namespaced ? [{ name: 'namespace', in: 'path', required: true, schema: { type: 'string' } }] : []),
  ];
  const object = { schema: { $ref: COMPONENTS_PREFIX + schemaName } };
  const patch = {
    description: `partially update the specified ${type.kind}`,
    operationId: `patch${type.namespaced ? 'Namespaced' : ''}${type.kind}`,
    parameters: PATCH_PARAMETERS,
    requestBody: { required: true, content: Object.fromEntries(PATCH_BODY_TYPES.map((t) => [t, { schema: { type: 'object' } }])) },
    responses: { '200': { description: 'OK', content: { 'application/json': object } } },
    'x-kubernetes-action': 'patch',
    [GVK_EXTENSION]: { group: type.group, kind: type.kind, version: type.version },
  };
  return [path, { parameters: pathParameters, patch }];
}

function groupVersionDocument(types: readonly ResourceType[], definitions: Definitions): object {
  const paths: Record<string, object> = {};
  const roots: Definitions = {};
  for (const type of types) {
    const name = definitionName(type);
    for (const root of [name, `${name}List`]) roots[root] = definitions[root] as Schema;
    const [path, item] = patchPath(type, name);
    paths[path] = item;
  }
  const schemas = toV3(withReferenced(roots, definitions)) as Record<string, unknown>;
  return { openapi: '3.0.0', info: { ...OPENAPI_INFO }, paths, components: { schemas } };
}

export function buildOpenApiV3(types: readonly ResourceType[], options: OpenApiV3Options): OpenApiV3 | undefined {
  if (!options.serverFieldValidation) return undefined;
  const definitions = buildSwagger(types).definitions;
  const byGroupVersion = new Map<string, ResourceType[]>();
  for (const type of types) {
    const key = groupVersionPath(type);
    byGroupVersion.set(key, [...(byGroupVersion.get(key) ?? []), type]);
  }
  const documents = new Map<string, object>();
  const paths: Record<string, { serverRelativeURL: string }> = {};
  for (const [key, members] of byGroupVersion) {
    const document = groupVersionDocument(members, definitions);
    documents.set(key, document);
    const hash = createHash('sha256').update(JSON.stringify(document)).digest('hex').toUpperCase();
    paths[key] = { serverRelativeURL: `/openapi/v3/${key}?hash=${hash}` };
  }
  return { index: { paths }, documents };
}
