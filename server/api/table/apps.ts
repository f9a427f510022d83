// apps/v1: Deployment, ReplicaSet, DaemonSet, StatefulSet, ControllerRevision.
import type { KubeObject } from '../objects/types.ts';
import { ageColumn, column, containersColumn, imagesColumn, nameColumn, wide } from './columns.ts';
import { appsDocs as docs, podDocs } from './descriptions.ts';
import { since } from './duration.ts';
import { int, obj, objs, optInt, str, type JsonObject } from './fields.ts';
import { containerCells, formatLabelSelector, formatLabels, selectorString } from './format.ts';
import type { Cell, Printer } from './printer.ts';

export const deploymentPrinter: Printer = {
  columns: [
    nameColumn,
    column('Ready', 'string', docs.ready),
    column('Up-to-date', 'string', docs.deploymentUpdated),
    column('Available', 'string', docs.deploymentAvailable),
    ageColumn,
    containersColumn,
    imagesColumn,
    wide('Selector', 'string', docs.deploymentSelector),
  ],
  cells(deployment, { now }) {
    const spec = obj(deployment.spec);
    const status = obj(deployment.status);
    return [
      str(deployment.metadata.name),
      `${int(status.readyReplicas)}/${desiredReplicas(spec)}`,
      int(status.updatedReplicas),
      int(status.availableReplicas),
      since(deployment.metadata.creationTimestamp, now),
      ...templateCells(spec),
      // Unlike the other workloads, an empty selector prints as "" rather than "<none>".
      selectorString(spec.selector) ?? '<invalid>',
    ];
  },
};

export const replicaSetPrinter: Printer = {
  columns: [
    nameColumn,
    column('Desired', 'integer', docs.replicaSetDesired),
    column('Current', 'integer', docs.replicaSetCurrent),
    column('Ready', 'integer', docs.replicaSetReady),
    ageColumn,
    containersColumn,
    imagesColumn,
    wide('Selector', 'string', docs.replicaSetSelector),
  ],
  cells(replicaSet, { now }) {
    const spec = obj(replicaSet.spec);
    const status = obj(replicaSet.status);
    return [
      str(replicaSet.metadata.name),
      desiredReplicas(spec),
      int(status.replicas),
      int(status.readyReplicas),
      since(replicaSet.metadata.creationTimestamp, now),
      ...templateCells(spec),
      formatLabelSelector(spec.selector),
    ];
  },
};

export const daemonSetPrinter: Printer = {
  columns: [
    nameColumn,
    column('Desired', 'integer', docs.daemonSetDesired),
    column('Current', 'integer', docs.daemonSetCurrent),
    column('Ready', 'integer', docs.daemonSetReady),
    column('Up-to-date', 'integer', docs.daemonSetUpdated),
    column('Available', 'integer', docs.daemonSetAvailable),
    column('Node Selector', 'string', podDocs.nodeSelector),
    ageColumn,
    containersColumn,
    imagesColumn,
    wide('Selector', 'string', docs.daemonSetSelector),
  ],
  cells(daemonSet, { now }) {
    const spec = obj(daemonSet.spec);
    const status = obj(daemonSet.status);
    return [
      str(daemonSet.metadata.name),
      int(status.desiredNumberScheduled),
      int(status.currentNumberScheduled),
      int(status.numberReady),
      int(status.updatedNumberScheduled),
      int(status.numberAvailable),
      formatLabels(obj(obj(spec.template).spec).nodeSelector),
      since(daemonSet.metadata.creationTimestamp, now),
      ...templateCells(spec),
      formatLabelSelector(spec.selector),
    ];
  },
};

export const statefulSetPrinter: Printer = {
  columns: [nameColumn, column('Ready', 'string', docs.ready), ageColumn, containersColumn, imagesColumn],
  cells(statefulSet, { now }) {
    const spec = obj(statefulSet.spec);
    return [
      str(statefulSet.metadata.name),
      `${int(obj(statefulSet.status).readyReplicas)}/${desiredReplicas(spec)}`,
      since(statefulSet.metadata.creationTimestamp, now),
      ...templateCells(spec),
    ];
  },
};

export const controllerRevisionPrinter: Printer = {
  columns: [nameColumn, column('Controller', 'string', docs.revisionController), column('Revision', 'string', docs.revision), ageColumn],
  cells(revision, { now }) {
    return [str(revision.metadata.name), controllerOf(revision), int(revision.revision), since(revision.metadata.creationTimestamp, now)];
  },
};

// spec.replicas is defaulted to 1 on write; the same default keeps unstored objects readable.
function desiredReplicas(spec: JsonObject): number {
  return optInt(spec.replicas) ?? 1;
}

function templateCells(spec: JsonObject): Cell[] {
  return containerCells(obj(spec.template).spec);
}

/** "daemonset.apps/fluentd": the controlling owner as lower-case kind.group/name, "<none>" without one. */
function controllerOf(object: KubeObject): string {
  const owner = objs(object.metadata.ownerReferences).find((ref) => ref.controller === true);
  if (owner === undefined) return '<none>';
  const apiVersion = str(owner.apiVersion);
  const group = apiVersion.includes('/') ? apiVersion.slice(0, apiVersion.indexOf('/')) : '';
  const kind = str(owner.kind);
  const groupKind = group === '' ? kind : `${kind}.${group}`;
  return groupKind === '' ? str(owner.name) : `${groupKind.toLowerCase()}/${str(owner.name)}`;
}
