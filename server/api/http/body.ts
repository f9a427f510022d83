import type { IncomingMessage } from 'node:http';
import { parse as parseYaml } from 'yaml';
import { apiErrors } from '../errors.ts';

/** Kubernetes caps a request body at 3 MiB (etcd's value limit plus headroom). */
export const MAX_BODY_BYTES = 3 * 1024 * 1024;
/** Deeper than any real object; a deeper body is an attack on recursive code downstream. */
export const MAX_DEPTH = 100;

export async function readBody(req: IncomingMessage, limit = MAX_BODY_BYTES): Promise<Buffer> {
  const declared = Number(req.headers['content-length'] ?? 0);
  if (declared > limit) {
    req.resume();
    throw apiErrors.tooLarge(limit);
  }
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > limit) {
      req.destroy();
      throw apiErrors.tooLarge(limit);
    }
    chunks.push(chunk);
  }
  return Buffer.concat(chunks);
}

/** The body as JSON data: JSON, or YAML for a YAML content type; bounded in depth and aliases. */
export function parseBody(body: Buffer, contentType: string | undefined): unknown {
  const media = (contentType ?? 'application/json').split(';')[0]!.trim().toLowerCase();
  let value: unknown;
  if (media === 'application/yaml' || media === 'application/apply-patch+yaml' || media === 'text/yaml') {
    try {
      // Few aliases are ever needed in a manifest; a bounded count stops "billion laughs".
      value = parseYaml(body.toString('utf8'), { maxAliasCount: 50, uniqueKeys: false, prettyErrors: false });
    } catch (error) {
      throw apiErrors.badRequest(`the body of the request could not be decoded as YAML: ${(error as Error).message.split('\n')[0]}`);
    }
  } else {
    try {
      value = JSON.parse(body.toString('utf8'));
    } catch (error) {
      throw apiErrors.badRequest(`the body of the request could not be decoded as JSON: ${(error as Error).message}`);
    }
  }
  if (depthOf(value) > MAX_DEPTH) throw apiErrors.badRequest(`the body of the request is nested deeper than ${MAX_DEPTH} levels`);
  return value;
}

/** Nesting depth, measured without recursion so that the measuring cannot overflow. */
function depthOf(root: unknown): number {
  let deepest = 0;
  const stack: Array<[unknown, number]> = [[root, 1]];
  while (stack.length > 0) {
    const [value, depth] = stack.pop()!;
    if (typeof value !== 'object' || value === null) continue;
    if (depth > deepest) deepest = depth;
    if (deepest > MAX_DEPTH) return deepest;
    for (const child of Array.isArray(value) ? value : Object.values(value)) stack.push([child, depth + 1]);
  }
  return deepest;
}

export function isMediaType(contentType: string | undefined, ...types: string[]): boolean {
  const media = (contentType ?? '').split(';')[0]!.trim().toLowerCase();
  return types.includes(media);
}
