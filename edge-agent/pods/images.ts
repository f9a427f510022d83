// Images for containers, by pull policy, as the kubelet's image manager decides: Never and
// IfNotPresent use what the node has; Always and a missing IfNotPresent pull. A pull runs in
// the background (one per reference, however many pods wait for it); a failed one gives
// ErrImagePull, and until its back-off expires ImagePullBackOff.
import { oci } from '../../common/index.ts';
import type { ImageRecord, ImageStore } from '../images/store/index.ts';
import { pullImage } from '../images/registry/index.ts';
import { backoffRemaining, nextBackoff, type BackoffEntry, type BackoffPolicy } from './backoff.ts';
import type { PullAuth } from './pull-credentials.ts';

export interface ReadyImage {
  record: ImageRecord;
  config: NonNullable<oci.ImageConfig['config']>;
  stopSignal?: string;
  /** The normalised name containerStatuses[].image shows. */
  name: string;
  /** containerStatuses[].imageID: repository@digest. */
  imageID: string;
}

export type ImageOutcome =
  | { kind: 'ready'; image: ReadyImage; event?: { reason: 'Pulled'; message: string } }
  | { kind: 'pulling'; started: boolean }
  | { kind: 'failed'; reason: 'ErrImagePull' | 'ImagePullBackOff' | 'ErrImageNeverPull' | 'InvalidImageName'; message: string; fresh: boolean; retryInMs?: number };

const PULL_RETRY = { attempts: 3, baseDelayMs: 250, maxDelayMs: 2_000 };

interface KeyState {
  backoff?: BackoffEntry;
  lastError?: string;
  /** A pull this key waited for has ended: its result, not yet seen by the key's pod. */
  result?: { ok: true; ms: number; bytes: number } | { ok: false; message: string };
}

export interface ImageService {
  /** `key` is per pod and image (the kubelet's back-off key); `onSettled` runs when a pull for it ends. */
  /** `auth` gives the pull's registry credentials (the pod's pull secrets, the node's own). */
  ensure(key: string, image: string, policy: string, onSettled: () => void, auth?: PullAuth): ImageOutcome;
  forget(keyPrefix: string): void;
  stop(): void;
}

export interface PullDefaults {
  /** A CA to trust besides the system's: the cluster's, for the server's registry. */
  ca?: string;
}

export function openImageService(store: ImageStore, policy: BackoffPolicy, defaults: PullDefaults = {}): ImageService {
  const inFlight = new Map<string, Set<string>>();
  const keys = new Map<string, KeyState>();
  const waiters = new Map<string, () => void>();
  const configs = new Map<string, NonNullable<oci.ImageConfig['config']>>();
  const stopper = new AbortController();

  const ready = (ref: string, record: ImageRecord): ReadyImage => {
    let config = configs.get(record.configDigest);
    if (!config) configs.set(record.configDigest, (config = oci.parseImageConfig(store.content.read(record.configDigest)).config ?? {}));
    const parsed = oci.parseReference(ref);
    const name = parsed.digest ? oci.repositoryOf(parsed) : oci.formatReference(parsed);
    return { record, config, ...(config.StopSignal && { stopSignal: config.StopSignal }), name, imageID: `${oci.repositoryOf(parsed)}@${record.indexDigest ?? record.manifestDigest}` };
  };

  function startPull(ref: string, key: string, auth: PullAuth | undefined): void {
    const waiting = new Set([key]);
    inFlight.set(ref, waiting);
    const started = performance.now();
    const pulled = (async () => {
      // Few tries per pull: the pod's back-off decides when to try again (a try that moves resets the count).
      const result = await pullImage(ref, { store: store.content, signal: stopper.signal, retry: PULL_RETRY, ...(auth && { auth }), ...(defaults.ca && { ca: defaults.ca }) });
      const parsed = oci.parseReference(ref);
      await store.commit({ ...(parsed.tag !== undefined && { name: oci.formatReference({ ...parsed, digest: undefined }) }), manifestDigest: result.manifestDigest, ...(result.indexDigest && { indexDigest: result.indexDigest }) });
      return result.bytesFetched;
    })();
    void pulled.then(
      (bytes) => settle(ref, { ok: true, ms: Math.round(performance.now() - started), bytes }),
      (error: unknown) => settle(ref, { ok: false, message: (error as Error).message }),
    );
  }

  function settle(ref: string, result: NonNullable<KeyState['result']>): void {
    const waiting = inFlight.get(ref) ?? new Set<string>();
    inFlight.delete(ref);
    if (stopper.signal.aborted) return;
    for (const key of waiting) {
      keys.set(key, { ...keys.get(key), result });
      waiters.get(key)?.();
    }
  }

  function consume(key: string, ref: string, image: string, state: KeyState): ImageOutcome {
    const result = state.result!;
    delete state.result;
    if (result.ok) {
      delete state.backoff;
      delete state.lastError;
      const record = store.find(ref);
      if (record) return { kind: 'ready', image: ready(ref, record), event: { reason: 'Pulled', message: `Successfully pulled image "${image}" in ${(result.ms / 1000).toFixed(3)}s (${(result.ms / 1000).toFixed(3)}s including waiting). Image size: ${record.size} bytes.` } };
    }
    const message = result.ok ? `${ref} was pulled but is not in the image store` : result.message;
    const now = Date.now();
    state.backoff = nextBackoff(state.backoff, now, now, policy);
    state.lastError = message;
    // ErrImagePull shows for the first half of the back-off, ImagePullBackOff for the rest (the
    // kubelet's error resync lands somewhere in the back-off, so users see both, alternating).
    return { kind: 'failed', reason: 'ErrImagePull', message, fresh: true, retryInMs: Math.round(state.backoff.delayMs / 2) };
  }

  return {
    ensure(key, image, pullPolicy, onSettled, auth) {
      let ref: string;
      try {
        ref = oci.formatReference(oci.parseReference(image));
      } catch (error) {
        return { kind: 'failed', reason: 'InvalidImageName', message: `Failed to apply default image tag "${image}": couldn't parse image name "${image}": ${(error as Error).message}`, fresh: true };
      }
      waiters.set(key, onSettled);
      const local = store.find(ref);
      const present = { reason: 'Pulled' as const, message: `Container image "${image}" already present on machine` };
      if (pullPolicy === 'Never') {
        // Looked at again after a back-off step: an image imported meanwhile is found then.
        return local ? { kind: 'ready', image: ready(ref, local), event: present } : { kind: 'failed', reason: 'ErrImageNeverPull', message: `Container image "${image}" is not present with pull policy of Never`, fresh: true, retryInMs: policy.initialMs };
      }
      if (pullPolicy !== 'Always' && local) return { kind: 'ready', image: ready(ref, local), event: present };
      const state = keys.get(key) ?? {};
      keys.set(key, state);
      if (state.result) return consume(key, ref, image, state);
      const pulling = inFlight.get(ref);
      if (pulling) {
        // Another pod's pull of the same image: this pod waits for it, and says so once.
        const joined = !pulling.has(key);
        pulling.add(key);
        return { kind: 'pulling', started: joined };
      }
      const now = Date.now();
      const wait = state.backoff ? backoffRemaining(state.backoff, state.backoff.lastUpdate, now, policy) : 0;
      if (wait > 0) return { kind: 'failed', reason: 'ImagePullBackOff', message: `Back-off pulling image "${image}": ErrImagePull: ${state.lastError ?? ''}`, fresh: false, retryInMs: wait };
      startPull(ref, key, auth);
      return { kind: 'pulling', started: true };
    },
    forget(keyPrefix) {
      for (const key of [...keys.keys()]) if (key.startsWith(keyPrefix)) keys.delete(key);
      for (const key of [...waiters.keys()]) if (key.startsWith(keyPrefix)) waiters.delete(key);
    },
    stop: () => stopper.abort(),
  };
}
