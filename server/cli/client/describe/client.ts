// What the describers read besides the object itself (its events, a deployment's replica sets, a
// node's pods), through the same connection the client verbs use.
import { request, serverError, type Connection } from '../connection.ts';
import type { Json } from './format.ts';

export interface DescribeClient {
  /** The object at a path, or undefined when the server has none (404). */
  get(path: string): Promise<Json | undefined>;
  /** Every item of a collection, following continue tokens as kubectl's chunked lists do. */
  list(path: string, query?: Record<string, string>): Promise<Json[]>;
}

const CHUNK = 500;

export function describeClient(connection: Connection): DescribeClient {
  return {
    async get(path) {
      const answer = await request(connection, 'GET', path);
      if (answer.status === 404) return undefined;
      if (answer.status !== 200) throw serverError(answer);
      return JSON.parse(answer.body) as Json;
    },
    async list(path, query = {}) {
      const items: Json[] = [];
      let next: string | undefined;
      do {
        const params = new URLSearchParams({ ...query, limit: String(CHUNK), ...(next ? { continue: next } : {}) });
        const answer = await request(connection, 'GET', `${path}?${params.toString()}`);
        if (answer.status !== 200) throw serverError(answer);
        const page = JSON.parse(answer.body) as { items?: Json[]; metadata?: { continue?: string } };
        items.push(...(page.items ?? []));
        next = page.metadata?.continue || undefined;
      } while (next);
      return items;
    },
  };
}

/** A collection's path: /api/v1/... for the core group, /apis/<group>/<version>/... otherwise. */
export function collection(apiVersion: string, resource: string, namespace?: string): string {
  const base = apiVersion.includes('/') ? `/apis/${apiVersion}` : `/api/${apiVersion}`;
  return namespace ? `${base}/namespaces/${encodeURIComponent(namespace)}/${resource}` : `${base}/${resource}`;
}
