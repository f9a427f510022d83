import test from 'ava';
import protobuf from 'protobufjs';
import { parse as parseYaml } from 'yaml';
import { RESOURCE_TYPES, type ResourceType } from '../catalog/index.ts';
import { definitionName, groupPackage } from './definitions/index.ts';
import { OPENAPI_V2_PROTOBUF_TYPE, openApiV2, openApiV3, wantsOpenApiV2Protobuf } from './index.ts';
import type { Schema } from './schema.ts';

// An independent reading of gnostic's openapiv2/OpenAPIv2.proto (the fields skerry emits), in .proto text,
// so a wrong field number in the embedded descriptor shows up as a failed round trip.
const GNOSTIC_SUBSET = `
syntax = "proto3";
package openapi.v2;
message Document { string swagger = 1; Info info = 2; Paths paths = 8; Definitions definitions = 9; }
message Info { string title = 1; string version = 2; }
message Paths { repeated NamedAny vendor_extension = 1; }
message Definitions { repeated NamedSchema additional_properties = 1; }
message Properties { repeated NamedSchema additional_properties = 1; }
message NamedSchema { string name = 1; Schema value = 2; }
message Any { string yaml = 2; }
message NamedAny { string name = 1; Any value = 2; }
message TypeItem { repeated string value = 1; }
message ItemsItem { repeated Schema schema = 1; }
message AdditionalPropertiesItem { oneof oneof { Schema schema = 1; bool boolean = 2; } }
message Schema {
  string _ref = 1; string format = 2; string description = 4; repeated string required = 19;
  AdditionalPropertiesItem additional_properties = 21; TypeItem type = 22; ItemsItem items = 23;
  Properties properties = 25; repeated NamedAny vendor_extension = 31;
}`;

const Document = protobuf.parse(GNOSTIC_SUBSET, { keepCase: true }).root.lookupType('openapi.v2.Document');

type Message = { [field: string]: any };

/** A decoded openapi.v2.Schema back as JSON, the way kubectl's parser reads it. */
function schemaJson(message: Message): Schema {
  const schema: Schema = {};
  if (message.description) schema.description = message.description;
  if (message._ref) schema.$ref = message._ref;
  if (message.type?.value?.length) schema.type = message.type.value[0];
  if (message.format) schema.format = message.format;
  if (message.required?.length) schema.required = message.required;
  if (message.properties) {
    schema.properties = Object.fromEntries(message.properties.additional_properties.map((p: Message) => [p.name, schemaJson(p.value)]));
  }
  if (message.items) schema.items = schemaJson(message.items.schema[0]);
  if (message.additional_properties?.schema) schema.additionalProperties = schemaJson(message.additional_properties.schema);
  for (const extension of message.vendor_extension ?? []) schema[extension.name] = parseYaml(extension.value.yaml);
  return schema;
}

function decodedDefinitions(buffer: Buffer): Record<string, Schema> {
  const doc = Document.toObject(Document.decode(buffer), { defaults: false, arrays: true }) as Message;
  return Object.fromEntries(doc.definitions.additional_properties.map((d: Message) => [d.name, schemaJson(d.value)]));
}

test('the protobuf decodes to the same definitions as the JSON document', (t) => {
  const { json, protobuf: buffer } = openApiV2(RESOURCE_TYPES);
  const doc = Document.toObject(Document.decode(buffer)) as Message;
  t.is(doc.swagger, '2.0');
  t.deepEqual(doc.info, { title: 'Kubernetes', version: 'v1.30.0' });
  t.deepEqual(decodedDefinitions(buffer), (json as { definitions: unknown }).definitions);
});

test('every served kind and its list are found by their group-version-kind extension', (t) => {
  const definitions = decodedDefinitions(openApiV2(RESOURCE_TYPES).protobuf);
  const byGvk = new Map<string, string>();
  for (const [name, schema] of Object.entries(definitions)) {
    for (const gvk of (schema['x-kubernetes-group-version-kind'] as Array<Record<string, string>> | undefined) ?? []) {
      byGvk.set(`${gvk.group}/${gvk.version}/${gvk.kind}`, name);
    }
  }
  for (const type of RESOURCE_TYPES) {
    t.is(byGvk.get(`${type.group}/${type.version}/${type.kind}`), definitionName(type));
    t.is(byGvk.get(`${type.group}/${type.version}/${type.kind}List`), `${definitionName(type)}List`);
  }
  t.is(byGvk.get('/v1/Pod'), 'io.k8s.api.core.v1.Pod', 'the core group is an empty string, not missing');
  t.is(byGvk.get('events.k8s.io/v1/Event'), 'io.k8s.api.events.v1.Event');
});

test('every reference resolves to a definition', (t) => {
  const definitions = decodedDefinitions(openApiV2(RESOURCE_TYPES).protobuf);
  const text = JSON.stringify(definitions);
  for (const [, name] of text.matchAll(/"\$ref":"#\/definitions\/([^"]+)"/g)) t.truthy(definitions[name as string], name);
});

test('schemas carry the types kubectl checks, and IntOrString and Quantity as Kubernetes publishes them', (t) => {
  const definitions = decodedDefinitions(openApiV2(RESOURCE_TYPES).protobuf);
  const spec = definitions['io.k8s.api.apps.v1.DeploymentSpec'] as { properties: Record<string, Schema>; required: string[] };
  t.deepEqual(spec.properties.replicas, { type: 'integer', format: 'int32' });
  t.deepEqual(spec.required, ['selector', 'template']);
  t.deepEqual(spec.properties.template, { $ref: '#/definitions/io.k8s.api.core.v1.PodTemplateSpec' });
  t.like(definitions['io.k8s.apimachinery.pkg.util.intstr.IntOrString'], { type: 'string', format: 'int-or-string' });
  t.like(definitions['io.k8s.apimachinery.pkg.api.resource.Quantity'], { type: 'string' });
  t.like(definitions['io.k8s.api.core.v1.Pod']?.properties as object, { status: { type: 'object' } });
  t.deepEqual((definitions['io.k8s.api.core.v1.ConfigMap']?.properties as Record<string, Schema>).data, {
    type: 'object',
    additionalProperties: { type: 'string' },
  });
});

test('a kind without a schema is published with no type, so kubectl accepts anything in it', (t) => {
  const widget: ResourceType = { ...(RESOURCE_TYPES[0] as ResourceType), group: 'widgets.example.com', kind: 'Widget', resource: 'widgets' };
  const definitions = decodedDefinitions(openApiV2([widget]).protobuf);
  const schema = definitions['com.example.widgets.v1.Widget'] as Schema;
  t.is(schema.type, undefined);
  t.is(schema.properties, undefined);
  t.deepEqual(schema['x-kubernetes-group-version-kind'], [{ group: 'widgets.example.com', kind: 'Widget', version: 'v1' }]);
});

test('definition names follow Kubernetes package names', (t) => {
  t.is(groupPackage(''), 'io.k8s.api.core');
  t.is(groupPackage('apps'), 'io.k8s.api.apps');
  t.is(groupPackage('rbac.authorization.k8s.io'), 'io.k8s.api.rbac');
  t.is(groupPackage('networking.k8s.io'), 'io.k8s.api.networking');
  t.is(groupPackage('stable.example.com'), 'com.example.stable');
});

test('the ETag is quoted, stable, and changes with the served kinds', (t) => {
  const a = openApiV2(RESOURCE_TYPES);
  t.regex(a.etag, /^"[0-9A-F]{32}"$/);
  t.is(openApiV2(RESOURCE_TYPES).etag, a.etag);
  t.not(openApiV2(RESOURCE_TYPES.slice(1)).etag, a.etag);
});

test('the protobuf content type has no @, and kubectl\'s Accept header is recognised', (t) => {
  t.false(OPENAPI_V2_PROTOBUF_TYPE.includes('@'));
  t.true(wantsOpenApiV2Protobuf('application/com.github.proto-openapi.spec.v2@v1.0+protobuf'));
  t.true(wantsOpenApiV2Protobuf('application/com.github.proto-openapi.spec.v2.v1.0+protobuf, application/json'));
  t.false(wantsOpenApiV2Protobuf('application/json'));
  t.false(wantsOpenApiV2Protobuf(undefined));
});

test('v3 is only offered when the server validates fields itself', (t) => {
  t.is(openApiV3(RESOURCE_TYPES), undefined);
  const v3 = openApiV3(RESOURCE_TYPES, { serverFieldValidation: true });
  if (!v3) return t.fail();
  const index = v3.index as { paths: Record<string, { serverRelativeURL: string }> };
  t.deepEqual(Object.keys(index.paths).sort(), [...v3.documents.keys()].sort());
  t.regex(index.paths['apis/apps/v1']?.serverRelativeURL ?? '', /^\/openapi\/v3\/apis\/apps\/v1\?hash=[0-9A-F]+$/);
  t.truthy(index.paths['api/v1']);
});

test('each v3 document has a PATCH taking fieldValidation for each kind, and resolvable schemas', (t) => {
  const v3 = openApiV3(RESOURCE_TYPES, { serverFieldValidation: true });
  const doc = v3?.documents.get('apis/apps/v1') as {
    paths: Record<string, { patch: { parameters: Array<{ name: string }>; requestBody: { content: object }; [k: string]: unknown } }>;
    components: { schemas: Record<string, Schema> };
  };
  const deployment = doc.paths['/apis/apps/v1/namespaces/{namespace}/deployments/{name}']?.patch;
  t.deepEqual(deployment?.['x-kubernetes-group-version-kind'], { group: 'apps', kind: 'Deployment', version: 'v1' });
  t.true(deployment?.parameters.some((p) => p.name === 'fieldValidation'));
  t.false(Object.keys(deployment?.requestBody.content ?? {}).includes('application/strategic-merge-patch+json'));
  const text = JSON.stringify(doc.components.schemas);
  t.false(text.includes('#/definitions/'));
  for (const [, name] of text.matchAll(/"\$ref":"#\/components\/schemas\/([^"]+)"/g)) t.truthy(doc.components.schemas[name as string], name);
  t.truthy(doc.components.schemas['io.k8s.api.apps.v1.Deployment']);
  t.is(doc.components.schemas['io.k8s.api.core.v1.Namespace'], undefined, 'only what the group-version reaches');
});
