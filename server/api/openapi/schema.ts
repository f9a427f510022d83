// Small builders for OpenAPI v2 (Swagger) schema objects, so the definition tables read like the Go types they mirror.

/** One OpenAPI v2 schema object, as JSON. */
export type Schema = { [key: string]: unknown };

/** Definitions by name, in the order they are served. */
export type Definitions = Record<string, Schema>;

export const string = (format?: string): Schema => (format ? { type: 'string', format } : { type: 'string' });
export const int32 = (): Schema => ({ type: 'integer', format: 'int32' });
export const int64 = (): Schema => ({ type: 'integer', format: 'int64' });
export const number = (): Schema => ({ type: 'number', format: 'double' });
export const boolean = (): Schema => ({ type: 'boolean' });
export const byteString = (): Schema => ({ type: 'string', format: 'byte' });

export const arrayOf = (items: Schema): Schema => ({ type: 'array', items });
export const mapOf = (values: Schema): Schema => ({ type: 'object', additionalProperties: values });
export const stringMap = (): Schema => mapOf(string());
export const stringList = (): Schema => arrayOf(string());

/**
 * An object kubectl does not look inside: `type: object` with neither properties nor additionalProperties,
 * as Kubernetes publishes RawExtension and FieldsV1. kubectl (1.20 through 1.33) parses it as a map of
 * anything, so unmodelled sub-objects never fail validation while a scalar in their place still does.
 */
export const looseObject = (description?: string): Schema => ({
  ...(description ? { description } : {}),
  type: 'object',
});

/** A JSON value of any type (no `type` at all): kubectl skips validation below it. */
export const anyValue = (description?: string): Schema => (description ? { description } : {});

/** A struct: the fields kubectl knows; any other field name is reported as unknown. */
export function struct(properties: Record<string, Schema>, required: string[] = [], description?: string): Schema {
  return {
    ...(description ? { description } : {}),
    type: 'object',
    ...(required.length ? { required } : {}),
    properties,
  };
}

export const DEFINITIONS_PREFIX = '#/definitions/';

/** A reference to another definition by its full name ("io.k8s.api.core.v1.PodSpec"). */
export const ref = (name: string): Schema => ({ $ref: `${DEFINITIONS_PREFIX}${name}` });

// The apimachinery types every API group shares, named as Kubernetes names them.
export const META = 'io.k8s.apimachinery.pkg.apis.meta.v1';
export const TIME = `${META}.Time`;
export const MICRO_TIME = `${META}.MicroTime`;
export const OBJECT_META = `${META}.ObjectMeta`;
export const LIST_META = `${META}.ListMeta`;
export const LABEL_SELECTOR = `${META}.LabelSelector`;
export const CONDITION = `${META}.Condition`;
export const QUANTITY = 'io.k8s.apimachinery.pkg.api.resource.Quantity';
export const INT_OR_STRING = 'io.k8s.apimachinery.pkg.util.intstr.IntOrString';
export const RAW_EXTENSION = 'io.k8s.apimachinery.pkg.runtime.RawExtension';

export const time = (): Schema => ref(TIME);
export const quantity = (): Schema => ref(QUANTITY);
export const intOrString = (): Schema => ref(INT_OR_STRING);
export const objectMeta = (): Schema => ref(OBJECT_META);
export const labelSelector = (): Schema => ref(LABEL_SELECTOR);

/** The fields every top-level object has before its own ones. */
export function typeMeta(): Record<string, Schema> {
  return { apiVersion: string(), kind: string() };
}
