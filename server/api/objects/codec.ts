import type { ResourceType } from '../catalog/types.ts';
import type { KubeObject } from './types.ts';

/**
 * Where an object lives in the store: `/registry/<group or core>/<resource>/<namespace>/<name>`,
 * or without the namespace for cluster-scoped kinds. Names and namespaces are DNS names, so
 * keys stay printable ASCII as the store requires, and a namespace's objects are one prefix.
 */
export function objectKey(type: ResourceType, namespace: string | undefined, name: string): string {
  return `${typePrefix(type)}${type.namespaced ? `${namespace}/` : ''}${name}`;
}

/** The prefix of every object of a type, or of a type in one namespace. */
export function listPrefix(type: ResourceType, namespace?: string): string {
  return type.namespaced && namespace ? `${typePrefix(type)}${namespace}/` : typePrefix(type);
}

function typePrefix(type: ResourceType): string {
  return `/registry/${type.group || 'core'}/${type.resource}/`;
}

/** Stored without resourceVersion: a revision is only known once the write commits. */
export function encodeObject(object: KubeObject): Buffer {
  const { resourceVersion: _ignored, ...metadata } = object.metadata;
  return Buffer.from(JSON.stringify({ ...object, metadata }));
}

export function decodeObject(value: Buffer, revision: number): KubeObject {
  const object = JSON.parse(value.toString('utf8')) as KubeObject;
  object.metadata.resourceVersion = String(revision);
  return object;
}
