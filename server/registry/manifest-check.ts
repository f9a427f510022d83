// Checks a pushed manifest before it is stored: it is JSON, its media type (Content-Type)
// agrees with the body, it is an image manifest or index, and everything it references is
// in the repository — so a tag never points at an image an agent cannot pull whole.
//
// Config and layer media types are not restricted: the registry stores what clients push
// (signatures and other artifacts use their own types); the agent decides what it runs.
import { isSkerryError, oci } from '../../common/index.ts';
import { RegistryError } from './errors.ts';

export interface Reference {
  /** Where in the manifest, e.g. "layers[1]" or "manifests[0]". */
  field: string;
  descriptor: oci.Descriptor;
}

export interface PushedManifest {
  mediaType: string;
  kind: 'manifest' | 'index';
  /** Config and layers of an image manifest. */
  blobs: Reference[];
  /** Child manifests of an index. */
  manifests: Reference[];
}

/** What the repository holds, as the reference check needs it. */
export interface RepositoryContents {
  blobSize(digest: string): Promise<number | undefined>;
  manifestSize(digest: string): Promise<number | undefined>;
}

// Generic types some clients send when they do not say; the body's mediaType decides then.
const UNSPECIFIC = new Set(['', 'application/json', 'application/octet-stream']);

function invalid(message: string, detail?: unknown): RegistryError {
  return new RegistryError('MANIFEST_INVALID', message, detail === undefined ? {} : { detail });
}

/** Parses and checks a manifest's own shape; MANIFEST_INVALID names what is wrong. */
export function checkManifestBody(body: Buffer, contentType: string | undefined): PushedManifest {
  let json: Record<string, unknown>;
  try {
    json = JSON.parse(body.toString('utf8')) as Record<string, unknown>;
  } catch (error) {
    throw invalid(`manifest is not JSON: ${(error as Error).message}`);
  }
  if (!json || typeof json !== 'object' || Array.isArray(json)) throw invalid('manifest must be a JSON object');
  if (json.schemaVersion !== 2) throw invalid(`manifest schemaVersion must be 2 (got ${JSON.stringify(json.schemaVersion)}); Docker schema 1 is not accepted`);
  const mediaType = mediaTypeOf(json, contentType);
  if (oci.INDEX_TYPES.includes(mediaType)) return { mediaType, kind: 'index', blobs: [], manifests: descriptors(json, 'manifests') };
  if (oci.IMAGE_MANIFEST_TYPES.includes(mediaType)) {
    if (json.config === undefined) throw invalid('image manifest has no config descriptor');
    const config = { field: 'config', descriptor: descriptor(json.config, 'config') };
    return { mediaType, kind: 'manifest', blobs: [config, ...descriptors(json, 'layers')], manifests: [] };
  }
  throw invalid(`media type ${JSON.stringify(mediaType)} is not an OCI or Docker schema2 image manifest or index`, { mediaType });
}

function mediaTypeOf(json: Record<string, unknown>, contentType: string | undefined): string {
  const declared = contentType?.split(';')[0]!.trim().toLowerCase() ?? '';
  const inBody = typeof json.mediaType === 'string' ? json.mediaType : undefined;
  if (!UNSPECIFIC.has(declared)) {
    if (inBody !== undefined && inBody !== declared) {
      throw invalid(`Content-Type ${JSON.stringify(declared)} does not match the manifest's mediaType ${JSON.stringify(inBody)}`, { contentType: declared, mediaType: inBody });
    }
    return declared;
  }
  if (inBody !== undefined) return inBody;
  if (Array.isArray(json.manifests)) return oci.MEDIA.ociIndex;
  if (json.config !== undefined) return oci.MEDIA.ociManifest;
  throw invalid('manifest has no media type: send it as Content-Type or in the mediaType field');
}

function descriptors(json: Record<string, unknown>, field: 'layers' | 'manifests'): Reference[] {
  const list = json[field];
  if (!Array.isArray(list)) throw invalid(`manifest ${field} must be an array`);
  return list.map((value, i) => ({ field: `${field}[${i}]`, descriptor: descriptor(value, `${field}[${i}]`) }));
}

function descriptor(value: unknown, field: string): oci.Descriptor {
  try {
    return oci.checkDescriptor(value, 'manifest', field);
  } catch (error) {
    if (isSkerryError(error)) throw invalid(error.message.replace(/^[^:]*: /, ''), { field });
    throw error;
  }
}

/**
 * Every blob and child manifest must be in the repository with the size the descriptor
 * gives: MANIFEST_BLOB_UNKNOWN names the first one missing. Foreign layers (with urls) are
 * fetched from elsewhere by design and are not required.
 */
export async function checkReferences(manifest: PushedManifest, contents: RepositoryContents): Promise<void> {
  const wanted = [
    ...manifest.blobs.filter((r) => !r.descriptor.urls?.length).map((r) => ({ ...r, size: contents.blobSize(r.descriptor.digest), what: 'blob' })),
    ...manifest.manifests.map((r) => ({ ...r, size: contents.manifestSize(r.descriptor.digest), what: 'manifest' })),
  ];
  for (const { field, descriptor: d, size, what } of wanted) {
    const have = await size;
    if (have === undefined) {
      throw new RegistryError('MANIFEST_BLOB_UNKNOWN', `${field} references ${what} ${d.digest}, which is not in this repository; push it first`, { detail: { digest: d.digest } });
    }
    if (have !== d.size) throw invalid(`${field} says ${what} ${d.digest} has ${d.size} bytes; it has ${have}`, { digest: d.digest, size: d.size });
  }
}
