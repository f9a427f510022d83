// Which printer serves which kind. Kinds are unique across the catalog's groups except Event,
// whose printer reads both the core and the events.k8s.io shape.
import { controllerRevisionPrinter, daemonSetPrinter, deploymentPrinter, replicaSetPrinter, statefulSetPrinter } from './apps.ts';
import { jobPrinter } from './batch.ts';
import { configMapPrinter, namespacePrinter, secretPrinter, serviceAccountPrinter } from './core.ts';
import { eventPrinter } from './event.ts';
import { createdAtPrinter, nameAgePrinter } from './generic.ts';
import { leasePrinter, networkPolicyPrinter } from './networking.ts';
import { nodePrinter } from './node.ts';
import { podPrinter } from './pod.ts';
import type { Printer } from './printer.ts';
import { clusterRoleBindingPrinter, roleBindingPrinter } from './rbac.ts';
import { endpointsPrinter, servicePrinter } from './service.ts';
import { persistentVolumeClaimPrinter, persistentVolumePrinter, storageClassPrinter } from './storage.ts';

const PRINTERS: ReadonlyMap<string, Printer> = new Map([
  ['Namespace', namespacePrinter],
  ['Node', nodePrinter],
  ['Pod', podPrinter],
  ['Service', servicePrinter],
  ['Endpoints', endpointsPrinter],
  ['ConfigMap', configMapPrinter],
  ['Secret', secretPrinter],
  ['ServiceAccount', serviceAccountPrinter],
  ['PersistentVolume', persistentVolumePrinter],
  ['PersistentVolumeClaim', persistentVolumeClaimPrinter],
  ['Event', eventPrinter],
  ['Deployment', deploymentPrinter],
  ['ReplicaSet', replicaSetPrinter],
  ['DaemonSet', daemonSetPrinter],
  ['StatefulSet', statefulSetPrinter],
  ['ControllerRevision', controllerRevisionPrinter],
  ['Job', jobPrinter],
  ['NetworkPolicy', networkPolicyPrinter],
  ['StorageClass', storageClassPrinter],
  ['Lease', leasePrinter],
  ['Role', createdAtPrinter],
  ['ClusterRole', createdAtPrinter],
  ['RoleBinding', roleBindingPrinter],
  ['ClusterRoleBinding', clusterRoleBindingPrinter],
]);

/** The printer of a kind; NAME and AGE for kinds the API server has no printer for. */
export function printerFor(kind: string): Printer {
  return PRINTERS.get(kind) ?? nameAgePrinter;
}

/** Whether a kind has columns of its own, rather than the NAME/AGE fallback. */
export function hasPrinter(kind: string): boolean {
  return PRINTERS.has(kind);
}
