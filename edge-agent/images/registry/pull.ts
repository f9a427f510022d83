// pullImage: reference → manifest (through an index or manifest list, for the platform) →
// config → layers, all verified, into the content store. The order of writes keeps one
// promise: a manifest in the store means its config and layers are there too. Layers come
// first (a few at a time), then the config, the manifest and the index; a pull that fails
// leaves only whole, verified layers (which the next pull reuses) and resumable partials.
import { componentLogger, SkerryError, oci } from '../../../common/index.ts';
import type { ContentStore } from '../../../storage/content/index.ts';
import { digestOf } from '../../../storage/content/index.ts';
import type { RegistryAuth } from './auth.ts';
import { fetchBlob, readSmallBlob, type Progress, type PullContext } from './blob.ts';
import { RegistryClient } from './client.ts';
import { fetchManifest, type FetchedManifest } from './manifest.ts';
import { DEFAULT_RETRY, type RetryPolicy } from './retry.ts';

const log = componentLogger('images');

const CONFIG_LIMIT = 8 << 20;

export interface PullOptions {
  store: ContentStore;
  /** Default: this machine's (hostPlatform()). */
  platform?: oci.Platform;
  auth?: RegistryAuth | ((registry: string) => RegistryAuth | undefined);
  /** Plain http instead of https. */
  insecure?: boolean;
  /** Extra CA (PEM) trusted for https, besides the system's. */
  ca?: string | Buffer;
  /** false: accept any certificate. Default true. */
  tlsVerify?: boolean;
  signal?: AbortSignal;
  /** Back-off between tries; a try that received bytes resets the count. */
  retry?: RetryPolicy;
  /** A connection idle this long is dropped and the request tried again. Default 30 s. */
  timeoutMs?: number;
  /** Layers downloaded at once. Default 3. */
  concurrency?: number;
  onProgress?: (progress: Progress) => void;
}

export interface PulledImage {
  /** The normalised reference, e.g. docker.io/library/busybox:1. */
  reference: string;
  /** The index or manifest list the reference named, when it named one. */
  indexDigest?: string;
  manifestDigest: string;
  manifestMediaType: string;
  configDigest: string;
  platform: oci.Platform;
  layers: oci.Descriptor[];
  /** Bytes received from the registry (manifests, config, layers); 0 when all was present. */
  bytesFetched: number;
}

function platformMatches(config: oci.ImageConfig, want: oci.Platform): boolean {
  if (config.os !== want.os || config.architecture !== want.architecture) return false;
  return !config.variant || !want.variant || config.variant === want.variant || (want.architecture === 'arm64' && [config.variant, want.variant].every((v) => v === 'v8'));
}

/** Runs `fn` over `items`, `limit` at a time; the first failure stops the rest (`stop`). */
async function eachLimited<T>(items: T[], limit: number, stop: () => void, fn: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  const failures: unknown[] = [];
  const worker = async () => {
    while (next < items.length && failures.length === 0) {
      try {
        await fn(items[next++]!);
      } catch (error) {
        if (failures.push(error) === 1) stop();
      }
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(limit, items.length)) }, worker));
  if (failures.length > 0) throw failures[0];
}

/** The image manifest the reference leads to for `platform`, and the index on the way. */
async function resolve(ctx: PullContext, ref: oci.ImageReference, reference: string, platform: oci.Platform): Promise<{ index?: FetchedManifest; manifest: FetchedManifest }> {
  const top = await fetchManifest(ctx, ref.digest ?? ref.tag ?? 'latest', reference);
  if (top.kind === 'manifest') return { manifest: top };
  const index = oci.parseImageIndex(top.bytes, top.mediaType);
  const chosen = oci.choosePlatform(index.manifests, platform, reference);
  const manifest = await fetchManifest(ctx, chosen.digest, reference);
  if (manifest.kind !== 'manifest') throw new SkerryError('MEDIA_TYPE_UNSUPPORTED', `${reference}: the index entry for ${oci.formatPlatform(platform)} is itself an index; nested indexes are not followed`, { reference });
  if (manifest.bytes.length !== chosen.size) {
    throw new SkerryError('DIGEST_MISMATCH', `${reference}: manifest ${chosen.digest} is ${manifest.bytes.length} bytes, the index says ${chosen.size}`, { digest: chosen.digest });
  }
  return { index: top, manifest };
}

/** Pulls `reference` into `options.store`; see the module comment for what is written when. */
export async function pullImage(reference: string, options: PullOptions): Promise<PulledImage> {
  const ref = oci.parseReference(reference);
  const normalised = oci.formatReference(ref);
  const platform = options.platform ?? oci.hostPlatform();
  // A layer that fails stops the other downloads (their partials stay for a resume).
  const stopped = new AbortController();
  const signal = options.signal ? AbortSignal.any([options.signal, stopped.signal]) : stopped.signal;
  const client = new RegistryClient(ref.domain, { ...options, signal });
  const ctx: PullContext = {
    client, repo: ref.path, store: options.store, retry: options.retry ?? DEFAULT_RETRY, received: 0, signal,
    ...(options.onProgress && { onProgress: options.onProgress }),
  };
  const started = performance.now();
  log.debug({ reference: normalised, registry: client.where, platform: oci.formatPlatform(platform) }, 'pulling image');
  try {
    const { index, manifest: fetched } = await resolve(ctx, ref, normalised, platform);
    const manifest = oci.parseImageManifest(fetched.bytes, fetched.mediaType);
    const configBytes = await readSmallBlob(ctx, manifest.config, CONFIG_LIMIT, (bytes) => {
      const got = digestOf(bytes);
      if (got !== manifest.config.digest) throw new SkerryError('DIGEST_MISMATCH', `config of ${normalised} hashes to ${got}, the manifest says ${manifest.config.digest}`, { digest: manifest.config.digest, got });
    });
    const config = oci.parseImageConfig(configBytes);
    if (!platformMatches(config, platform)) {
      throw new SkerryError('PLATFORM_NOT_FOUND', `${normalised} is a ${oci.formatPlatform(config)} image, not ${oci.formatPlatform(platform)}`, { reference: normalised, platform: oci.formatPlatform(platform) });
    }
    await eachLimited(manifest.layers, options.concurrency ?? 3, () => stopped.abort(), (layer) => fetchBlob(ctx, layer));
    await options.store.put(configBytes, manifest.config.digest);
    await options.store.put(fetched.bytes, fetched.digest);
    if (index) await options.store.put(index.bytes, index.digest);
    const ms = Math.round(performance.now() - started);
    log.info({ reference: normalised, manifest: fetched.digest, layers: manifest.layers.length, bytesFetched: ctx.received, ms }, 'pulled image');
    return {
      reference: normalised,
      ...(index && { indexDigest: index.digest }),
      manifestDigest: fetched.digest,
      manifestMediaType: fetched.mediaType,
      configDigest: manifest.config.digest,
      platform: { os: config.os, architecture: config.architecture, ...(config.variant && { variant: config.variant }) },
      layers: manifest.layers,
      bytesFetched: ctx.received,
    };
  } finally {
    client.close();
  }
}
