// The OpenAPI v2 document as protobuf, the form kubectl downloads (`Accept: application/com.github.proto-openapi.spec.v2@v1.0+protobuf`).
//
// The message and field numbers are those of gnostic's openapiv2/OpenAPIv2.proto (package openapi.v2,
// github.com/google/gnostic, Apache-2.0), written down here as a protobufjs JSON descriptor for the
// subset skerry emits: the document, info, paths (always empty) and definitions with their schemas.
// It is embedded rather than loaded from a .proto file because the server ships as one bundled file.
import protobuf from 'protobufjs';
import type { Schema } from './schema.ts';

const field = (type: string, id: number, repeated = false) => (repeated ? { type, id, rule: 'repeated' } : { type, id });
const vendorExtension = (id: number) => ({ vendor_extension: field('NamedAny', id, true) });

const OPENAPI_V2 = {
  nested: {
    openapi: {
      nested: {
        v2: {
          nested: {
            Document: {
              fields: {
                swagger: field('string', 1),
                info: field('Info', 2),
                host: field('string', 3),
                base_path: field('string', 4),
                schemes: field('string', 5, true),
                consumes: field('string', 6, true),
                produces: field('string', 7, true),
                paths: field('Paths', 8),
                definitions: field('Definitions', 9),
                ...vendorExtension(16),
              },
            },
            Info: {
              fields: {
                title: field('string', 1),
                version: field('string', 2),
                description: field('string', 3),
                terms_of_service: field('string', 4),
                ...vendorExtension(7),
              },
            },
            // Path items (field 2) are never emitted: kubectl validation needs none (see index.ts).
            Paths: { fields: { ...vendorExtension(1) } },
            Definitions: { fields: { additional_properties: field('NamedSchema', 1, true) } },
            Properties: { fields: { additional_properties: field('NamedSchema', 1, true) } },
            NamedSchema: { fields: { name: field('string', 1), value: field('Schema', 2) } },
            // google.protobuf.Any value = 1 is not used: kube-openapi and kubectl carry extension values as YAML text.
            Any: { fields: { yaml: field('string', 2) } },
            NamedAny: { fields: { name: field('string', 1), value: field('Any', 2) } },
            TypeItem: { fields: { value: field('string', 1, true) } },
            ItemsItem: { fields: { schema: field('Schema', 1, true) } },
            AdditionalPropertiesItem: {
              oneofs: { oneof: { oneof: ['schema', 'boolean'] } },
              fields: { schema: field('Schema', 1), boolean: field('bool', 2) },
            },
            Schema: {
              fields: {
                _ref: field('string', 1),
                format: field('string', 2),
                title: field('string', 3),
                description: field('string', 4),
                default: field('Any', 5),
                multiple_of: field('double', 6),
                maximum: field('double', 7),
                exclusive_maximum: field('bool', 8),
                minimum: field('double', 9),
                exclusive_minimum: field('bool', 10),
                max_length: field('int64', 11),
                min_length: field('int64', 12),
                pattern: field('string', 13),
                max_items: field('int64', 14),
                min_items: field('int64', 15),
                unique_items: field('bool', 16),
                max_properties: field('int64', 17),
                min_properties: field('int64', 18),
                required: field('string', 19, true),
                enum: field('Any', 20, true),
                additional_properties: field('AdditionalPropertiesItem', 21),
                type: field('TypeItem', 22),
                items: field('ItemsItem', 23),
                all_of: field('Schema', 24, true),
                properties: field('Properties', 25),
                discriminator: field('string', 26),
                read_only: field('bool', 27),
                example: field('Any', 30),
                ...vendorExtension(31),
              },
            },
          },
        },
      },
    },
  },
};

const root = protobuf.Root.fromJSON(OPENAPI_V2);
export const DocumentMessage = root.lookupType('openapi.v2.Document');

type Message = { [field: string]: unknown };

/** Extension and `default`/`enum` values travel as YAML text; JSON is YAML, and kubectl parses it with a YAML parser. */
const any = (value: unknown): Message => ({ yaml: `${JSON.stringify(value)}\n` });

function vendorExtensions(object: Record<string, unknown>): Message[] {
  return Object.entries(object)
    .filter(([key]) => key.startsWith('x-'))
    .map(([name, value]) => ({ name, value: any(value) }));
}

const NUMBER_FIELDS: Record<string, string> = {
  multipleOf: 'multiple_of',
  maximum: 'maximum',
  minimum: 'minimum',
  maxLength: 'max_length',
  minLength: 'min_length',
  maxItems: 'max_items',
  minItems: 'min_items',
  maxProperties: 'max_properties',
  minProperties: 'min_properties',
};
const FLAG_FIELDS: Record<string, string> = {
  exclusiveMaximum: 'exclusive_maximum',
  exclusiveMinimum: 'exclusive_minimum',
  uniqueItems: 'unique_items',
  readOnly: 'read_only',
};
const TEXT_FIELDS: Record<string, string> = {
  $ref: '_ref',
  format: 'format',
  title: 'title',
  description: 'description',
  pattern: 'pattern',
  discriminator: 'discriminator',
};

function namedSchemas(schemas: Record<string, Schema>): Message[] {
  return Object.entries(schemas).map(([name, value]) => ({ name, value: schemaMessage(value) }));
}

/** One JSON schema object as an openapi.v2.Schema message. */
export function schemaMessage(schema: Schema): Message {
  const message: Message = {};
  for (const [json, proto] of Object.entries(TEXT_FIELDS)) if (typeof schema[json] === 'string') message[proto] = schema[json];
  for (const [json, proto] of Object.entries(NUMBER_FIELDS)) if (typeof schema[json] === 'number') message[proto] = schema[json];
  for (const [json, proto] of Object.entries(FLAG_FIELDS)) if (typeof schema[json] === 'boolean') message[proto] = schema[json];
  if (schema.type !== undefined) message.type = { value: Array.isArray(schema.type) ? schema.type : [schema.type] };
  if (Array.isArray(schema.required)) message.required = schema.required;
  if (Array.isArray(schema.enum)) message.enum = schema.enum.map(any);
  if (schema.default !== undefined) message.default = any(schema.default);
  if (schema.example !== undefined) message.example = any(schema.example);
  if (schema.items !== undefined) {
    const items = Array.isArray(schema.items) ? schema.items : [schema.items];
    message.items = { schema: items.map((item) => schemaMessage(item as Schema)) };
  }
  if (Array.isArray(schema.allOf)) message.all_of = schema.allOf.map((part) => schemaMessage(part as Schema));
  if (schema.properties !== undefined) {
    message.properties = { additional_properties: namedSchemas(schema.properties as Record<string, Schema>) };
  }
  const additional = schema.additionalProperties;
  if (typeof additional === 'boolean') message.additional_properties = { boolean: additional };
  else if (additional !== undefined) message.additional_properties = { schema: schemaMessage(additional as Schema) };
  const extensions = vendorExtensions(schema);
  if (extensions.length) message.vendor_extension = extensions;
  return message;
}

export interface SwaggerDocument {
  swagger: string;
  info: { title: string; version: string };
  paths: Record<string, never>;
  definitions: Record<string, Schema>;
}

/** The document encoded as an openapi.v2.Document protobuf message. */
export function encodeDocument(doc: SwaggerDocument): Buffer {
  const message = DocumentMessage.fromObject({
    swagger: doc.swagger,
    info: { title: doc.info.title, version: doc.info.version },
    paths: {},
    definitions: { additional_properties: namedSchemas(doc.definitions) },
  });
  const bytes = DocumentMessage.encode(message).finish();
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}
