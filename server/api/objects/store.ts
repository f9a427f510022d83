import crypto from 'node:crypto';
import { isSkerryError } from '../../../common/index.ts';
import type { KeyValue, KeyValueStore, WatchEvent as StoreEvent } from '../../../storage/kv/index.ts';
import { apiVersionOf, type ResourceType } from '../catalog/index.ts';
import { ApiError, apiErrors } from '../errors.ts';
import { decodeObject, encodeObject, listPrefix, objectKey } from './codec.ts';
import { initialPodStatus } from './pod-status.ts';
import { generateName, preserveSystemFields, specChanged, timestamp } from './metadata.ts';
import type { ServiceAllocator } from './service-allocation.ts';
import type { KubeObject, ObjectMeta, StatusCause } from './types.ts';

/** Kubernetes defaulting and validation, applied to every write (server/api/validation). */
export interface Admission {
  defaults(type: ResourceType, object: KubeObject): KubeObject;
  /** Server-allocated values a replacement may leave out (a Service's clusterIP), copied from the old object. */
  carryOver?(type: ResourceType, object: KubeObject, old: KubeObject): KubeObject;
  validateCreate(type: ResourceType, object: KubeObject): StatusCause[];
  validateUpdate(type: ResourceType, object: KubeObject, old: KubeObject): StatusCause[];
  /**
   * Kube's admission plugins that read other objects (DefaultStorageClass, storage object
   * protection): on creates, after defaults and before validation (kube's plugins that skerry
   * has mutate only creates). Optional because most kinds need none.
   */
  mutate?(request: AdmissionRequest): Promise<KubeObject>;
  /** Validating plugins that read other objects (PersistentVolumeClaimResize): after validation, not for subresources; throws an ApiError to refuse. */
  admit?(request: AdmissionRequest): Promise<void>;
}

/** What an admission plugin sees: the write, and read access to the store. */
export interface AdmissionRequest {
  operation: 'CREATE' | 'UPDATE';
  type: ResourceType;
  object: KubeObject;
  old?: KubeObject;
  read: AdmissionReader;
}

export interface AdmissionReader {
  get(type: ResourceType, namespace: string | undefined, name: string): Promise<KubeObject | undefined>;
  list(type: ResourceType): Promise<KubeObject[]>;
}

export const noAdmission: Admission = {
  defaults: (_type, object) => object,
  validateCreate: () => [],
  validateUpdate: () => [],
};

export type Filter = (object: KubeObject) => boolean;

export interface ListQuery {
  filter?: Filter;
  limit?: number;
  continue?: string;
  /** "" or absent: the newest state; a number with match "Exact": as of that revision. */
  resourceVersion?: string;
  resourceVersionMatch?: string;
}

export interface ObjectList {
  items: KubeObject[];
  resourceVersion: string;
  continue?: string;
}

export interface WriteOptions {
  dryRun?: boolean;
}

export interface UpdateOptions extends WriteOptions {
  /**
   * `status` writes only the status; `binding` only a pod's spec.nodeName and `finalize` only a
   * namespace's spec.finalizers: the server's own transitions, exempt from update validation.
   */
  subresource?: 'status' | 'binding' | 'finalize';
}

export interface DeleteOptions extends WriteOptions {
  propagationPolicy?: 'Foreground' | 'Background' | 'Orphan';
  gracePeriodSeconds?: number;
  preconditions?: { uid?: string; resourceVersion?: string };
}

export type ObjectEventType = 'ADDED' | 'MODIFIED' | 'DELETED';

export interface ObjectEvent {
  type: ObjectEventType;
  object: KubeObject;
  /** The store revision of the write (for bookmarks). */
  revision: number;
}

export interface ObjectWatch extends AsyncIterable<ObjectEvent> {
  close(): void;
  /** How many synthetic ADDED events for the current state come first. */
  initialCount: number;
  /** The revision the watch starts after (the state those ADDED events show). */
  startRevision: number;
}

export interface WatchQuery {
  filter?: Filter;
  /** Absent, "" or "0": first an ADDED event per current object, then changes; else changes after it. */
  resourceVersion?: string;
}

/**
 * The API's object storage, as Kubernetes' generic registry store: metadata the server owns,
 * optimistic concurrency on resourceVersion, status kept apart from spec, finalizers and
 * graceful deletion. The HTTP handlers and the controllers both go through it.
 */
export interface ObjectStore {
  get(type: ResourceType, namespace: string | undefined, name: string): Promise<KubeObject>;
  list(type: ResourceType, namespace: string | undefined, query?: ListQuery): Promise<ObjectList>;
  create(type: ResourceType, namespace: string | undefined, object: KubeObject, options?: WriteOptions): Promise<KubeObject>;
  update(type: ResourceType, namespace: string | undefined, name: string, object: KubeObject, options?: UpdateOptions): Promise<KubeObject>;
  /** Read, change, write; retried on conflicts unless the change pins a resourceVersion. */
  mutate(type: ResourceType, namespace: string | undefined, name: string, change: (current: KubeObject) => KubeObject, options?: UpdateOptions): Promise<KubeObject>;
  delete(type: ResourceType, namespace: string | undefined, name: string, options?: DeleteOptions): Promise<{ object: KubeObject; deleted: boolean }>;
  watch(type: ResourceType, namespace: string | undefined, query?: WatchQuery): Promise<ObjectWatch>;
  currentRevision(): Promise<number>;
}

export interface ObjectStoreOptions {
  kv: KeyValueStore;
  admission?: Admission;
  now?: () => Date;
  /** The Namespace type, so namespaced writes can check their namespace exists. */
  namespaceType?: ResourceType;
  /** Hands Services their cluster IPs and node ports; without it they keep what they were given. */
  services?: ServiceAllocator;
}

// kube-apiserver retries a read-modify-write on conflict until it lands; the bound only stops a livelock.
const MUTATE_ATTEMPTS = 1000;

export function createObjectStore(options: ObjectStoreOptions): ObjectStore {
  const { kv } = options;
  const admission = options.admission ?? noAdmission;
  const now = options.now ?? (() => new Date());

  async function read(type: ResourceType, namespace: string | undefined, name: string): Promise<{ object: KubeObject; kv: KeyValue }> {
    const found = await kv.get(objectKey(type, namespace, name));
    if (!found) throw apiErrors.notFound(type, name);
    return { object: decodeObject(found.value, found.modRevision), kv: found };
  }

  const reader: AdmissionReader = {
    get: async (type, namespace, name) => {
      const found = await kv.get(objectKey(type, namespace, name));
      return found ? decodeObject(found.value, found.modRevision) : undefined;
    },
    list: async (type) => (await list(type, undefined)).items,
  };

  async function checkNamespace(type: ResourceType, namespace: string | undefined, name: string): Promise<void> {
    if (!type.namespaced || !options.namespaceType) return;
    const found = await kv.get(objectKey(options.namespaceType, undefined, namespace!));
    if (!found) throw apiErrors.notFound(options.namespaceType, namespace!);
    const ns = decodeObject(found.value, found.modRevision);
    if (ns.metadata.deletionTimestamp) {
      throw apiErrors.forbidden(type, name, `unable to create new content in namespace ${namespace} because it is being terminated`);
    }
  }

  function prepareCreate(type: ResourceType, namespace: string | undefined, input: KubeObject): KubeObject {
    const metadata = { ...input.metadata };
    if (metadata.resourceVersion) throw apiErrors.badRequest('resourceVersion should not be set on objects to be created');
    if (!metadata.name && metadata.generateName) metadata.name = generateName(metadata.generateName);
    if (!metadata.name) {
      throw apiErrors.invalid(type, '', [{ reason: 'FieldValueRequired', field: 'metadata.name', message: 'name or generateName is required' }]);
    }
    if (type.namespaced) metadata.namespace = namespace;
    else delete metadata.namespace;
    metadata.uid = crypto.randomUUID();
    metadata.creationTimestamp = timestamp(now());
    delete metadata.deletionTimestamp;
    delete metadata.deletionGracePeriodSeconds;
    delete metadata.generation;
    const object: KubeObject = { ...input, apiVersion: apiVersionOf(type), kind: type.kind, metadata };
    if ('spec' in object) metadata.generation = 1;
    // A status is the controllers' and agents' to write; a create starts from none, as in Kubernetes.
    if (type.subresources.includes('status')) delete object.status;
    return object;
  }

  function checkIdentity(type: ResourceType, namespace: string | undefined, name: string | undefined, object: KubeObject): void {
    if (typeof object !== 'object' || object === null || typeof object.metadata !== 'object' || object.metadata === null) {
      throw apiErrors.badRequest('the object has no metadata');
    }
    if (object.apiVersion !== undefined && object.apiVersion !== apiVersionOf(type)) {
      throw apiErrors.badRequest(`the API version in the data (${String(object.apiVersion)}) does not match the expected API version (${apiVersionOf(type)})`);
    }
    if (object.kind !== undefined && object.kind !== type.kind) {
      throw apiErrors.badRequest(`the kind in the data (${String(object.kind)}) does not match the expected kind (${type.kind})`);
    }
    if (type.namespaced && object.metadata.namespace !== undefined && object.metadata.namespace !== '' && object.metadata.namespace !== namespace) {
      throw apiErrors.badRequest('the namespace of the provided object does not match the namespace sent on the request');
    }
    if (name !== undefined && object.metadata.name !== undefined && object.metadata.name !== name) {
      throw apiErrors.badRequest(`the name of the object (${object.metadata.name}) does not match the name on the URL (${name})`);
    }
  }

  async function create(type: ResourceType, namespace: string | undefined, input: KubeObject, opts: WriteOptions = {}): Promise<KubeObject> {
    checkIdentity(type, namespace, undefined, input);
    const prepared = prepareCreate(type, namespace, input);
    const defaulted = admission.defaults(type, prepared);
    const object = admission.mutate ? await admission.mutate({ operation: 'CREATE', type, object: defaulted, read: reader }) : defaulted;
    if (type.kind === 'Pod') object.status = initialPodStatus(object);
    const name = object.metadata.name!;
    const causes = admission.validateCreate(type, object);
    if (causes.length > 0) throw apiErrors.invalid(type, name, causes);
    await admission.admit?.({ operation: 'CREATE', type, object, read: reader });
    await checkNamespace(type, namespace, name);
    const settle = await allocateFor(type, object, undefined);
    if (opts.dryRun) return settle(false), object;
    try {
      const written = await kv.create(objectKey(type, namespace, name), encodeObject(object));
      settle(true);
      return withRevision(object, written.modRevision);
    } catch (error) {
      settle(false);
      throw translate(error, type, name);
    }
  }

  /** A Service's cluster IP and node ports, given out before it is written; the rest need none. */
  async function allocateFor(type: ResourceType, object: KubeObject, old: KubeObject | undefined): Promise<(landed: boolean) => void> {
    if (type.kind !== 'Service' || !options.services) return () => undefined;
    if (old) options.services.forget();
    const outcome = await options.services.allocate(object, old);
    if (Array.isArray(outcome)) throw apiErrors.invalid(type, object.metadata.name!, outcome);
    return outcome;
  }

  function prepareUpdate(type: ResourceType, input: KubeObject, current: KubeObject, subresource: UpdateOptions['subresource']): KubeObject {
    let next: KubeObject;
    if (subresource === 'binding' || subresource === 'finalize') {
      const field = subresource === 'binding' ? 'nodeName' : 'finalizers';
      const spec = { ...((current.spec ?? {}) as Record<string, unknown>), [field]: ((input.spec ?? {}) as Record<string, unknown>)[field] };
      return { ...current, metadata: { ...current.metadata }, spec };
    }
    if (subresource === 'status') {
      next = { ...current, metadata: { ...current.metadata } };
      if (input.status === undefined) delete next.status;
      else next.status = input.status;
      // Labels and annotations may change through /status too, as in Kubernetes.
      if (input.metadata.labels !== undefined) next.metadata.labels = input.metadata.labels;
      if (input.metadata.annotations !== undefined) next.metadata.annotations = input.metadata.annotations;
      return next;
    }
    next = { ...input, apiVersion: apiVersionOf(type), kind: type.kind, metadata: preserveSystemFields(input.metadata, current.metadata) };
    if (type.subresources.includes('status')) {
      if (current.status === undefined) delete next.status;
      else next.status = current.status;
    }
    if (admission.carryOver) next = admission.carryOver(type, next, current);
    next = admission.defaults(type, next);
    if (current.metadata.generation !== undefined && specChanged(next, current)) next.metadata.generation = current.metadata.generation + 1;
    return next;
  }

  async function writeUpdate(type: ResourceType, namespace: string | undefined, name: string, next: KubeObject, current: KubeObject, revision: number, opts: UpdateOptions): Promise<KubeObject> {
    const exempt = opts.subresource === 'binding' || opts.subresource === 'finalize';
    const causes = exempt ? [] : admission.validateUpdate(type, next, current);
    if (causes.length > 0) throw apiErrors.invalid(type, name, causes);
    if (!opts.subresource) await admission.admit?.({ operation: 'UPDATE', type, object: next, old: current, read: reader });
    const settle = exempt || opts.subresource === 'status' ? () => undefined : await allocateFor(type, next, current);
    if (opts.dryRun) return settle(false), { ...next, metadata: { ...next.metadata, resourceVersion: current.metadata.resourceVersion } };
    const key = objectKey(type, namespace, name);
    try {
      if (readyToRemove(type, next)) {
        const gone = await kv.delete(key, revision);
        settle(false);
        return decodeObject(encodeObject(next), gone.deleteRevision);
      }
      const written = await kv.update(key, encodeObject(next), revision);
      settle(true);
      return withRevision(next, written.modRevision);
    } catch (error) {
      settle(false);
      throw translate(error, type, name);
    }
  }

  async function update(type: ResourceType, namespace: string | undefined, name: string, input: KubeObject, opts: UpdateOptions = {}): Promise<KubeObject> {
    checkIdentity(type, namespace, name, input);
    const { object: current, kv: stored } = await read(type, namespace, name);
    const wanted = input.metadata.resourceVersion;
    if (wanted && wanted !== current.metadata.resourceVersion) throw apiErrors.conflict(type, name);
    const next = prepareUpdate(type, input, current, opts.subresource);
    return writeUpdate(type, namespace, name, next, current, stored.modRevision, opts);
  }

  async function mutate(type: ResourceType, namespace: string | undefined, name: string, change: (current: KubeObject) => KubeObject, opts: UpdateOptions = {}): Promise<KubeObject> {
    for (let attempt = 1; ; attempt++) {
      const { object: current, kv: stored } = await read(type, namespace, name);
      const input = change(structuredClone(current));
      checkIdentity(type, namespace, name, input);
      const pinned = input.metadata.resourceVersion !== current.metadata.resourceVersion ? input.metadata.resourceVersion : undefined;
      if (pinned) throw apiErrors.conflict(type, name);
      const next = prepareUpdate(type, input, current, opts.subresource);
      try {
        return await writeUpdate(type, namespace, name, next, current, stored.modRevision, opts);
      } catch (error) {
        if (error instanceof ApiError && error.reason === 'Conflict' && attempt < MUTATE_ATTEMPTS) continue;
        throw error;
      }
    }
  }

  async function remove(type: ResourceType, namespace: string | undefined, name: string, opts: DeleteOptions = {}): Promise<{ object: KubeObject; deleted: boolean }> {
    for (let attempt = 1; ; attempt++) {
      const { object: current, kv: stored } = await read(type, namespace, name);
      checkPreconditions(type, name, current, opts.preconditions);
      const next = deletionOf(type, current, opts, now());
      try {
        if (next === 'now') {
          if (opts.dryRun) return { object: current, deleted: true };
          const gone = await kv.delete(objectKey(type, namespace, name), stored.modRevision);
          if (type.kind === 'Service') options.services?.forget();
          return { object: decodeObject(gone.value, gone.deleteRevision), deleted: true };
        }
        if (next === current) return { object: current, deleted: false };
        if (opts.dryRun) return { object: next, deleted: false };
        const written = await kv.update(objectKey(type, namespace, name), encodeObject(next), stored.modRevision);
        return { object: decodeObject(written.value, written.modRevision), deleted: false };
      } catch (error) {
        const translated = translate(error, type, name);
        if (translated.reason === 'Conflict' && attempt < MUTATE_ATTEMPTS) continue;
        throw translated;
      }
    }
  }

  async function list(type: ResourceType, namespace: string | undefined, query: ListQuery = {}): Promise<ObjectList> {
    const prefix = listPrefix(type, namespace);
    const revision = listRevision(query);
    const limit = query.limit && query.limit > 0 ? query.limit : 0;
    const items: KubeObject[] = [];
    let token = query.continue || undefined;
    try {
      for (;;) {
        const want = limit > 0 ? limit - items.length : 0;
        const page = await kv.list(prefix, { limit: want, continue: token, revision: token ? undefined : revision });
        for (const entry of page.items) {
          const object = decodeObject(entry.value, entry.modRevision);
          if (!query.filter || query.filter(object)) items.push(object);
        }
        token = page.continue;
        if (!token || (limit > 0 && items.length >= limit)) return { items, resourceVersion: String(page.revision), ...(token ? { continue: token } : {}) };
      }
    } catch (error) {
      throw translate(error, type, '', query.continue ? 'continue' : 'list');
    }
  }

  async function watch(type: ResourceType, namespace: string | undefined, query: WatchQuery = {}): Promise<ObjectWatch> {
    const prefix = listPrefix(type, namespace);
    const rv = query.resourceVersion;
    let initial: ObjectEvent[] = [];
    let after: number;
    if (!rv || rv === '0') {
      const current = await list(type, namespace, { filter: query.filter });
      after = Number(current.resourceVersion);
      initial = current.items.map((object) => ({ type: 'ADDED', object, revision: Number(object.metadata.resourceVersion) }));
    } else {
      after = parseRevision(rv, 'resourceVersion');
    }
    let source;
    try {
      source = kv.watch(prefix, { afterRevision: after });
    } catch (error) {
      throw translate(error, type, '', 'watch');
    }
    const filter = query.filter;
    return {
      close: () => source.close(),
      initialCount: initial.length,
      startRevision: after,
      async *[Symbol.asyncIterator]() {
        yield* initial;
        try {
          for await (const event of source) {
            const translated = toObjectEvent(event, filter);
            if (translated) yield translated;
          }
        } catch (error) {
          throw translate(error, type, '', 'watch');
        }
      },
    };
  }

  return {
    get: async (type, namespace, name) => (await read(type, namespace, name)).object,
    list,
    create,
    update,
    mutate,
    delete: remove,
    watch,
    currentRevision: () => kv.currentRevision(),
  };
}

/** The object as written, with the revision it got: no need to parse back what was just encoded. */
function withRevision(object: KubeObject, revision: number): KubeObject {
  return { ...object, metadata: { ...object.metadata, resourceVersion: String(revision) } };
}

function listRevision(query: ListQuery): number | undefined {
  const rv = query.resourceVersion;
  if (!rv || rv === '0' || query.continue) return undefined;
  const revision = parseRevision(rv, 'resourceVersion');
  // "NotOlderThan" (the default for a set resourceVersion) is met by the newest state.
  return query.resourceVersionMatch === 'Exact' ? revision : undefined;
}

function parseRevision(text: string, field: string): number {
  const revision = Number(text);
  if (!/^\d+$/.test(text) || !Number.isSafeInteger(revision)) throw apiErrors.badRequest(`invalid ${field}: ${JSON.stringify(text)} is not a resource version`);
  return revision;
}

function checkPreconditions(type: ResourceType, name: string, current: KubeObject, preconditions: DeleteOptions['preconditions']): void {
  if (preconditions?.uid && preconditions.uid !== current.metadata.uid) {
    throw apiErrors.conflict(type, name, `Precondition failed: UID in precondition: ${preconditions.uid}, UID in object meta: ${current.metadata.uid}`);
  }
  if (preconditions?.resourceVersion && preconditions.resourceVersion !== current.metadata.resourceVersion) {
    throw apiErrors.conflict(type, name, `Precondition failed: ResourceVersion in precondition: ${preconditions.resourceVersion}, ResourceVersion in object meta: ${current.metadata.resourceVersion}`);
  }
}

/**
 * What a delete does to the object now: remove it ('now'), or mark it deleting and leave
 * the rest to finalizers (namespace contents, foreground dependents, orphaning) or, for a
 * pod that runs on a node, to that node's agent within the grace period.
 */
function deletionOf(type: ResourceType, current: KubeObject, opts: DeleteOptions, at: Date): KubeObject | 'now' {
  const finalizers = [...(current.metadata.finalizers ?? [])];
  const policy = opts.propagationPolicy;
  if (policy === 'Foreground' && !finalizers.includes('foregroundDeletion')) finalizers.push('foregroundDeletion');
  if (policy === 'Orphan' && !finalizers.includes('orphan')) finalizers.push('orphan');
  const spec = (current.spec ?? {}) as Record<string, unknown>;
  const namespaceFinalizers = type.kind === 'Namespace' && Array.isArray(spec.finalizers) && spec.finalizers.length > 0;
  const grace = podGrace(type, current, opts);
  if (finalizers.length === 0 && !namespaceFinalizers && grace === 0) return 'now';
  if (current.metadata.deletionTimestamp) {
    const same = finalizers.length === (current.metadata.finalizers ?? []).length;
    // A second delete may shorten a pod's grace period (kubectl delete --grace-period=0 --force), never lengthen it.
    const shorter = type.kind === 'Pod' && opts.gracePeriodSeconds !== undefined && grace < (current.metadata.deletionGracePeriodSeconds ?? 0);
    if (same && !shorter) return current;
    const metadata: ObjectMeta = { ...current.metadata, finalizers };
    if (finalizers.length === 0) delete metadata.finalizers;
    if (shorter) {
      metadata.deletionGracePeriodSeconds = grace;
      metadata.deletionTimestamp = timestamp(new Date(at.getTime() + grace * 1000));
    }
    return { ...current, metadata };
  }
  const metadata: ObjectMeta = { ...current.metadata, finalizers, deletionTimestamp: timestamp(new Date(at.getTime() + grace * 1000)), deletionGracePeriodSeconds: grace };
  if (finalizers.length === 0) delete metadata.finalizers;
  const next: KubeObject = { ...current, metadata };
  if (type.kind === 'Namespace') next.status = { ...((current.status ?? {}) as object), phase: 'Terminating' };
  return next;
}

/** A pod bound to a node stops gracefully there; an unbound one, or a forced delete, goes at once. */
function podGrace(type: ResourceType, pod: KubeObject, opts: DeleteOptions): number {
  if (type.kind !== 'Pod') return 0;
  const spec = (pod.spec ?? {}) as { nodeName?: string; terminationGracePeriodSeconds?: number };
  if (!spec.nodeName) return 0;
  const status = (pod.status ?? {}) as { phase?: string };
  if (status.phase === 'Succeeded' || status.phase === 'Failed') return 0;
  const grace = opts.gracePeriodSeconds ?? spec.terminationGracePeriodSeconds ?? 30;
  return Math.max(0, grace);
}

/** An object being deleted goes once its last finalizer is removed. */
function readyToRemove(type: ResourceType, object: KubeObject): boolean {
  if (!object.metadata.deletionTimestamp) return false;
  if ((object.metadata.finalizers ?? []).length > 0) return false;
  if (type.kind === 'Namespace') {
    const spec = (object.spec ?? {}) as { finalizers?: unknown[] };
    if ((spec.finalizers ?? []).length > 0) return false;
  }
  if (type.kind === 'Pod' && (object.metadata.deletionGracePeriodSeconds ?? 0) > 0) return false;
  return true;
}

function toObjectEvent(event: StoreEvent, filter: Filter | undefined): ObjectEvent | undefined {
  const object = decodeObject(event.value, event.modRevision);
  const revision = event.modRevision;
  if (event.type === 'delete') return !filter || filter(object) ? { type: 'DELETED', object, revision } : undefined;
  if (!filter) return { type: event.type === 'create' ? 'ADDED' : 'MODIFIED', object, revision };
  const now = filter(object);
  const before = event.type === 'update' && event.prevValue ? filter(decodeObject(event.prevValue, event.modRevision)) : false;
  if (now && before) return { type: 'MODIFIED', object, revision };
  if (now) return { type: 'ADDED', object, revision };
  if (before) return { type: 'DELETED', object: decodeObject(event.prevValue!, event.modRevision), revision };
  return undefined;
}

function translate(error: unknown, type: ResourceType, name: string, during: 'list' | 'continue' | 'watch' | 'write' = 'write'): ApiError {
  if (error instanceof ApiError) return error;
  if (isSkerryError(error, 'KEY_EXISTS')) return apiErrors.alreadyExists(type, name);
  if (isSkerryError(error, 'KEY_NOT_FOUND')) return apiErrors.notFound(type, name);
  if (isSkerryError(error, 'REVISION_CONFLICT')) return apiErrors.conflict(type, name);
  if (isSkerryError(error, 'CONTINUE_INVALID')) return apiErrors.badRequest('continue key is not valid: the token was not issued by this server');
  if (isSkerryError(error, 'REVISION_COMPACTED')) {
    return during === 'continue'
      ? apiErrors.gone('The provided continue parameter is too old to display a consistent list result. You can start a new list without the continue parameter.')
      : apiErrors.gone(`too old resource version: ${String(error.details.revision ?? '')} (${String(error.details.compactRevision ?? '')})`);
  }
  if (isSkerryError(error, 'REVISION_FUTURE')) return new ApiError(504, 'Timeout', 'Too large resource version', { retryAfterSeconds: 1 });
  if (isSkerryError(error, 'WATCH_TOO_SLOW')) return new ApiError(410, 'Expired', 'the watch fell too far behind and was closed; list again');
  return apiErrors.internal(error instanceof Error ? error.message : String(error));
}
