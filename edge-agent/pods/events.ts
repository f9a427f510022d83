// Events as the kubelet records them about a pod (and a container of it, by fieldPath),
// put in the outbox under a key of their own: events are never coalesced, only dropped
// first when the outbox is full.
import type { Outbox } from '../sync/index.ts';
import type { ContainerKind, Pod } from './types.ts';

export type EventType = 'Normal' | 'Warning';

export interface EventTarget {
  kind: ContainerKind;
  name: string;
}

let sequence = 0;

/** client-go's event name: <object>.<unix nanoseconds in hex>, kept unique within this process. */
function eventName(object: string, at: number): string {
  const nanos = BigInt(at) * 1_000_000n + BigInt(sequence++ % 1_000_000);
  return `${object}.${nanos.toString(16)}`;
}

export function rfc3339(at: number | Date = Date.now()): string {
  return new Date(at).toISOString().replace(/\.\d+Z$/, 'Z');
}

export function podEvent(node: string, pod: Pod, target: EventTarget | undefined, type: EventType, reason: string, message: string, at = Date.now()): Record<string, unknown> {
  const { name, namespace, uid } = pod.metadata;
  const fieldPath = target && `spec.${target.kind === 'init' ? 'initContainers' : 'containers'}{${target.name}}`;
  const when = rfc3339(at);
  return {
    apiVersion: 'v1',
    kind: 'Event',
    metadata: { name: eventName(name, at), namespace },
    involvedObject: { apiVersion: 'v1', kind: 'Pod', name, namespace, uid, ...(fieldPath && { fieldPath }) },
    reason,
    message,
    type,
    count: 1,
    firstTimestamp: when,
    lastTimestamp: when,
    source: { component: 'kubelet', host: node },
    reportingComponent: 'kubelet',
    reportingInstance: node,
  };
}

export type Recorder = (pod: Pod, target: EventTarget | undefined, type: EventType, reason: string, message: string) => void;

export function eventRecorder(node: string, outbox: Outbox, flush: () => void): Recorder {
  return (pod, target, type, reason, message) => {
    const event = podEvent(node, pod, target, type, reason, message);
    outbox.put({ kind: 'event', key: `event/${pod.metadata.namespace}/${(event.metadata as { name: string }).name}`, event });
    flush();
  };
}
