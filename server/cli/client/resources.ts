import { SkerryError } from '../../../common/index.ts';
import { request, serverError, type Connection } from './connection.ts';

export interface ApiResource {
  groupVersion: string;
  name: string;
  singularName: string;
  namespaced: boolean;
  kind: string;
  shortNames?: string[];
}

/** The served resources, from discovery, as kubectl learns them. */
export async function discover(connection: Connection): Promise<ApiResource[]> {
  const paths = ['/api/v1'];
  const groups = JSON.parse((await request(connection, 'GET', '/apis')).body) as { groups: Array<{ preferredVersion: { groupVersion: string } }> };
  for (const g of groups.groups) paths.push(`/apis/${g.preferredVersion.groupVersion}`);
  const lists = await Promise.all(paths.map(async (p) => {
    const answer = await request(connection, 'GET', p);
    if (answer.status !== 200) throw serverError(answer);
    return JSON.parse(answer.body) as { groupVersion: string; resources: Array<Omit<ApiResource, 'groupVersion'>> };
  }));
  return lists.flatMap((l) => l.resources.filter((r) => !r.name.includes('/')).map((r) => ({ ...r, groupVersion: l.groupVersion })));
}

/** "po", "pods", "pod", "Pod", "deployments.apps", "deploy": the resource a user means. */
export function resolve(resources: ApiResource[], text: string): ApiResource {
  const [name, ...group] = text.toLowerCase().split('.');
  const groupName = group.join('.');
  const found = resources.find((r) => {
    const inGroup = !groupName || r.groupVersion.split('/')[0] === groupName;
    return inGroup && (r.name === name || r.singularName === name || r.kind.toLowerCase() === name || (r.shortNames ?? []).includes(name!));
  });
  if (!found) throw new SkerryError('USAGE', `the server doesn't have a resource type "${text}"`);
  return found;
}

export function collectionPath(resource: ApiResource, namespace: string | undefined): string {
  const base = resource.groupVersion.includes('/') ? `/apis/${resource.groupVersion}` : `/api/${resource.groupVersion}`;
  return resource.namespaced && namespace ? `${base}/namespaces/${encodeURIComponent(namespace)}/${resource.name}` : `${base}/${resource.name}`;
}

/** "deployment.apps" or "pod": how kubectl names a kind in its messages ("deployment.apps/web created"). */
export function kindName(resource: ApiResource): string {
  const group = resource.groupVersion.includes('/') ? `.${resource.groupVersion.split('/')[0]}` : '';
  return `${resource.kind.toLowerCase()}${group}`;
}
