import type { IncomingMessage, ServerResponse } from 'node:http';
import { apiVersionOf, type ResourceType } from '../catalog/index.ts';
import { apiErrors } from '../errors.ts';
import type { DeleteOptions, KubeObject, ObjectStore } from '../objects/index.ts';
import { applyPatch, PatchError, patchTypeOf } from '../patch/index.ts';
import { toTable, wantsTable } from '../table/index.ts';
import { isMediaType, parseBody, readBody } from './body.ts';
import { booleanParam, dryRunParam, fieldValidationParam, filterOf, includeObjectOf, integerParam } from './query.ts';
import type { ResourceRequest } from './request-info.ts';
import { sendObject, successStatus } from './respond.ts';
import { fromScale, toScale } from './scale.ts';
import { serveWatch } from './watch.ts';
import { serveLog } from './log.ts';
import { serveExecWithoutUpgrade } from './exec.ts';
import type { PodStreams } from './streams.ts';

export interface ResourceContext {
  objects: ObjectStore;
  now: () => Date;
  /** How often an idle watch gets a BOOKMARK when it asked for them. */
  bookmarkIntervalMs: number;
  /** Reaches nodes for pods' log and exec; absent, those answer 503. */
  streams?: PodStreams;
}

type Handler = (ctx: ResourceContext, req: IncomingMessage, res: ServerResponse, url: URL, r: ResourceRequest) => Promise<void>;

/** Dispatches one resource request by method and by what the path names. */
export async function serveResource(ctx: ResourceContext, req: IncomingMessage, res: ServerResponse, url: URL, r: ResourceRequest): Promise<void> {
  const method = req.method ?? 'GET';
  const target = r.name === undefined ? 'collection' : r.subresource === undefined ? 'object' : r.subresource;
  const handler = HANDLERS[`${method} ${target}`] ?? (method === 'HEAD' ? HANDLERS[`GET ${target}`] : undefined);
  if (!handler) throw apiErrors.methodNotAllowed(method, r.subresource ? `${r.type.resource}/${r.subresource}` : r.type.resource);
  await handler(ctx, req, res, url, r);
}

const HANDLERS: Record<string, Handler> = {
  'GET collection': listOrWatch,
  'POST collection': create,
  'DELETE collection': deleteCollection,
  'GET object': get,
  'PUT object': (ctx, req, res, url, r) => replace(ctx, req, res, url, r),
  'PATCH object': (ctx, req, res, url, r) => patch(ctx, req, res, url, r),
  'DELETE object': remove,
  'GET status': get,
  'PUT status': (ctx, req, res, url, r) => replace(ctx, req, res, url, r, 'status'),
  'PATCH status': (ctx, req, res, url, r) => patch(ctx, req, res, url, r, 'status'),
  'GET scale': getScale,
  'PUT scale': replaceScale,
  'PATCH scale': patchScale,
  'POST binding': bind,
  'PUT finalize': finalizeNamespace,
  'POST eviction': evict,
  'GET log': serveLog,
  'GET exec': serveExecWithoutUpgrade,
  'POST exec': serveExecWithoutUpgrade,
};

function sendMaybeTable(ctx: ResourceContext, req: IncomingMessage, res: ServerResponse, url: URL, type: ResourceType, code: number, object: KubeObject): void {
  const table = wantsTable(req.headers.accept);
  if (!table) return sendObject(res, code, object);
  const options = { now: ctx.now(), includeObject: includeObjectOf(url), version: table.version };
  sendObject(res, code, toTable(type.kind, [object], options, { resourceVersion: object.metadata.resourceVersion }));
}

async function get(ctx: ResourceContext, req: IncomingMessage, res: ServerResponse, url: URL, r: ResourceRequest): Promise<void> {
  const object = await ctx.objects.get(r.type, r.namespace, r.name!);
  sendMaybeTable(ctx, req, res, url, r.type, 200, object);
}

async function listOrWatch(ctx: ResourceContext, req: IncomingMessage, res: ServerResponse, url: URL, r: ResourceRequest): Promise<void> {
  const params = url.searchParams;
  const filter = filterOf(params, r.type);
  if (booleanParam(params, 'watch')) return serveWatch(ctx, req, res, url, r, filter);
  const limit = integerParam(params, 'limit');
  const list = await ctx.objects.list(r.type, r.namespace, {
    filter,
    limit: limit && limit > 0 ? limit : undefined,
    continue: params.get('continue') ?? undefined,
    resourceVersion: params.get('resourceVersion') ?? undefined,
    resourceVersionMatch: params.get('resourceVersionMatch') ?? undefined,
  });
  const metadata: Record<string, unknown> = { resourceVersion: list.resourceVersion };
  if (list.continue) metadata.continue = list.continue;
  const table = wantsTable(req.headers.accept);
  if (table) {
    const options = { now: ctx.now(), includeObject: includeObjectOf(url), version: table.version };
    return sendObject(res, 200, toTable(r.type.kind, list.items, options, metadata as { resourceVersion?: string; continue?: string }));
  }
  sendObject(res, 200, { kind: `${r.type.kind}List`, apiVersion: apiVersionOf(r.type), metadata, items: list.items });
}

async function readObject(req: IncomingMessage): Promise<KubeObject> {
  const body = await readBody(req);
  const contentType = req.headers['content-type'];
  if (contentType && !isMediaType(contentType, 'application/json', 'application/yaml', 'text/yaml', '*/*')) throw apiErrors.unsupportedMediaType(contentType);
  const value = parseBody(body, contentType);
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw apiErrors.badRequest('the body of the request must be a JSON object');
  const object = value as KubeObject;
  if (object.metadata === undefined) object.metadata = {};
  if (typeof object.metadata !== 'object' || object.metadata === null || Array.isArray(object.metadata)) {
    throw apiErrors.badRequest('metadata: must be an object');
  }
  return object;
}

async function create(ctx: ResourceContext, req: IncomingMessage, res: ServerResponse, url: URL, r: ResourceRequest): Promise<void> {
  fieldValidationParam(url.searchParams);
  const dryRun = dryRunParam(url.searchParams);
  const input = await readObject(req);
  const created = await ctx.objects.create(r.type, r.namespace, input, { dryRun });
  sendMaybeTable(ctx, req, res, url, r.type, 201, created);
}

async function replace(ctx: ResourceContext, req: IncomingMessage, res: ServerResponse, url: URL, r: ResourceRequest, subresource?: 'status'): Promise<void> {
  fieldValidationParam(url.searchParams);
  const dryRun = dryRunParam(url.searchParams);
  const input = await readObject(req);
  const updated = await ctx.objects.update(r.type, r.namespace, r.name!, input, { dryRun, subresource });
  sendMaybeTable(ctx, req, res, url, r.type, 200, updated);
}

async function readPatch(req: IncomingMessage): Promise<{ type: 'merge' | 'json' | 'strategic'; body: unknown }> {
  const contentType = req.headers['content-type'];
  const type = patchTypeOf(contentType);
  if (!type || type === 'apply') throw apiErrors.unsupportedMediaType(contentType ?? '(none)');
  const body = parseBody(await readBody(req), 'application/json');
  return { type, body };
}

function patched(r: ResourceRequest, patch: { type: 'merge' | 'json' | 'strategic'; body: unknown }, current: KubeObject): KubeObject {
  try {
    return applyPatch(patch.type, current, patch.body, r.type.kind);
  } catch (error) {
    if (error instanceof PatchError) {
      if (error.code === 415) throw apiErrors.unsupportedMediaType(`strategic merge patch for ${r.type.kind}`);
      if (error.code === 422) throw apiErrors.invalid(r.type, r.name!, [{ reason: 'FieldValueInvalid', field: 'patch', message: error.message }]);
      throw apiErrors.badRequest(error.message);
    }
    throw error;
  }
}

async function patch(ctx: ResourceContext, req: IncomingMessage, res: ServerResponse, url: URL, r: ResourceRequest, subresource?: 'status'): Promise<void> {
  fieldValidationParam(url.searchParams);
  const dryRun = dryRunParam(url.searchParams);
  const body = await readPatch(req);
  const updated = await ctx.objects.mutate(r.type, r.namespace, r.name!, (current) => patched(r, body, current), { dryRun, subresource });
  sendMaybeTable(ctx, req, res, url, r.type, 200, updated);
}

async function deleteOptionsOf(req: IncomingMessage, url: URL): Promise<DeleteOptions> {
  const params = url.searchParams;
  const body = await readBody(req);
  const fromBody = body.length > 0 ? (parseBody(body, req.headers['content-type']) as Record<string, unknown>) : {};
  if (typeof fromBody !== 'object' || fromBody === null || Array.isArray(fromBody)) throw apiErrors.badRequest('DeleteOptions must be a JSON object');
  const options: DeleteOptions = {};
  const policy = params.get('propagationPolicy') ?? (fromBody.propagationPolicy as string | undefined);
  if (policy !== undefined && policy !== null) {
    if (policy !== 'Foreground' && policy !== 'Background' && policy !== 'Orphan') {
      throw apiErrors.badRequest(`propagationPolicy: Unsupported value: "${policy}": supported values: "Foreground", "Background", "Orphan"`);
    }
    options.propagationPolicy = policy;
  }
  if (params.get('orphanDependents') === 'true' || fromBody.orphanDependents === true) options.propagationPolicy ??= 'Orphan';
  const grace = integerParam(params, 'gracePeriodSeconds') ?? (fromBody.gracePeriodSeconds as number | undefined);
  if (grace !== undefined && grace !== null) options.gracePeriodSeconds = Number(grace);
  const preconditions = fromBody.preconditions as DeleteOptions['preconditions'] | undefined;
  if (preconditions && typeof preconditions === 'object') options.preconditions = preconditions;
  const dry = Array.isArray(fromBody.dryRun) && fromBody.dryRun.includes('All');
  options.dryRun = dryRunParam(params) || dry;
  return options;
}

async function remove(ctx: ResourceContext, req: IncomingMessage, res: ServerResponse, url: URL, r: ResourceRequest): Promise<void> {
  const options = await deleteOptionsOf(req, url);
  const { object, deleted } = await ctx.objects.delete(r.type, r.namespace, r.name!, options);
  if (!deleted) return sendObject(res, 200, object);
  const details: Record<string, unknown> = { name: r.name, kind: r.type.resource, uid: object.metadata.uid };
  if (r.type.group) details.group = r.type.group;
  sendObject(res, 200, successStatus(details));
}

async function deleteCollection(ctx: ResourceContext, req: IncomingMessage, res: ServerResponse, url: URL, r: ResourceRequest): Promise<void> {
  if (!r.type.verbs.includes('deletecollection')) throw apiErrors.methodNotAllowed('DELETE', r.type.resource);
  const options = await deleteOptionsOf(req, url);
  const list = await ctx.objects.list(r.type, r.namespace, { filter: filterOf(url.searchParams, r.type) });
  const items: KubeObject[] = [];
  for (const object of list.items) {
    try {
      items.push((await ctx.objects.delete(r.type, object.metadata.namespace, object.metadata.name!, options)).object);
    } catch (error) {
      if (!(error instanceof Error && 'code' in error && (error as { code: number }).code === 404)) throw error;
    }
  }
  sendObject(res, 200, { kind: `${r.type.kind}List`, apiVersion: apiVersionOf(r.type), metadata: { resourceVersion: String(await ctx.objects.currentRevision()) }, items });
}

async function getScale(ctx: ResourceContext, _req: IncomingMessage, res: ServerResponse, _url: URL, r: ResourceRequest): Promise<void> {
  sendObject(res, 200, toScale(await ctx.objects.get(r.type, r.namespace, r.name!)));
}

async function replaceScale(ctx: ResourceContext, req: IncomingMessage, res: ServerResponse, url: URL, r: ResourceRequest): Promise<void> {
  const dryRun = dryRunParam(url.searchParams);
  const scale = await readObject(req);
  const updated = await ctx.objects.mutate(r.type, r.namespace, r.name!, (current) => fromScale(r.type, current, scale), { dryRun });
  sendObject(res, 200, toScale(updated));
}

async function patchScale(ctx: ResourceContext, req: IncomingMessage, res: ServerResponse, url: URL, r: ResourceRequest): Promise<void> {
  const dryRun = dryRunParam(url.searchParams);
  const body = await readPatch(req);
  const updated = await ctx.objects.mutate(
    r.type,
    r.namespace,
    r.name!,
    (current) => {
      const scale = toScale(current) as KubeObject;
      const next = applyScalePatch(body, scale);
      return fromScale(r.type, current, next);
    },
    { dryRun },
  );
  sendObject(res, 200, toScale(updated));
}

function applyScalePatch(body: { type: 'merge' | 'json' | 'strategic'; body: unknown }, scale: KubeObject): KubeObject {
  try {
    // A Scale has no merge keys: strategic merge is a plain merge on it.
    return applyPatch(body.type === 'strategic' ? 'merge' : body.type, scale, body.body, 'Scale');
  } catch (error) {
    if (error instanceof PatchError) throw apiErrors.badRequest(error.message);
    throw error;
  }
}

async function bind(ctx: ResourceContext, req: IncomingMessage, res: ServerResponse, _url: URL, r: ResourceRequest): Promise<void> {
  const binding = await readObject(req);
  const target = (binding as { target?: { kind?: string; name?: string } }).target;
  if (!target?.name) throw apiErrors.invalid(r.type, r.name!, [{ reason: 'FieldValueRequired', field: 'target.name', message: 'Required value' }]);
  if (target.kind && target.kind !== 'Node') throw apiErrors.invalid(r.type, r.name!, [{ reason: 'FieldValueNotSupported', field: 'target.kind', message: `Unsupported value: "${target.kind}": supported values: "Node"` }]);
  await ctx.objects.mutate(r.type, r.namespace, r.name!, (pod) => {
    const spec = (pod.spec ?? {}) as Record<string, unknown>;
    if (pod.metadata.deletionTimestamp) throw apiErrors.conflict(r.type, r.name!, 'pod is being deleted, cannot be assigned to a host');
    if (spec.nodeName) throw apiErrors.conflict(r.type, r.name!, `pod ${r.name} is already assigned to node "${String(spec.nodeName)}"`);
    return { ...pod, spec: { ...spec, nodeName: target.name } };
  }, { subresource: 'binding' });
  sendObject(res, 201, successStatus({}));
}

async function finalizeNamespace(ctx: ResourceContext, req: IncomingMessage, res: ServerResponse, _url: URL, r: ResourceRequest): Promise<void> {
  const input = await readObject(req);
  const finalizers = ((input.spec ?? {}) as { finalizers?: unknown }).finalizers;
  const updated = await ctx.objects.mutate(r.type, undefined, r.name!, (ns) => ({ ...ns, spec: { ...((ns.spec ?? {}) as object), finalizers: Array.isArray(finalizers) ? finalizers : [] } }), { subresource: 'finalize' });
  sendObject(res, 200, updated);
}

async function evict(ctx: ResourceContext, req: IncomingMessage, res: ServerResponse, _url: URL, r: ResourceRequest): Promise<void> {
  const eviction = await readObject(req);
  const options = ((eviction as { deleteOptions?: DeleteOptions }).deleteOptions ?? {}) as DeleteOptions;
  await ctx.objects.delete(r.type, r.namespace, r.name!, options);
  sendObject(res, 201, successStatus({}));
}
