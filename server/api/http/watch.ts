import type { IncomingMessage, ServerResponse } from 'node:http';
import { apiVersionOf } from '../catalog/index.ts';
import { ApiError, apiErrors } from '../errors.ts';
import type { Filter, KubeObject, ObjectWatch } from '../objects/index.ts';
import { toTable, wantsTable } from '../table/index.ts';
import { booleanParam, includeObjectOf, integerParam } from './query.ts';
import type { ResourceRequest } from './request-info.ts';
import type { ResourceContext } from './resources.ts';

/**
 * `?watch=true`: newline-delimited `{"type","object"}` events. Headers go out at once, or
 * `kubectl rollout status` and informers wait for a first event that may never come. A watch
 * the store cannot serve (a compacted revision) is answered as Kubernetes does: 200, then
 * one ERROR event carrying a 410 Status, which tells clients to list again.
 */
export async function serveWatch(ctx: ResourceContext, req: IncomingMessage, res: ServerResponse, url: URL, r: ResourceRequest, filter: Filter | undefined): Promise<void> {
  const params = url.searchParams;
  const bookmarks = booleanParam(params, 'allowWatchBookmarks');
  const initialEvents = booleanParam(params, 'sendInitialEvents');
  const timeoutSeconds = integerParam(params, 'timeoutSeconds');
  const table = wantsTable(req.headers.accept);
  const includeObject = includeObjectOf(url);
  let resourceVersion = params.get('resourceVersion') ?? undefined;
  if (initialEvents) resourceVersion = undefined;
  if (r.name !== undefined) filter = byName(r.name, filter);

  let watch: ObjectWatch | undefined;
  let failure: ApiError | undefined;
  try {
    watch = await ctx.objects.watch(r.type, r.namespace, { filter, resourceVersion });
  } catch (error) {
    if (!(error instanceof ApiError) || error.code !== 410) throw error;
    failure = error;
  }
  res.writeHead(200, { 'Content-Type': 'application/json', 'Cache-Control': 'no-cache, private', 'Transfer-Encoding': 'chunked' });
  res.flushHeaders();
  if (failure || !watch) {
    res.end(line('ERROR', failure!.toStatus()));
    return;
  }
  // As kube-apiserver does, only the first Table of a watch carries the column definitions.
  let headersSent = false;
  const render = (object: KubeObject): unknown => {
    if (!table) return object;
    const converted = toTable(r.type.kind, [object], { now: ctx.now(), includeObject, version: table.version, noHeaders: headersSent });
    headersSent = true;
    return converted;
  };

  let lastRevision = Number(resourceVersion ?? 0) || 0;
  const bookmark = (annotations?: Record<string, string>) => {
    const metadata: Record<string, unknown> = { resourceVersion: String(lastRevision) };
    if (annotations) metadata.annotations = annotations;
    res.write(line('BOOKMARK', { kind: r.type.kind, apiVersion: apiVersionOf(r.type), metadata }));
  };
  const timers: NodeJS.Timeout[] = [];
  const stop = () => {
    watch!.close();
    for (const t of timers) clearTimeout(t);
  };
  res.on('close', stop);
  if (timeoutSeconds !== undefined && timeoutSeconds > 0) timers.push(setTimeout(() => { stop(); res.end(); }, timeoutSeconds * 1000));
  if (bookmarks) timers.push(setInterval(() => bookmark(), ctx.bookmarkIntervalMs));

  lastRevision = Math.max(lastRevision, watch.startRevision);
  let initialLeft = watch.initialCount;
  const endInitial = () => {
    if (initialEvents && bookmarks) bookmark({ 'k8s.io/initial-events-end': 'true' });
  };
  try {
    if (initialLeft === 0) endInitial();
    for await (const event of watch) {
      lastRevision = Math.max(lastRevision, event.revision);
      if (!res.write(line(event.type, render(event.object)))) await drained(res);
      if (res.destroyed) break;
      if (initialLeft > 0 && --initialLeft === 0) endInitial();
    }
  } catch (error) {
    const status = error instanceof ApiError ? error : apiErrors.internal(error instanceof Error ? error.message : String(error));
    if (!res.destroyed) res.write(line('ERROR', status.toStatus()));
  } finally {
    stop();
    if (!res.writableEnded) res.end();
  }
}

function line(type: string, object: unknown): string {
  return `${JSON.stringify({ type, object })}\n`;
}

function byName(name: string, filter: Filter | undefined): Filter {
  return (object) => object.metadata.name === name && (!filter || filter(object));
}

function drained(res: ServerResponse): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      res.off('drain', done);
      res.off('close', done);
      resolve();
    };
    res.on('drain', done);
    res.on('close', done);
  });
}
