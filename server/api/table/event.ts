// Event (core/v1 and events.k8s.io/v1): LAST SEEN TYPE REASON OBJECT MESSAGE; wide SUBOBJECT SOURCE FIRST SEEN COUNT NAME.
import type { KubeObject } from '../objects/types.ts';
import { column, nameColumn, wide } from './columns.ts';
import { eventDocs as docs } from './descriptions.ts';
import { humanDuration, parseTime } from './duration.ts';
import { int, isObj, obj, str, type JsonObject } from './fields.ts';
import type { Printer } from './printer.ts';

export const eventPrinter: Printer = {
  columns: [
    column('Last Seen', 'string', docs.lastTimestamp),
    column('Type', 'string', docs.type),
    column('Reason', 'string', docs.reason),
    column('Object', 'string', docs.involvedObject),
    wide('Subobject', 'string', docs.fieldPath),
    wide('Source', 'string', docs.source),
    column('Message', 'string', docs.message),
    wide('First Seen', 'string', docs.firstTimestamp),
    wide('Count', 'string', docs.count),
    { ...nameColumn, priority: 1 },
  ],
  cells(object, { now }) {
    const event = asCoreEvent(object);
    const involved = obj(event.involvedObject);
    const first = parseTime(event.firstTimestamp) ?? parseTime(event.eventTime);
    const series = isObj(event.series) ? event.series : undefined;
    const last = series ? parseTime(series.lastObservedTime) : (parseTime(event.lastTimestamp) ?? first);
    // Singleton events of the new API carry no count.
    const count = series ? int(series.count) : int(event.count) || 1;
    return [
      ago(last, now),
      str(event.type),
      str(event.reason),
      target(involved),
      str(involved.fieldPath),
      source(event),
      str(event.message).trim(),
      ago(first, now),
      count,
      str(object.metadata.name),
    ];
  },
};

/**
 * kube-apiserver prints both Event APIs from the same internal type; an events.k8s.io/v1 object
 * is read through the field names conversion maps it to.
 */
function asCoreEvent(object: KubeObject): JsonObject {
  if (!str(object.apiVersion).startsWith('events.k8s.io/')) return object;
  return {
    ...object,
    involvedObject: object.regarding,
    message: object.note,
    source: object.deprecatedSource,
    firstTimestamp: object.deprecatedFirstTimestamp,
    lastTimestamp: object.deprecatedLastTimestamp,
    count: object.deprecatedCount,
  };
}

function ago(ms: number | undefined, now: Date): string {
  return ms === undefined ? '<unknown>' : humanDuration(now.getTime() - ms);
}

/** "pod/web-1", or just the lower-cased kind when the reference has no name. */
function target(involved: JsonObject): string {
  const kind = str(involved.kind).toLowerCase();
  const name = str(involved.name);
  return name === '' ? kind : `${kind}/${name}`;
}

/** "kubelet, node-1": the legacy source, falling back to the reporting controller and instance. */
function source(event: JsonObject): string {
  const legacy = obj(event.source);
  const component = str(legacy.component) || str(event.reportingController);
  const instance = str(legacy.host) || str(event.reportingInstance);
  return instance === '' ? component : `${component}, ${instance}`;
}
