// Parsing of image manifests, indexes and configs (OCI image-spec 1.1 and Docker schema2).
// Every refusal names the field and the reason; unknown fields are kept, never dropped.
import { SkerryError } from '../errors.ts';
import { CONFIG_TYPES, IMAGE_MANIFEST_TYPES, INDEX_TYPES, LAYER_COMPRESSION, MEDIA } from './media-types.ts';

export interface Platform {
  architecture: string;
  os: string;
  variant?: string;
}

export interface Descriptor {
  mediaType: string;
  digest: string;
  size: number;
  platform?: Platform;
  annotations?: Record<string, string>;
  urls?: string[];
}

export interface ImageManifest {
  schemaVersion: 2;
  mediaType: string;
  config: Descriptor;
  layers: Descriptor[];
  annotations?: Record<string, string>;
}

export interface ImageIndex {
  schemaVersion: 2;
  mediaType: string;
  manifests: Descriptor[];
  annotations?: Record<string, string>;
}

/** The parts of an image config (image-spec config.md) skerry uses. */
export interface ImageConfig {
  architecture: string;
  os: string;
  variant?: string;
  config?: {
    User?: string;
    Env?: string[];
    Entrypoint?: string[] | null;
    Cmd?: string[] | null;
    WorkingDir?: string;
    ExposedPorts?: Record<string, object>;
    Labels?: Record<string, string>;
    StopSignal?: string;
  };
  rootfs: { type: 'layers'; diff_ids: string[] };
  created?: string;
  history?: unknown[];
}

const DIGEST = /^(sha256:[0-9a-f]{64}|sha512:[0-9a-f]{128})$/;

function invalid(what: string, field: string, reason: string): SkerryError {
  return new SkerryError('IMAGE_INVALID', `${what}: ${field} ${reason}`, { field });
}

function parseJson(bytes: Buffer | string, what: string): Record<string, unknown> {
  let value: unknown;
  try {
    value = JSON.parse(bytes.toString());
  } catch (error) {
    throw new SkerryError('IMAGE_INVALID', `${what} is not JSON: ${(error as Error).message}`);
  }
  if (!value || typeof value !== 'object' || Array.isArray(value)) throw new SkerryError('IMAGE_INVALID', `${what} must be a JSON object`);
  return value as Record<string, unknown>;
}

export function checkDescriptor(value: unknown, what: string, field: string): Descriptor {
  if (!value || typeof value !== 'object') throw invalid(what, field, 'must be a descriptor object');
  const d = value as Record<string, unknown>;
  if (typeof d.mediaType !== 'string' || !d.mediaType) throw invalid(what, `${field}.mediaType`, 'must be a non-empty string');
  if (typeof d.digest !== 'string' || !DIGEST.test(d.digest)) throw invalid(what, `${field}.digest`, `must be sha256:<64 hex> (got ${JSON.stringify(d.digest)})`);
  if (typeof d.size !== 'number' || !Number.isSafeInteger(d.size) || d.size < 0) throw invalid(what, `${field}.size`, 'must be a non-negative integer');
  if (d.platform !== undefined) {
    const p = d.platform as Record<string, unknown>;
    if (!p || typeof p.architecture !== 'string' || typeof p.os !== 'string') throw invalid(what, `${field}.platform`, 'must have architecture and os strings');
  }
  return d as unknown as Descriptor;
}

/** The media type a manifest says it has, or the one the registry or layout gave for it. */
export function manifestKind(bytes: Buffer | string, declared?: string): 'manifest' | 'index' {
  const json = parseJson(bytes, 'manifest');
  if (json.schemaVersion === 1) throw new SkerryError('MEDIA_TYPE_UNSUPPORTED', 'manifest is Docker schema 1, which skerry does not run; push the image again with a current client');
  const type = (typeof json.mediaType === 'string' && json.mediaType) || declared || (Array.isArray(json.manifests) ? MEDIA.ociIndex : MEDIA.ociManifest);
  if (INDEX_TYPES.includes(type)) return 'index';
  if (IMAGE_MANIFEST_TYPES.includes(type)) return 'manifest';
  throw new SkerryError('MEDIA_TYPE_UNSUPPORTED', `manifest media type ${JSON.stringify(type)} is not an OCI or Docker schema2 manifest or index`, { mediaType: type });
}

export function parseImageManifest(bytes: Buffer | string, declared?: string): ImageManifest {
  const what = 'image manifest';
  const json = parseJson(bytes, what);
  if (json.schemaVersion !== 2) throw invalid(what, 'schemaVersion', `must be 2 (got ${JSON.stringify(json.schemaVersion)})`);
  const mediaType = (json.mediaType as string | undefined) ?? declared ?? MEDIA.ociManifest;
  if (!IMAGE_MANIFEST_TYPES.includes(mediaType)) throw new SkerryError('MEDIA_TYPE_UNSUPPORTED', `${what} media type ${JSON.stringify(mediaType)} is not supported`, { mediaType });
  const config = checkDescriptor(json.config, what, 'config');
  if (!CONFIG_TYPES.includes(config.mediaType)) throw new SkerryError('MEDIA_TYPE_UNSUPPORTED', `${what}: config.mediaType ${JSON.stringify(config.mediaType)} is not an image config`, { field: 'config.mediaType' });
  if (!Array.isArray(json.layers)) throw invalid(what, 'layers', 'must be an array');
  const layers = json.layers.map((l, i) => {
    const d = checkDescriptor(l, what, `layers[${i}]`);
    if (!(d.mediaType in LAYER_COMPRESSION)) throw new SkerryError('MEDIA_TYPE_UNSUPPORTED', `${what}: layers[${i}].mediaType ${JSON.stringify(d.mediaType)} is not a layer type skerry unpacks`, { field: `layers[${i}].mediaType` });
    return d;
  });
  return { ...(json as object), schemaVersion: 2, mediaType, config, layers } as ImageManifest;
}

export function parseImageIndex(bytes: Buffer | string, declared?: string): ImageIndex {
  const what = 'image index';
  const json = parseJson(bytes, what);
  if (json.schemaVersion !== 2) throw invalid(what, 'schemaVersion', `must be 2 (got ${JSON.stringify(json.schemaVersion)})`);
  const mediaType = (json.mediaType as string | undefined) ?? declared ?? MEDIA.ociIndex;
  if (!Array.isArray(json.manifests)) throw invalid(what, 'manifests', 'must be an array');
  const manifests = json.manifests.map((m, i) => checkDescriptor(m, what, `manifests[${i}]`));
  return { ...(json as object), schemaVersion: 2, mediaType, manifests } as ImageIndex;
}

export function parseImageConfig(bytes: Buffer | string): ImageConfig {
  const what = 'image config';
  const json = parseJson(bytes, what);
  if (typeof json.architecture !== 'string') throw invalid(what, 'architecture', 'must be a string');
  if (typeof json.os !== 'string') throw invalid(what, 'os', 'must be a string');
  const rootfs = json.rootfs as Record<string, unknown> | undefined;
  if (!rootfs || rootfs.type !== 'layers' || !Array.isArray(rootfs.diff_ids)) throw invalid(what, 'rootfs', 'must be {"type": "layers", "diff_ids": [...]}');
  rootfs.diff_ids.forEach((d, i) => {
    if (typeof d !== 'string' || !DIGEST.test(d)) throw invalid(what, `rootfs.diff_ids[${i}]`, `must be sha256:<64 hex> (got ${JSON.stringify(d)})`);
  });
  const config = json.config as Record<string, unknown> | undefined | null;
  if (config !== undefined && config !== null && typeof config !== 'object') throw invalid(what, 'config', 'must be an object');
  for (const key of ['Env', 'Entrypoint', 'Cmd'] as const) {
    const v = config?.[key];
    if (v !== undefined && v !== null && (!Array.isArray(v) || v.some((s) => typeof s !== 'string'))) throw invalid(what, `config.${key}`, 'must be an array of strings');
  }
  return json as unknown as ImageConfig;
}
