// Blob uploads (distribution spec "push"): POST opens an upload — or mounts a blob from
// another repository, or takes the whole blob at once with ?digest= — PATCH appends chunks
// in order, PUT ?digest= verifies and completes, GET tells how far it got, DELETE cancels.
// Bytes go to the content store's resumable upload, reopened by id on each request, so an
// upload survives a cut request and a server restart; which repository an upload belongs
// to is kept in the metadata store.
import { isSkerryError } from '../../common/index.ts';
import type { Ingest } from '../../storage/content/index.ts';
import { mayPull } from './access.ts';
import { streamInto } from './body.ts';
import { checkDigest } from './blobs.ts';
import { sendEmpty, type RegistryRequest, type RegistryStores } from './context.ts';
import { RegistryError } from './errors.ts';
import { parseChunkRange, uploadRangeHeader, type ByteRange } from './ranges.ts';
import { assertRepositoryName } from './routes.ts';

const UPLOAD_ID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

const uploadUrl = (name: string, id: string) => `/v2/${name}/blobs/uploads/${id}`;

function progressHeaders(name: string, id: string, size: number): Record<string, string> {
  return { Location: uploadUrl(name, id), Range: uploadRangeHeader(size), 'Docker-Upload-UUID': id };
}

function sendCreated(r: RegistryRequest, name: string, digest: string): void {
  sendEmpty(r.res, 201, { Location: `/v2/${name}/blobs/${digest}`, 'Docker-Content-Digest': digest });
}

/** POST /v2/<name>/blobs/uploads/ */
export async function startUpload(r: RegistryRequest, name: string): Promise<void> {
  const mount = r.url.searchParams.get('mount');
  const from = r.url.searchParams.get('from');
  if (mount !== null && from !== null && (await tryMount(r, name, mount, from))) return sendCreated(r, name, mount);
  const digest = r.url.searchParams.get('digest');
  if (digest !== null) return monolithicUpload(r, name, digest);
  // Not-yet-known content: an empty upload now, chunks by PATCH, the digest at PUT.
  const { id, ingest } = await r.blobs.upload();
  await ingest.close();
  await r.meta.startUpload(id, name);
  r.log.debug({ name, id }, 'upload started');
  sendEmpty(r.res, 202, progressHeaders(name, id, 0));
}

/**
 * Cross-repository mount: the blob is linked into `name` without moving a byte, when it is
 * in `from` and the caller may read `from`. Anything else falls back to a plain upload
 * (202), as the spec asks, so the client just pushes the bytes.
 */
async function tryMount(r: RegistryRequest, name: string, digest: string, from: string): Promise<boolean> {
  try {
    checkDigest(digest);
    assertRepositoryName(from);
  } catch {
    return false;
  }
  if (!mayPull(r.principal, from) || !(await r.meta.blobLink(from, digest))) return false;
  const size = r.blobs.size(digest);
  if (size === undefined) return false;
  await r.meta.linkBlob(name, digest, size);
  r.log.info({ name, from, digest }, 'blob mounted');
  return true;
}

/** POST ?digest=: the whole blob in one request. */
async function monolithicUpload(r: RegistryRequest, name: string, digest: string): Promise<void> {
  checkDigest(digest);
  const { ingest } = await r.blobs.upload();
  try {
    await streamInto(r.req, ingest);
    await commit(r, ingest, name, digest);
  } finally {
    // Nobody can resume an upload that had no id: drop whatever a cut request left.
    await ingest.discard();
  }
  sendCreated(r, name, digest);
}

async function commit(r: RegistryRequest, ingest: Ingest, name: string, digest: string): Promise<void> {
  const size = ingest.offset;
  try {
    await ingest.commit(digest);
  } catch (error) {
    if (!isSkerryError(error, 'DIGEST_MISMATCH')) throw error;
    throw new RegistryError('DIGEST_INVALID', `the ${size} bytes uploaded do not hash to ${digest}; nothing was stored`, { detail: { digest, got: error.details.got } });
  }
  await r.meta.linkBlob(name, digest, size);
  r.log.debug({ name, digest, size }, 'blob stored');
}

/** The upload `id` of repository `name`, or BLOB_UPLOAD_UNKNOWN. */
async function knownUpload(r: RegistryRequest, name: string, id: string): Promise<void> {
  const record = UPLOAD_ID.test(id) ? await r.meta.upload(id) : undefined;
  if (!record || record.name !== name) throw new RegistryError('BLOB_UPLOAD_UNKNOWN', `upload ${JSON.stringify(id.slice(0, 60))} is not in progress for repository ${name}`, { detail: { id: id.slice(0, 60) } });
}

/** The chunk a request carries, checked against what the upload holds. */
function checkChunk(r: RegistryRequest, name: string, id: string, offset: number): ByteRange | undefined {
  const chunk = parseChunkRange(r.req.headers['content-range']);
  if (!chunk) return undefined;
  if (chunk.start !== offset) {
    throw new RegistryError('BLOB_UPLOAD_INVALID', `chunk ${chunk.start}-${chunk.end} does not start where upload ${id} ends (${offset} bytes so far)`, { status: 416, headers: progressHeaders(name, id, offset) });
  }
  const length = r.req.headers['content-length'];
  if (length !== undefined && Number(length) !== chunk.end - chunk.start + 1) {
    throw new RegistryError('BLOB_UPLOAD_INVALID', `Content-Range ${chunk.start}-${chunk.end} is ${chunk.end - chunk.start + 1} bytes but Content-Length is ${length}`);
  }
  return chunk;
}

/** Appends the request body to upload `id` after checking its Content-Range. */
async function append(r: RegistryRequest, name: string, id: string, ingest: Ingest): Promise<void> {
  checkChunk(r, name, id, ingest.offset);
  await streamInto(r.req, ingest);
}

/** PATCH: one chunk (Content-Range) or a stream of the rest (no Content-Range). */
export async function patchUpload(r: RegistryRequest, name: string, id: string): Promise<void> {
  await knownUpload(r, name, id);
  const { ingest } = await r.blobs.upload(id);
  try {
    await append(r, name, id, ingest);
  } finally {
    await ingest.close();
  }
  sendEmpty(r.res, 202, progressHeaders(name, id, ingest.offset));
}

/** PUT ?digest=: an optional last chunk, then verify and store; a mismatch stores nothing. */
export async function completeUpload(r: RegistryRequest, name: string, id: string): Promise<void> {
  await knownUpload(r, name, id);
  const digest = r.url.searchParams.get('digest') ?? '';
  checkDigest(digest);
  const { ingest } = await r.blobs.upload(id);
  try {
    await append(r, name, id, ingest);
    await commit(r, ingest, name, digest);
    await r.meta.endUpload(id);
  } catch (error) {
    // A failed verification discarded the bytes: the upload is over, not resumable.
    if (error instanceof RegistryError && error.code === 'DIGEST_INVALID') await r.meta.endUpload(id);
    throw error;
  } finally {
    await ingest.close();
  }
  sendCreated(r, name, digest);
}

/** GET: how many bytes the upload holds, so a client resumes after a cut. */
export async function uploadStatus(r: RegistryRequest, name: string, id: string): Promise<void> {
  await knownUpload(r, name, id);
  sendEmpty(r.res, 204, progressHeaders(name, id, r.blobs.uploadSize(id) ?? 0));
}

/** DELETE: cancels the upload and drops its bytes. */
export async function cancelUpload(r: RegistryRequest, name: string, id: string): Promise<void> {
  await knownUpload(r, name, id);
  r.blobs.dropUpload(id);
  await r.meta.endUpload(id);
  r.log.debug({ name, id }, 'upload cancelled');
  sendEmpty(r.res, 204);
}

/**
 * Drops uploads started more than `maxAgeMs` ago (distribution purges after a week too):
 * a client that walked away would otherwise leave its bytes on disk for good.
 */
export async function dropStaleUploads(stores: Pick<RegistryStores, 'meta' | 'blobs' | 'log'>, maxAgeMs: number, now = Date.now()): Promise<number> {
  let dropped = 0;
  for (const upload of await stores.meta.uploads()) {
    if (now - Date.parse(upload.started) <= maxAgeMs) continue;
    stores.blobs.dropUpload(upload.id);
    await stores.meta.endUpload(upload.id);
    dropped++;
  }
  if (dropped > 0) stores.log.info({ dropped }, 'stale uploads dropped');
  return dropped;
}
