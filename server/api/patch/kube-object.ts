import type { KubeObject } from '../objects/types.ts';
import { unprocessable } from './error.ts';
import { describe, isObject, own, setOwn } from './json-value.ts';

/**
 * The patched document as a KubeObject. kube-apiserver decodes the patch result into the
 * kind's Go type, which fails for a non-object and fills in what decoding infers: the
 * apiVersion and kind when a patch removed them, and an empty metadata.
 */
export function toKubeObject(result: unknown, original: KubeObject): KubeObject {
  if (!isObject(result)) throw unprocessable(`the patched object must be a JSON object, got ${describe(result)}`);
  for (const field of ['apiVersion', 'kind'] as const) {
    const value = own(result, field);
    if (value === undefined) setOwn(result, field, original[field]);
    else if (typeof value !== 'string') throw unprocessable(`${field} of the patched object must be a string, got ${describe(value)}`);
  }
  const metadata = own(result, 'metadata');
  if (metadata === undefined) setOwn(result, 'metadata', {});
  else if (!isObject(metadata)) throw unprocessable(`metadata of the patched object must be an object, got ${describe(metadata)}`);
  return result as KubeObject;
}
