// ConfigMaps and Secrets from the node's view, as bytes per key: a ConfigMap's data (text)
// and binaryData (base64), a Secret's data (base64; stringData too, should a view hold it).
import type { ViewCache } from '../sync/index.ts';
import type { ObjectSource } from './spec/env.ts';
import type { KeyData } from './types.ts';

function entries(map: unknown, decode: (value: string) => Buffer): KeyData {
  const out: KeyData = {};
  if (typeof map !== 'object' || map === null) return out;
  for (const [key, value] of Object.entries(map)) if (typeof value === 'string') out[key] = decode(value);
  return out;
}

const text = (v: string) => Buffer.from(v, 'utf8');
const base64 = (v: string) => Buffer.from(v, 'base64');

export function viewObjects(cache: ViewCache): ObjectSource {
  return {
    configMap(namespace, name) {
      const object = cache.get(`configmaps/${namespace}/${name}`);
      return object && { ...entries(object.binaryData, base64), ...entries(object.data, text) };
    },
    secret(namespace, name) {
      const object = cache.get(`secrets/${namespace}/${name}`);
      return object && { ...entries(object.data, base64), ...entries(object.stringData, text) };
    },
  };
}
