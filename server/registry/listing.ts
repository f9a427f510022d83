// Listings: a repository's tags and the catalog of repositories, in lexical order, paged by
// n (page size) and last (the last item already seen), with a Link header to the next page.
import type { RegistryRequest } from './context.ts';
import { RegistryError } from './errors.ts';

export interface Page {
  items: string[];
  /** The `last` of the next page, when there is one. */
  next?: string;
}

/** One page of sorted `items`; n absent means all, n=0 an empty page. */
export function paginate(items: string[], n: string | null, last: string | null): Page {
  const after = last === null ? items : items.filter((item) => item > last);
  if (n === null) return { items: after };
  if (!/^\d{1,9}$/.test(n)) throw new RegistryError('SIZE_INVALID', `n ${JSON.stringify(n.slice(0, 20))} must be a non-negative integer`);
  const page = after.slice(0, Number(n));
  return page.length > 0 && after.length > page.length ? { items: page, next: page.at(-1)! } : { items: page };
}

function sendPage(r: RegistryRequest, path: string, page: Page, body: Record<string, unknown>): void {
  const text = JSON.stringify(body);
  const link = page.next === undefined ? {} : { Link: `<${path}?n=${r.url.searchParams.get('n')}&last=${encodeURIComponent(page.next)}>; rel="next"` };
  r.res.writeHead(200, { ...link, 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(text) }).end(text);
}

export async function listTags(r: RegistryRequest, name: string): Promise<void> {
  if (!(await r.meta.hasRepository(name))) throw new RegistryError('NAME_UNKNOWN', `repository ${name} is not known to this registry`, { detail: { name } });
  const page = paginate(await r.meta.tags(name), r.url.searchParams.get('n'), r.url.searchParams.get('last'));
  sendPage(r, `/v2/${name}/tags/list`, page, { name, tags: page.items });
}

export async function listCatalog(r: RegistryRequest): Promise<void> {
  const names = (await r.meta.repositories()).sort();
  const page = paginate(names, r.url.searchParams.get('n'), r.url.searchParams.get('last'));
  sendPage(r, '/v2/_catalog', page, { repositories: page.items });
}
