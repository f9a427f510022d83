// Every definition skerry can describe, and how a served kind maps to a Kubernetes definition name.
import type { ResourceType } from '../../catalog/types.ts';
import type { Definitions } from '../schema.ts';
import { CLUSTER_DEFINITIONS } from './cluster.ts';
import { CORE_DEFINITIONS } from './core.ts';
import { META_DEFINITIONS } from './meta.ts';
import { POD_DEFINITIONS } from './pod.ts';
import { WORKLOAD_DEFINITIONS } from './workloads.ts';

export const KNOWN_DEFINITIONS: Definitions = {
  ...META_DEFINITIONS,
  ...POD_DEFINITIONS,
  ...CORE_DEFINITIONS,
  ...WORKLOAD_DEFINITIONS,
  ...CLUSTER_DEFINITIONS,
};

/**
 * The package prefix Kubernetes uses for a group's definitions: "io.k8s.api.core" for the core group,
 * "io.k8s.api.<first label>" for built-in groups ("rbac.authorization.k8s.io" → "io.k8s.api.rbac"),
 * and the reversed domain for any other group ("stable.example.com" → "com.example.stable"), as for custom resources.
 */
export function groupPackage(group: string): string {
  if (!group) return 'io.k8s.api.core';
  if (!group.includes('.') || group.endsWith('.k8s.io')) return `io.k8s.api.${group.split('.')[0]}`;
  return group.split('.').reverse().join('.');
}

/** "io.k8s.api.apps.v1.Deployment". */
export function definitionName(type: Pick<ResourceType, 'group' | 'version' | 'kind'>): string {
  return `${groupPackage(type.group)}.${type.version}.${type.kind}`;
}
