// The Events section every describer ends with: kubectl's searchEvents (a field selector on the
// involved object) and DescribeEvents (the Type/Reason/Age/From/Message table).
import { collection, type DescribeClient } from './client.ts';
import { num, obj, since, str, type Json } from './format.ts';
import type { DescribeWriter } from './writer.ts';

export interface EventTarget {
  kind?: string;
  name: string;
  namespace?: string;
  uid?: string;
}

/** fields.SelectorFromSet(...).String(): keys sorted, values escaped. */
export function eventFieldSelector(target: EventTarget): string {
  const escape = (v: string) => v.replace(/[\\,=]/g, (c) => `\\${c}`);
  const fields: Record<string, string> = { 'involvedObject.name': target.name, 'involvedObject.namespace': target.namespace ?? '' };
  if (target.kind) fields['involvedObject.kind'] = target.kind;
  if (target.uid) fields['involvedObject.uid'] = target.uid;
  return Object.keys(fields).sort().map((k) => `${k}=${escape(fields[k]!)}`).join(',');
}

/** The events about an object: in its namespace, or across all of them for a cluster-scoped one. */
export function searchEvents(client: DescribeClient, target: EventTarget): Promise<Json[]> {
  return client.list(collection('v1', 'events', target.namespace || undefined), { fieldSelector: eventFieldSelector(target) });
}

/** The reference kubectl builds from the object itself (reference.GetReference). */
export function targetOf(object: Json): EventTarget {
  const metadata = obj(object.metadata);
  return { kind: str(object.kind) || undefined, name: str(metadata.name), namespace: str(metadata.namespace) || undefined, uid: str(metadata.uid) || undefined };
}

const present = (value: unknown) => typeof value === 'string' && value !== '' && Number.isFinite(Date.parse(value));
const lastTime = (e: Json) => (present(e.lastTimestamp) ? Date.parse(str(e.lastTimestamp)) : Number.NEGATIVE_INFINITY);

function age(e: Json, now: Date): string {
  const first = present(e.eventTime) ? since(e.eventTime, now) : since(e.firstTimestamp, now);
  const series = e.series ? obj(e.series) : undefined;
  if (series) return `${since(series.lastObservedTime, now)} (x${num(series.count)} over ${first})`;
  if (num(e.count) > 1) return `${since(e.lastTimestamp, now)} (x${num(e.count)} over ${first})`;
  return first;
}

/** DescribeEvents: oldest last-seen first; "Events:  <none>" without any. */
export function describeEvents(w: DescribeWriter, events: Json[] | undefined, now: Date): void {
  if (!events) return;
  if (events.length === 0) return w.write(0, 'Events:\t<none>\n');
  w.flush();
  w.write(0, 'Events:\n  Type\tReason\tAge\tFrom\tMessage\n');
  w.write(1, '----\t------\t----\t----\t-------\n');
  for (const e of [...events].sort((a, b) => lastTime(a) - lastTime(b))) {
    const source = str(obj(e.source).component) || str(e.reportingComponent);
    w.write(1, `${str(e.type)}\t${str(e.reason)}\t${age(e, now)}\t${source}\t${str(e.message).trim()}\n`);
  }
}
