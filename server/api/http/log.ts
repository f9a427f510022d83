// GET pods/<name>/log: PodLogOptions checked as the apiserver checks them, the pod's
// container chosen as it chooses, then the node's CRI log streamed through the tunnel.
import { once } from 'node:events';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { LogStreamOptions } from '../../../common/sync/index.ts';
import { ApiError } from '../errors.ts';
import type { StatusCause } from '../objects/index.ts';
import { booleanParam, integerParam } from './query.ts';
import type { ResourceRequest } from './request-info.ts';
import type { ResourceContext } from './resources.ts';
import { podContainer, podNode, streamsOf } from './pod-target.ts';
import type { NodeStream } from './streams.ts';

export async function serveLog(ctx: ResourceContext, req: IncomingMessage, res: ServerResponse, url: URL, r: ResourceRequest): Promise<void> {
  const name = r.name!;
  const options = logOptionsOf(url.searchParams, name);
  const pod = await ctx.objects.get(r.type, r.namespace, name);
  const container = podContainer(pod, url.searchParams.get('container') ?? '');
  const node = podNode(pod);
  // As the apiserver does: a pod not yet on a node has no log, and that is not an error.
  if (!node) return void startBody(res).end();
  const stream = await streamsOf(ctx).open(node, { kind: 'logs', namespace: r.namespace!, pod: name, container, logs: options });
  await relay(stream, res);
}

/** PodLogOptions from the query, or a 422 naming each bad field (ValidatePodLogOptions). */
export function logOptionsOf(params: URLSearchParams, name: string): LogStreamOptions {
  const options: LogStreamOptions = { follow: booleanParam(params, 'follow'), previous: booleanParam(params, 'previous'), timestamps: booleanParam(params, 'timestamps') };
  const causes: StatusCause[] = [];
  const bad = (field: string, value: unknown, why: string) => causes.push({ reason: 'FieldValueInvalid', field, message: `Invalid value: ${JSON.stringify(value)}: ${why}` });
  const tailLines = integerParam(params, 'tailLines');
  const limitBytes = integerParam(params, 'limitBytes');
  const sinceSeconds = integerParam(params, 'sinceSeconds');
  const sinceTime = params.get('sinceTime') || undefined;
  if (tailLines !== undefined) tailLines < 0 ? bad('tailLines', tailLines, 'must be greater than or equal to 0') : (options.tailLines = tailLines);
  if (limitBytes !== undefined) limitBytes < 1 ? bad('limitBytes', limitBytes, 'must be greater than 0') : (options.limitBytes = limitBytes);
  if (sinceSeconds !== undefined) sinceSeconds < 1 ? bad('sinceSeconds', sinceSeconds, 'must be greater than 0') : (options.sinceSeconds = sinceSeconds);
  if (sinceTime !== undefined) Number.isNaN(Date.parse(sinceTime)) ? bad('sinceTime', sinceTime, 'must be an RFC 3339 time') : (options.sinceTime = new Date(sinceTime).toISOString());
  if (sinceSeconds !== undefined && sinceTime !== undefined) causes.push({ reason: 'FieldValueForbidden', field: 'sinceSeconds', message: 'Forbidden: at most one of `sinceTime` or `sinceSeconds` may be specified' });
  if (causes.length > 0) throw invalidOptions(name, causes);
  return options;
}

function invalidOptions(name: string, causes: StatusCause[]): ApiError {
  const list = causes.map((c) => `${c.field}: ${c.message}`).join(', ');
  return new ApiError(422, 'Invalid', `PodLogOptions "${name}" is invalid: ${causes.length === 1 ? list : `[${list}]`}`, { name, kind: 'PodLogOptions', causes });
}

function startBody(res: ServerResponse): ServerResponse {
  res.writeHead(200, { 'Content-Type': 'text/plain', 'Cache-Control': 'no-cache, private' });
  return res;
}

/**
 * The log bytes, as fast as the client reads them. A failure after the first byte can only
 * end the body (the status line is gone), as with the kubelet behind an apiserver.
 */
async function relay(stream: NodeStream, res: ServerResponse): Promise<void> {
  const gone = () => stream.cancel();
  res.on('close', gone);
  startBody(res).flushHeaders();
  try {
    for await (const frame of stream.frames) {
      if (frame.type === 'status') break;
      if (frame.type !== 'stdout' && frame.type !== 'stderr') continue;
      if (!res.write(frame.data)) await Promise.race([once(res, 'drain'), once(res, 'close')]);
      if (res.destroyed) break;
    }
  } finally {
    res.off('close', gone);
    stream.cancel();
    if (!res.destroyed) res.end();
  }
}
