// Blob reads: HEAD and GET (with Range, so an agent resumes a cut download where it
// stopped) and DELETE, which unlinks the blob from the repository. A blob is served from a
// repository only if it was pushed or mounted there, even when another repository holds it.
import { pipeline } from 'node:stream/promises';
import { isDigest } from '../../storage/content/index.ts';
import { sendEmpty, type RegistryRequest } from './context.ts';
import { RegistryError } from './errors.ts';
import { parseRange } from './ranges.ts';

export function checkDigest(digest: string): void {
  if (!isDigest(digest as unknown)) throw new RegistryError('DIGEST_INVALID', `digest ${JSON.stringify(digest.slice(0, 200))} must be sha256:<64 hex> or sha512:<128 hex>`, { detail: { digest: digest.slice(0, 200) } });
}

/** The size of a blob the repository may serve; BLOB_UNKNOWN otherwise. */
async function servableSize(r: Pick<RegistryRequest, 'meta' | 'blobs'>, name: string, digest: string): Promise<number> {
  checkDigest(digest);
  const size = (await r.meta.blobLink(name, digest)) ? r.blobs.size(digest) : undefined;
  if (size === undefined) throw new RegistryError('BLOB_UNKNOWN', `blob ${digest} is not in repository ${name}`, { detail: { digest } });
  return size;
}

export async function getBlob(r: RegistryRequest, name: string, digest: string): Promise<void> {
  const size = await servableSize(r, name, digest);
  const headers = {
    'Content-Type': 'application/octet-stream',
    'Docker-Content-Digest': digest,
    'Accept-Ranges': 'bytes',
    ETag: `"${digest}"`,
    // Content by digest never changes.
    'Cache-Control': 'max-age=31536000, immutable',
  };
  if (r.req.method === 'HEAD') return void r.res.writeHead(200, { ...headers, 'Content-Length': size }).end();
  const range = parseRange(r.req.headers.range, size);
  if (range === 'unsatisfiable') {
    // The spec has no code for this; the status (416 with the size) is what clients act on.
    throw new RegistryError('SIZE_INVALID', `range ${r.req.headers.range} is outside blob ${digest} of ${size} bytes`, { status: 416, headers: { 'Content-Range': `bytes */${size}` } });
  }
  if (range) {
    r.res.writeHead(206, { ...headers, 'Content-Range': `bytes ${range.start}-${range.end}/${size}`, 'Content-Length': range.end - range.start + 1 });
  } else {
    r.res.writeHead(200, { ...headers, 'Content-Length': size });
  }
  await pipeline(r.blobs.createReadStream(digest, range), r.res);
}

/** Unlinks the blob from this repository; the bytes stay while other repositories use them. */
export async function deleteBlob(r: RegistryRequest, name: string, digest: string): Promise<void> {
  checkDigest(digest);
  if (!(await r.meta.unlinkBlob(name, digest))) throw new RegistryError('BLOB_UNKNOWN', `blob ${digest} is not in repository ${name}`, { detail: { digest } });
  r.log.info({ name, digest }, 'blob unlinked');
  sendEmpty(r.res, 202);
}
