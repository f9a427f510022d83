// Pod: NAME READY STATUS RESTARTS AGE; wide IP NODE NOMINATED NODE READINESS GATES.
import type { KubeObject } from '../objects/types.ts';
import { ageColumn, nameColumn, column, wide } from './columns.ts';
import { podDocs } from './descriptions.ts';
import { since } from './duration.ts';
import { obj, objs, str, type JsonObject } from './fields.ts';
import { summarizePod } from './pod-status.ts';
import type { Printer, RowCondition } from './printer.ts';

export const podPrinter: Printer = {
  columns: [
    nameColumn,
    column('Ready', 'string', podDocs.ready),
    column('Status', 'string', podDocs.status),
    column('Restarts', 'string', podDocs.restarts),
    ageColumn,
    wide('IP', 'string', podDocs.podIP),
    wide('Node', 'string', podDocs.nodeName),
    wide('Nominated Node', 'string', podDocs.nominatedNodeName),
    wide('Readiness Gates', 'string', podDocs.readinessGates),
  ],
  cells(pod, { now }) {
    const summary = summarizePod(pod, now);
    const status = obj(pod.status);
    return [
      str(pod.metadata.name),
      summary.ready,
      summary.status,
      summary.restarts,
      since(pod.metadata.creationTimestamp, now),
      podIP(status) || '<none>',
      str(obj(pod.spec).nodeName) || '<none>',
      str(status.nominatedNodeName) || '<none>',
      readinessGates(pod),
    ];
  },
  conditions: completedCondition,
};

/** The first of podIPs; a v1 object may carry only the older podIP, which conversion copies over. */
function podIP(status: JsonObject): string {
  return str(objs(status.podIPs)[0]?.ip) || str(status.podIP);
}

function readinessGates(pod: KubeObject): string {
  const gates = objs(obj(pod.spec).readinessGates);
  if (gates.length === 0) return '<none>';
  const conditions = objs(obj(pod.status).conditions);
  const passed = gates.filter((gate) => {
    const condition = conditions.find((c) => str(c.type) === str(gate.conditionType));
    return condition !== undefined && str(condition.status) === 'True';
  }).length;
  return `${passed}/${gates.length}`;
}

/** Finished pods carry a "Completed" row condition, which kubectl uses to dim or hide them. */
function completedCondition(pod: KubeObject): RowCondition[] | undefined {
  const phase = str(obj(pod.status).phase);
  if (phase === 'Succeeded') return [{ type: 'Completed', status: 'True', reason: 'Succeeded', message: 'The pod has completed successfully.' }];
  if (phase === 'Failed') return [{ type: 'Completed', status: 'True', reason: 'Failed', message: 'The pod failed.' }];
  return undefined;
}
