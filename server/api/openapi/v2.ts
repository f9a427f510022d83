// The OpenAPI v2 (Swagger 2.0) document for the served kinds, as /openapi/v2 serves it.
import type { ResourceType } from '../catalog/types.ts';
import { definitionName, KNOWN_DEFINITIONS } from './definitions/index.ts';
import type { SwaggerDocument } from './gnostic.ts';
import { arrayOf, DEFINITIONS_PREFIX, type Definitions, LIST_META, ref, type Schema, string } from './schema.ts';

/** The Kubernetes release whose API the schemas follow (the `info.version` kube-apiserver reports). */
export const OPENAPI_INFO = { title: 'Kubernetes', version: 'v1.30.0' };

export const GVK_EXTENSION = 'x-kubernetes-group-version-kind';

type Gvk = { group: string; kind: string; version: string };

const withGvk = (schema: Schema, gvk: Gvk): Schema => ({ ...schema, [GVK_EXTENSION]: [gvk] });

/** A kind skerry serves but has no schema for: no type and no properties, so kubectl accepts any content. */
const opaqueKind = (kind: string): Schema => ({ description: `${kind}; skerry publishes no schema for it, so clients do not validate it.` });

const listOf = (itemName: string, kind: string): Schema => ({
  description: `A list of ${kind} objects.`,
  type: 'object',
  required: ['items'],
  properties: { apiVersion: string(), items: arrayOf(ref(itemName)), kind: string(), metadata: ref(LIST_META) },
});

/** Each served kind and its list kind, with the extension kubectl looks objects up by. */
function kindDefinitions(types: readonly ResourceType[]): Definitions {
  const definitions: Definitions = {};
  for (const type of types) {
    const name = definitionName(type);
    const gvk = { group: type.group, kind: type.kind, version: type.version };
    definitions[name] = withGvk(KNOWN_DEFINITIONS[name] ?? opaqueKind(type.kind), gvk);
    definitions[`${name}List`] = withGvk(listOf(name, type.kind), { ...gvk, kind: `${type.kind}List` });
  }
  return definitions;
}

/** Every `$ref` target inside a schema. */
function references(value: unknown, found: string[] = []): string[] {
  if (Array.isArray(value)) for (const item of value) references(item, found);
  else if (value && typeof value === 'object') {
    for (const [key, inner] of Object.entries(value)) {
      if (key === '$ref' && typeof inner === 'string' && inner.startsWith(DEFINITIONS_PREFIX)) found.push(inner.slice(DEFINITIONS_PREFIX.length));
      else references(inner, found);
    }
  }
  return found;
}

/** The given definitions plus every known definition they reach through references. */
export function withReferenced(roots: Definitions, known: Definitions = KNOWN_DEFINITIONS): Definitions {
  const result: Definitions = { ...roots };
  const pending = Object.values(roots).flatMap((schema) => references(schema));
  for (let name = pending.pop(); name !== undefined; name = pending.pop()) {
    if (result[name]) continue;
    const schema = known[name];
    if (!schema) throw new Error(`openapi: ${name} is referenced but not defined`);
    result[name] = schema;
    pending.push(...references(schema));
  }
  return result;
}

const sortedByName = (definitions: Definitions): Definitions =>
  Object.fromEntries(Object.entries(definitions).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));

export function buildSwagger(types: readonly ResourceType[]): SwaggerDocument {
  return {
    swagger: '2.0',
    info: { ...OPENAPI_INFO },
    // kubectl finds schemas through the definitions' GVK extension; it reads paths only to learn whether PATCH
    // accepts fieldValidation and which patch types it consumes. With none, it validates on the client and
    // computes strategic merge patches from its compiled-in types, as for any server that leaves them out.
    paths: {},
    definitions: sortedByName(withReferenced(kindDefinitions(types))),
  };
}
