// Blob downloads into the content store, resumable. The store's ingest gives one writer per
// blob (across processes too) and the bytes a cut download left; a try asks for the rest
// with `Range: bytes=<offset>-` and appends the 206's body. A registry that answers 200 (no
// ranges) or a Content-Range starting elsewhere makes us drop the partial and start over.
// Bodies stream straight to the file; nothing holds a whole layer in memory.
import { componentLogger, isSkerryError, SkerryError, type oci } from '../../../common/index.ts';
import type { ContentStore, Ingest } from '../../../storage/content/index.ts';
import type { Answer, RegistryClient } from './client.ts';
import { drain, networkFailure, readBody } from './http.ts';
import { withRetry, type RetryPolicy } from './retry.ts';
import { BlobSink, WriteFailed } from './sink.ts';

const log = componentLogger('images');

export interface Progress {
  digest: string;
  /** Bytes of the blob received so far, those a resumed download started from included. */
  received: number;
  total: number;
}

export interface PullContext {
  client: RegistryClient;
  /** Repository path in the registry, e.g. "library/busybox". */
  repo: string;
  store: ContentStore;
  retry: RetryPolicy;
  signal?: AbortSignal;
  onProgress?: (progress: Progress) => void;
  /** Bytes received from the network in this pull. */
  received: number;
}

type Outcome = 'committed' | 'restart';

/** Content-Range "bytes START-END/TOTAL" → START. */
function rangeStart(header: string | undefined): number | undefined {
  const match = /^bytes (\d+)-\d+\/(\d+|\*)$/.exec(header?.trim() ?? '');
  return match ? Number(match[1]) : undefined;
}

/**
 * Makes sure blob `desc` is in the store: returns at once when it is (or becomes, because
 * another pull wrote it meanwhile), else downloads it, resuming any partial on disk.
 */
export async function fetchBlob(ctx: PullContext, desc: oci.Descriptor): Promise<void> {
  let startedOver = false;
  for (;;) {
    const ingest = await ctx.store.ingest(desc.digest, ctx.signal ? { signal: ctx.signal } : {});
    if (!ingest) return;
    const resumedFrom = ingest.offset;
    let outcome: Outcome;
    try {
      outcome = await withRetry(ctx.retry, {
        ...(ctx.signal && { signal: ctx.signal }),
        onRetry: (error, attempt, delayMs) => log.info({ digest: desc.digest, offset: ingest.offset, attempt, delayMs, reason: error.message }, 'blob download cut; resuming after a pause'),
      }, (progressed) => transfer(ctx, desc, ingest, progressed));
    } catch (error) {
      await ingest.close().catch(() => {});
      // A resumed partial can be bad (power lost before its last sync): once, start over.
      if (isSkerryError(error, 'DIGEST_MISMATCH') && resumedFrom > 0 && !startedOver) {
        log.warn({ digest: desc.digest, resumedFrom }, 'resumed blob did not verify; downloading it again from the start');
        startedOver = true;
        continue;
      }
      throw error;
    }
    if (outcome === 'committed') return;
  }
}

/** One try: request what is missing, append it, commit when whole. */
async function transfer(ctx: PullContext, desc: oci.Descriptor, ingest: Ingest, progressed: () => void): Promise<Outcome> {
  const offset = ingest.offset;
  if (offset > desc.size) return restart(ingest, desc, `${offset} bytes on disk, more than the blob's ${desc.size}`);
  if (offset === desc.size) return commit(ingest, desc);
  const what = `blob ${desc.digest}`;
  const answer = await ctx.client.get(ctx.repo, `/v2/${ctx.repo}/blobs/${desc.digest}`, offset > 0 ? { range: `bytes=${offset}-` } : {}, what);
  const refusal = unusable(answer, offset);
  if (refusal === 'missing') {
    throw new SkerryError('REGISTRY_ERROR', `${ctx.client.registry} has no ${what}, which ${ctx.repo}'s manifest lists`, { registry: ctx.client.registry, digest: desc.digest });
  }
  if (refusal) return restart(ingest, desc, refusal);
  if (offset > 0) log.debug({ digest: desc.digest, offset }, 'resuming blob download');
  await receive(ctx, desc, ingest, answer, progressed);
  if (ingest.offset < desc.size) {
    const cut = Object.assign(new Error(`the connection ended after ${ingest.offset} of ${desc.size} bytes`), { code: 'ECONNRESET' });
    throw networkFailure(cut, answer.url, ctx.signal);
  }
  return commit(ingest, desc);
}

/** Why an answer cannot be appended at `offset` (its body then is dropped), or undefined. */
function unusable(answer: Answer, offset: number): string | undefined {
  const { status, body } = answer;
  const why = status === 404 ? 'missing'
    : status === 416 ? `the registry cannot serve bytes from ${offset} (416)`
      : offset > 0 && status !== 206 ? `the registry answered ${status} to a Range request, not 206`
        : status === 206 && rangeStart(answer.headers['content-range']) !== offset ? `Content-Range ${JSON.stringify(answer.headers['content-range'])} does not start at ${offset}`
          : undefined;
  if (why) body.destroy();
  return why;
}

// A progress callback that throws must not look like a cut connection.
function report(ctx: PullContext, progress: Progress): void {
  try {
    ctx.onProgress?.(progress);
  } catch (error) {
    log.warn({ err: error }, 'progress callback failed');
  }
}

/** Streams the body into the ingest; whatever arrived before a cut is written before the error is thrown. */
async function receive(ctx: PullContext, desc: oci.Descriptor, ingest: Ingest, answer: Answer, progressed: () => void): Promise<void> {
  const sink = new BlobSink(ingest);
  try {
    for await (const chunk of answer.body) {
      const bytes = chunk as Buffer;
      if (sink.received + bytes.length > desc.size) {
        answer.body.destroy();
        await sink.flush().catch(() => {});
        await ingest.discard();
        throw new SkerryError('DIGEST_MISMATCH', `${ctx.client.registry} sent more than the ${desc.size} bytes of blob ${desc.digest}; the download was discarded`, { digest: desc.digest });
      }
      await sink.push(bytes);
      ctx.received += bytes.length;
      progressed();
      report(ctx, { digest: desc.digest, received: sink.received, total: desc.size });
    }
    await sink.flush();
  } catch (error) {
    // A failed write (disk full) is ours, not the network's: it is not retried.
    if (error instanceof WriteFailed || error instanceof SkerryError) {
      answer.body.destroy();
      throw error instanceof WriteFailed ? error.cause : error;
    }
    await sink.flush().catch((failed: WriteFailed) => {
      throw failed.cause;
    });
    throw networkFailure(error, answer.url, ctx.signal);
  }
}

async function commit(ingest: Ingest, desc: oci.Descriptor): Promise<Outcome> {
  await ingest.commit(desc.digest, desc.size);
  return 'committed';
}

async function restart(ingest: Ingest, desc: oci.Descriptor, why: string): Promise<Outcome> {
  log.debug({ digest: desc.digest, offset: ingest.offset }, `discarding the partial download and starting over: ${why}`);
  await ingest.discard();
  return 'restart';
}

/** Reads a small blob (an image config) whole, verified, without storing it. */
export async function readSmallBlob(ctx: PullContext, desc: oci.Descriptor, limit: number, verify: (bytes: Buffer) => void): Promise<Buffer> {
  if (ctx.store.has(desc.digest)) return ctx.store.read(desc.digest, limit);
  if (desc.size > limit) throw new SkerryError('IMAGE_INVALID', `${desc.digest} is ${desc.size} bytes, more than the ${limit} an image config may have`, { digest: desc.digest });
  return withRetry(ctx.retry, ctx.signal ? { signal: ctx.signal } : {}, async () => {
    const what = `blob ${desc.digest}`;
    const answer = await ctx.client.get(ctx.repo, `/v2/${ctx.repo}/blobs/${desc.digest}`, {}, what);
    if (answer.status !== 200) {
      drain(answer.body);
      throw new SkerryError('REGISTRY_ERROR', `${ctx.client.registry} answered ${answer.status} for ${what} of ${ctx.repo}`, { registry: ctx.client.registry, digest: desc.digest });
    }
    const tooLarge = () => new SkerryError('DIGEST_MISMATCH', `${ctx.client.registry} sent more than the ${desc.size} bytes of ${what}`, { digest: desc.digest });
    const bytes = await readBody(answer.body, answer.url, desc.size, tooLarge, ctx.signal);
    ctx.received += bytes.length;
    verify(bytes);
    return bytes;
  });
}
