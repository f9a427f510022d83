// Node: NAME STATUS ROLES AGE VERSION; wide INTERNAL-IP EXTERNAL-IP OS-IMAGE KERNEL-VERSION CONTAINER-RUNTIME.
import type { KubeObject } from '../objects/types.ts';
import { ageColumn, column, nameColumn, wide } from './columns.ts';
import { nodeDocs } from './descriptions.ts';
import { since } from './duration.ts';
import { bool, obj, objs, str, strMap } from './fields.ts';
import { compareStrings } from './format.ts';
import type { Printer } from './printer.ts';

const ROLE_LABEL_PREFIX = 'node-role.kubernetes.io/';
const LEGACY_ROLE_LABEL = 'kubernetes.io/role';

export const nodePrinter: Printer = {
  columns: [
    nameColumn,
    column('Status', 'string', nodeDocs.status),
    column('Roles', 'string', nodeDocs.roles),
    ageColumn,
    column('Version', 'string', nodeDocs.kubeletVersion),
    wide('Internal-IP', 'string', nodeDocs.addresses),
    wide('External-IP', 'string', nodeDocs.addresses),
    wide('OS-Image', 'string', nodeDocs.osImage),
    wide('Kernel-Version', 'string', nodeDocs.kernelVersion),
    wide('Container-Runtime', 'string', nodeDocs.containerRuntimeVersion),
  ],
  cells(node, { now }) {
    const info = obj(obj(node.status).nodeInfo);
    return [
      str(node.metadata.name),
      nodeStatus(node),
      nodeRoles(node),
      since(node.metadata.creationTimestamp, now),
      str(info.kubeletVersion),
      nodeAddress(node, 'InternalIP'),
      nodeAddress(node, 'ExternalIP'),
      str(info.osImage) || '<unknown>',
      str(info.kernelVersion) || '<unknown>',
      str(info.containerRuntimeVersion) || '<unknown>',
    ];
  },
};

/** "Ready", "NotReady" (Ready is False or Unknown), "Unknown" (never reported), plus ",SchedulingDisabled" when cordoned. */
function nodeStatus(node: KubeObject): string {
  // The last Ready condition wins, as the printer indexes conditions by type.
  const ready = objs(obj(node.status).conditions).filter((c) => str(c.type) === 'Ready').at(-1);
  const parts = [ready === undefined ? 'Unknown' : str(ready.status) === 'True' ? 'Ready' : 'NotReady'];
  if (bool(obj(node.spec).unschedulable)) parts.push('SchedulingDisabled');
  return parts.join(',');
}

/** From node-role.kubernetes.io/<role> labels and the older kubernetes.io/role=<role>, sorted. */
function nodeRoles(node: KubeObject): string {
  const roles = new Set<string>();
  for (const [key, value] of Object.entries(strMap(node.metadata.labels))) {
    if (key.startsWith(ROLE_LABEL_PREFIX) && key.length > ROLE_LABEL_PREFIX.length) roles.add(key.slice(ROLE_LABEL_PREFIX.length));
    else if (key === LEGACY_ROLE_LABEL && value !== '') roles.add(value);
  }
  return roles.size === 0 ? '<none>' : [...roles].sort(compareStrings).join(',');
}

function nodeAddress(node: KubeObject, type: string): string {
  const address = objs(obj(node.status).addresses).find((a) => str(a.type) === type);
  return address === undefined ? '<none>' : str(address.address);
}
