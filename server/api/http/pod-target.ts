// Which container of which pod on which node a log or exec request is for, with the
// apiserver's words when the request cannot name one (pkg/registry/core/pod/strategy.go).
import { ApiError, apiErrors } from '../errors.ts';
import type { KubeObject } from '../objects/index.ts';
import type { PodStreams } from './streams.ts';

interface PodSpec {
  nodeName?: string;
  containers?: Array<{ name: string }>;
  initContainers?: Array<{ name: string }>;
  ephemeralContainers?: Array<{ name: string }>;
}

/** The container named, or the pod's only one; a 400 naming the choices otherwise. */
export function podContainer(pod: KubeObject, wanted: string): string {
  const spec = (pod.spec ?? {}) as PodSpec;
  const name = pod.metadata.name!;
  const containers = spec.containers ?? [];
  if (!wanted) {
    if (containers.length === 1) return containers[0]!.name;
    if (containers.length === 0) throw apiErrors.badRequest(`a container name must be specified for pod ${name}`);
    throw apiErrors.badRequest(`a container name must be specified for pod ${name}, choose one of: [${containers.map((c) => c.name).join(' ')}]`);
  }
  const all = [...containers, ...(spec.initContainers ?? []), ...(spec.ephemeralContainers ?? [])];
  if (!all.some((c) => c.name === wanted)) throw apiErrors.badRequest(`container ${wanted} is not valid for pod ${name}`);
  return wanted;
}

/** The node the pod is bound to, or undefined while it is not scheduled. */
export function podNode(pod: KubeObject): string | undefined {
  return ((pod.spec ?? {}) as PodSpec).nodeName || undefined;
}

/** The node reacher, or a 503 when this server was made without one (tests of the API alone). */
export function streamsOf(ctx: { streams?: PodStreams }): PodStreams {
  if (!ctx.streams) throw new ApiError(503, 'ServiceUnavailable', 'this server has no tunnel to reach nodes, so it serves no logs or exec');
  return ctx.streams;
}
