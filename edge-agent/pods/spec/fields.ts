// The downward API: pod fields a container may read through env (fieldRef) or a
// downwardAPI volume, with the kubelet's formats (labels as sorted key="value" lines).
import type { Pod } from '../types.ts';

export interface NodeFacts {
  /** The node's InternalIP: status.hostIP, and podIP for hostNetwork pods. */
  hostIP: string;
  /** The pod's IP when the pod network gave it one (hostNetwork: the node's). */
  podIP?: string;
}

/** fieldpath.FormatMap: sorted key="value" lines, values quoted as Go's %q does for text. */
export function formatMap(map: Record<string, string> | undefined): string {
  return Object.keys(map ?? {}).sort().map((k) => `${k}=${JSON.stringify(map![k])}`).join('\n');
}

const SUBSCRIPT = /^metadata\.(labels|annotations)\['(.+)'\]$/;

/** The value of `fieldPath` for `pod`, or an Error naming what is not supported. */
export function fieldValue(pod: Pod, fieldPath: string, facts: NodeFacts): string {
  const m = pod.metadata;
  const sub = SUBSCRIPT.exec(fieldPath);
  if (sub) return (sub[1] === 'labels' ? m.labels : m.annotations)?.[sub[2]!] ?? '';
  switch (fieldPath) {
    case 'metadata.name':
      return m.name;
    case 'metadata.namespace':
      return m.namespace;
    case 'metadata.uid':
      return m.uid;
    case 'metadata.labels':
      return formatMap(m.labels);
    case 'metadata.annotations':
      return formatMap(m.annotations);
    case 'spec.nodeName':
      return pod.spec.nodeName ?? '';
    case 'spec.serviceAccountName':
      return pod.spec.serviceAccountName ?? '';
    case 'status.hostIP':
    case 'status.hostIPs':
      return facts.hostIP;
    case 'status.podIP':
    case 'status.podIPs':
      return facts.podIP ?? '';
    default:
      throw new Error(`unsupported fieldPath: ${fieldPath}`);
  }
}
