// Manifests from the registry: GET /v2/<name>/manifests/<tag|digest> with all four manifest
// media types in Accept (without them the Debian docker-registry answers 404 or down-converts
// to schema 1). The digest is checked against the reference when pulled by digest, and
// against Docker-Content-Digest when the registry sends one — always of the exact bytes.
import { SkerryError, oci } from '../../../common/index.ts';
import { digestOf, isDigest, parseDigest } from '../../../storage/content/index.ts';
import type { PullContext } from './blob.ts';
import { registryMessage } from './client.ts';
import { drain, readBody } from './http.ts';
import { withRetry } from './retry.ts';

/** Registries refuse manifests over 4 MiB; so do we. */
const MANIFEST_LIMIT = 4 << 20;

export interface FetchedManifest {
  bytes: Buffer;
  digest: string;
  mediaType: string;
  kind: 'manifest' | 'index';
}

const KNOWN: readonly string[] = oci.MANIFEST_ACCEPT;

function declaredType(contentType: string | undefined): string | undefined {
  const type = contentType?.split(';')[0]?.trim();
  return type && KNOWN.includes(type) ? type : undefined;
}

function mediaTypeOf(bytes: Buffer, declared: string | undefined, kind: 'manifest' | 'index'): string {
  try {
    const json = JSON.parse(bytes.toString('utf8')) as { mediaType?: unknown };
    if (typeof json.mediaType === 'string' && json.mediaType) return json.mediaType;
  } catch {
    // manifestKind has refused non-JSON already
  }
  return declared ?? (kind === 'index' ? oci.MEDIA.ociIndex : oci.MEDIA.ociManifest);
}

function check(bytes: Buffer, want: string, source: string, registry: string): void {
  const got = digestOf(bytes, parseDigest(want).algorithm);
  if (got !== want) {
    throw new SkerryError('DIGEST_MISMATCH', `manifest from ${registry} hashes to ${got}, but ${source} says ${want}`, { digest: want, got });
  }
}

function fetched(bytes: Buffer, digest: string, declared: string | undefined): FetchedManifest {
  const kind = oci.manifestKind(bytes, declared);
  return { bytes, digest, kind, mediaType: mediaTypeOf(bytes, declared, kind) };
}

/**
 * The manifest or index `tagOrDigest` of the context's repository, verified. A manifest
 * asked for by digest that the store holds is read from there: no request at all.
 */
export async function fetchManifest(ctx: PullContext, tagOrDigest: string, reference: string): Promise<FetchedManifest> {
  const byDigest = isDigest(tagOrDigest);
  if (byDigest && ctx.store.has(tagOrDigest)) return fetched(ctx.store.read(tagOrDigest, MANIFEST_LIMIT), tagOrDigest, undefined);
  const registry = ctx.client.registry;
  return withRetry(ctx.retry, ctx.signal ? { signal: ctx.signal } : {}, async () => {
    const what = `manifest ${tagOrDigest} of ${ctx.repo}`;
    const answer = await ctx.client.get(ctx.repo, `/v2/${ctx.repo}/manifests/${tagOrDigest}`, { accept: oci.MANIFEST_ACCEPT.join(', ') }, what);
    const tooLarge = () => new SkerryError('IMAGE_INVALID', `${what} on ${registry} is larger than ${MANIFEST_LIMIT} bytes`, { reference });
    if (answer.status === 404) {
      const message = registryMessage(await readBody(answer.body, answer.url, 64 << 10, tooLarge, ctx.signal).catch(() => Buffer.alloc(0)));
      throw new SkerryError('IMAGE_NOT_FOUND', `${reference} is not in ${registry} (${message})`, { reference, registry });
    }
    if (answer.status !== 200) {
      drain(answer.body);
      throw new SkerryError('REGISTRY_ERROR', `${registry} answered ${answer.status} to ${what}`, { registry, status: answer.status });
    }
    const bytes = await readBody(answer.body, answer.url, MANIFEST_LIMIT, tooLarge, ctx.signal);
    ctx.received += bytes.length;
    const header = answer.headers['docker-content-digest'];
    const sent = typeof header === 'string' && isDigest(header.trim()) ? header.trim() : undefined;
    if (byDigest) check(bytes, tagOrDigest, `the reference ${reference}`, registry);
    if (sent) check(bytes, sent, 'its Docker-Content-Digest header', registry);
    const digest = byDigest ? tagOrDigest : sent && parseDigest(sent).algorithm === 'sha256' ? sent : digestOf(bytes);
    return fetched(bytes, digest, declaredType(answer.headers['content-type']));
  });
}
