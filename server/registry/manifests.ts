// Manifests by tag or digest: PUT checks and stores (bytes in the content store, media type
// and tag in the metadata store), GET and HEAD serve the exact bytes pushed with their media
// type, DELETE removes a manifest (by digest, with its tags) or just a tag.
import { digestOf, parseDigest } from '../../storage/content/index.ts';
import { MANIFEST_LIMIT, readBody } from './body.ts';
import { sendEmpty, type RegistryRequest } from './context.ts';
import { RegistryError } from './errors.ts';
import { checkManifestBody, checkReferences, type RepositoryContents } from './manifest-check.ts';
import type { ManifestRecord } from './metadata.ts';
import { parseManifestReference } from './routes.ts';

function unknown(name: string, reference: string): RegistryError {
  return new RegistryError('MANIFEST_UNKNOWN', `manifest ${reference} is not in repository ${name}`, { detail: { name, reference } });
}

async function resolve(r: RegistryRequest, name: string, reference: string): Promise<{ digest: string; record: ManifestRecord }> {
  const ref = parseManifestReference(reference);
  const digest = 'digest' in ref ? ref.digest : await r.meta.tagDigest(name, ref.tag);
  const record = digest === undefined ? undefined : await r.meta.manifest(name, digest);
  if (!digest || !record) throw unknown(name, reference);
  return { digest, record };
}

/**
 * The media types an Accept header allows; empty means anything. Nothing is converted, so
 * a manifest whose type the client does not take is, for that client, not there (404, as
 * distribution answers an OCI manifest to a client that does not accept OCI).
 */
export function acceptedTypes(header: string | undefined): string[] {
  return (header ?? '').split(',').map((part) => part.split(';')[0]!.trim().toLowerCase()).filter(Boolean);
}

function acceptable(mediaType: string, accepted: string[]): boolean {
  const family = `${mediaType.split('/')[0]}/*`;
  return accepted.length === 0 || accepted.some((type) => type === '*/*' || type === family || type === mediaType);
}

export async function getManifest(r: RegistryRequest, name: string, reference: string): Promise<void> {
  const { digest, record } = await resolve(r, name, reference);
  if (!acceptable(record.mediaType, acceptedTypes(r.req.headers.accept))) {
    throw new RegistryError('MANIFEST_UNKNOWN', `manifest ${reference} in repository ${name} is ${record.mediaType}, which the request's Accept header does not list`, { status: 404, detail: { mediaType: record.mediaType } });
  }
  const headers = { 'Content-Type': record.mediaType, 'Docker-Content-Digest': digest, ETag: `"${digest}"`, 'Content-Length': record.size };
  if (r.req.method === 'HEAD') return void r.res.writeHead(200, headers).end();
  const bytes = r.blobs.read(digest, MANIFEST_LIMIT);
  r.res.writeHead(200, headers).end(bytes);
}

export async function putManifest(r: RegistryRequest, name: string, reference: string): Promise<void> {
  const ref = parseManifestReference(reference);
  const body = await readBody(r.req, MANIFEST_LIMIT);
  const manifest = checkManifestBody(body, r.req.headers['content-type']);
  const digest = digestOf(body, 'digest' in ref ? parseDigest(ref.digest).algorithm : 'sha256');
  if ('digest' in ref && ref.digest !== digest) {
    throw new RegistryError('DIGEST_INVALID', `manifest pushed as ${ref.digest} hashes to ${digest}`, { detail: { digest: ref.digest, got: digest } });
  }
  await checkReferences(manifest, repositoryContents(r, name));
  await r.blobs.put(body, digest);
  await r.meta.putManifest(name, digest, { mediaType: manifest.mediaType, size: body.length });
  if ('tag' in ref) await r.meta.setTag(name, ref.tag, digest);
  r.log.info({ name, reference, digest, mediaType: manifest.mediaType }, 'manifest pushed');
  sendEmpty(r.res, 201, { Location: `/v2/${name}/manifests/${digest}`, 'Docker-Content-Digest': digest });
}

function repositoryContents(r: RegistryRequest, name: string): RepositoryContents {
  return {
    blobSize: async (digest) => ((await r.meta.blobLink(name, digest)) ? r.blobs.size(digest) : undefined),
    manifestSize: async (digest) => ((await r.meta.manifest(name, digest)) ? r.blobs.size(digest) : undefined),
  };
}

export async function deleteManifest(r: RegistryRequest, name: string, reference: string): Promise<void> {
  const ref = parseManifestReference(reference);
  const removed = 'digest' in ref ? await r.meta.deleteManifest(name, ref.digest) : await r.meta.deleteTag(name, ref.tag);
  if (!removed) throw unknown(name, reference);
  r.log.info({ name, reference }, 'digest' in ref ? 'manifest deleted' : 'tag deleted');
  sendEmpty(r.res, 202);
}
