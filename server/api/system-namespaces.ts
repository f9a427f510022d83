import type { ResourceType } from './catalog/index.ts';
import { ApiError } from './errors.ts';
import type { ObjectStore } from './objects/index.ts';

/** The namespaces every Kubernetes cluster has, created on first start as kube-apiserver does. */
export const SYSTEM_NAMESPACES = ['default', 'kube-system', 'kube-public', 'kube-node-lease'];

export async function ensureSystemNamespaces(objects: ObjectStore, namespaceType: ResourceType): Promise<void> {
  for (const name of SYSTEM_NAMESPACES) {
    try {
      await objects.create(namespaceType, undefined, { apiVersion: 'v1', kind: 'Namespace', metadata: { name } });
    } catch (error) {
      if (!(error instanceof ApiError && error.reason === 'AlreadyExists')) throw error;
    }
  }
}
