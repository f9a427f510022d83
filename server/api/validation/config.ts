import { forbidden, IMMUTABLE, invalid, key, requireField, tooLong, type Causes } from './errors.ts';
import { eachObject, fields, jsonStrictEqual, type Obj } from './json.ts';
import { validateObjectMeta } from './metadata.ts';
import { configMapKeyErrors } from './names.ts';

/** ConfigMaps, Secrets and ServiceAccounts. */

const MAX_SIZE = 1024 * 1024;
const REDACTED = '<secret contents redacted>';

/**
 * Go's base64.StdEncoding rules: padded, standard alphabet, CR/LF ignored. Returns the decoded
 * length, or the offset of the first offending byte as Go reports it.
 */
export function base64Length(text: string): { bytes: number } | { badAt: number } {
  const plain = /[\r\n]/.test(text) ? text.replace(/[\r\n]/g, '') : text;
  // The common, valid case without a per-character walk over up to a megabyte.
  if (plain.length % 4 === 0 && /^[A-Za-z0-9+/]*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/.test(plain)) {
    const padding = plain.endsWith('==') ? 2 : plain.endsWith('=') ? 1 : 0;
    return { bytes: (plain.length / 4) * 3 - padding };
  }
  const offsets: number[] = [];
  let chars = '';
  for (let i = 0; i < text.length; i++) {
    if (text[i] === '\r' || text[i] === '\n') continue;
    offsets.push(i);
    chars += text[i];
  }
  let padding = 0;
  for (let i = 0; i < chars.length; i++) {
    const c = chars[i] ?? '';
    if (c === '=') {
      // Padding fills the end of the last 4-character group: "xx==" or "xxx=".
      const rest = chars.slice(i);
      const fits = /^=+$/.test(rest) && (chars.length - i) === 4 - (i % 4) && i % 4 >= 2;
      if (!fits) return { badAt: offsets[i] ?? i };
      padding = rest.length;
      break;
    }
    if (!/[A-Za-z0-9+/]/.test(c)) return { badAt: offsets[i] ?? i };
  }
  if (chars.length % 4 !== 0) return { badAt: text.length };
  return { bytes: (chars.length / 4) * 3 - padding };
}

/** Keys and decoded sizes of a base64 `data` map; undecodable values are reported. */
function readBinaryMap(errs: Causes, value: unknown, at: string, redact: boolean): Map<string, number> {
  const out = new Map<string, number>();
  const map = fields(errs, { [at]: value }, '').stringMap(at) ?? {};
  for (const [k, v] of Object.entries(map)) {
    const decoded = base64Length(v);
    if ('badAt' in decoded) errs.push(invalid(key(at, k), redact ? REDACTED : v, `illegal base64 data at input byte ${decoded.badAt}`));
    else out.set(k, decoded.bytes);
    for (const msg of configMapKeyErrors(k)) errs.push(invalid(key(at, k), k, msg));
  }
  return out;
}

export function validateConfigMap(errs: Causes, o: Obj): void {
  validateObjectMeta(errs, o.metadata, { namespaced: true, name: 'subdomain' });
  const top = fields(errs, o, '');
  const data = top.stringMap('data') ?? {};
  const binary = readBinaryMap(errs, o.binaryData, 'binaryData', false);
  let size = 0;
  for (const [k, v] of Object.entries(data)) {
    for (const msg of configMapKeyErrors(k)) errs.push(invalid(key('data', k), k, msg));
    if (binary.has(k)) errs.push(invalid(key('data', k), k, 'duplicate of key present in binaryData'));
    size += Buffer.byteLength(v);
  }
  for (const bytes of binary.values()) size += bytes;
  // Kubernetes reports the size against the whole object.
  if (size > MAX_SIZE) errs.push(tooLong('', MAX_SIZE));
  top.bool('immutable');
}

/** Once `immutable: true`, neither the flag nor the payload may change. */
function validateImmutablePayload(errs: Causes, o: Obj, old: Obj, payload: string[]): void {
  if (old.immutable !== true) return;
  if (o.immutable !== true) errs.push(forbidden('immutable', 'field is immutable when `immutable` is set'));
  for (const name of payload) if (!jsonStrictEqual(o[name] ?? {}, old[name] ?? {})) errs.push(forbidden(name, 'field is immutable when `immutable` is set'));
}

export function validateConfigMapUpdate(errs: Causes, o: Obj, old: Obj): void {
  validateImmutablePayload(errs, o, old, ['data', 'binaryData']);
}

function requireKeys(errs: Causes, data: Map<string, number>, keys: string[]): void {
  for (const k of keys) if (!data.has(k)) requireField(errs, key('data', k));
}

function validateDockerConfig(errs: Causes, o: Obj, data: Map<string, number>, dataKey: string): void {
  if (!data.has(dataKey)) return requireField(errs, key('data', dataKey));
  const raw = (o.data as Record<string, string>)[dataKey] ?? '';
  try {
    const parsed: unknown = JSON.parse(Buffer.from(raw, 'base64').toString('utf8'));
    if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) throw new Error('json: cannot unmarshal into Go value of type map[string]interface {}');
  } catch (error) {
    errs.push(invalid(key('data', dataKey), REDACTED, (error as Error).message));
  }
}

function validateSecretType(errs: Causes, o: Obj, type: string, data: Map<string, number>): void {
  switch (type) {
    case 'kubernetes.io/service-account-token': {
      const annotations = fields([], o.metadata as Obj, 'metadata').stringMap('annotations') ?? {};
      if (!annotations['kubernetes.io/service-account.name']) requireField(errs, key('metadata.annotations', 'kubernetes.io/service-account.name'));
      return;
    }
    case 'kubernetes.io/dockercfg':
      return validateDockerConfig(errs, o, data, '.dockercfg');
    case 'kubernetes.io/dockerconfigjson':
      return validateDockerConfig(errs, o, data, '.dockerconfigjson');
    case 'kubernetes.io/basic-auth':
      if (!data.has('username') && !data.has('password')) requireKeys(errs, data, ['username', 'password']);
      return;
    case 'kubernetes.io/ssh-auth':
      if (!data.get('ssh-privatekey')) requireField(errs, key('data', 'ssh-privatekey'));
      return;
    case 'kubernetes.io/tls':
      return requireKeys(errs, data, ['tls.crt', 'tls.key']);
    default:
      return;
  }
}

export function validateSecret(errs: Causes, o: Obj): void {
  validateObjectMeta(errs, o.metadata, { namespaced: true, name: 'subdomain' });
  const top = fields(errs, o, '');
  const data = readBinaryMap(errs, o.data, 'data', true);
  let size = 0;
  for (const bytes of data.values()) size += bytes;
  if (size > MAX_SIZE) errs.push(tooLong('data', MAX_SIZE));
  validateSecretType(errs, o, top.str('type') ?? '', data);
  top.bool('immutable');
}

export function validateSecretUpdate(errs: Causes, o: Obj, old: Obj): void {
  if ((o.type ?? '') !== (old.type ?? '')) errs.push(invalid('type', typeof o.type === 'string' ? o.type : null, IMMUTABLE));
  validateImmutablePayload(errs, o, old, ['data']);
}

export function validateServiceAccount(errs: Causes, o: Obj): void {
  validateObjectMeta(errs, o.metadata, { namespaced: true, name: 'subdomain' });
  const top = fields(errs, o, '');
  top.bool('automountServiceAccountToken');
  eachObject(errs, top.array('secrets'), 'secrets', (s) => s.str('name'));
  eachObject(errs, top.array('imagePullSecrets'), 'imagePullSecrets', (s) => s.str('name'));
}
