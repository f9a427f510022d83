/**
 * What a pod asks of a node and what a node offers, as kube-scheduler's NodeResourcesFit counts
 * them: cpu in millicores, everything else in whole base units.
 */
import type { KubeObject } from '../api/index.ts';
import { parseQuantity } from './quantity.ts';

export type ResourceList = Record<string, number>;

interface Container {
  resources?: { requests?: Record<string, unknown>; limits?: Record<string, unknown> };
  restartPolicy?: string;
}

interface PodSpecResources {
  containers?: Container[];
  initContainers?: Container[];
  overhead?: Record<string, unknown>;
}

// kube-scheduler scores a container without requests as if it asked for this much, so that
// best-effort pods still spread instead of piling onto one "empty" node.
export const DEFAULT_MILLI_CPU_REQUEST = 100;
export const DEFAULT_MEMORY_REQUEST = 200 * 1024 * 1024;

/** A quantity in the unit the scheduler keeps for that resource. */
function amountOf(resource: string, quantity: unknown): number {
  const parsed = parseQuantity(quantity);
  if (!parsed) return 0;
  return resource === 'cpu' ? parsed.milli : parsed.value;
}

function toList(raw: Record<string, unknown> | undefined): ResourceList {
  const list: ResourceList = {};
  for (const [name, quantity] of Object.entries(raw ?? {})) list[name] = amountOf(name, quantity);
  return list;
}

/** A container's requests; a limit alone stands for the request, as API defaulting makes it. */
function containerRequests(container: Container): ResourceList {
  return { ...toList(container.resources?.limits), ...toList(container.resources?.requests) };
}

function add(into: ResourceList, from: ResourceList): void {
  for (const [name, value] of Object.entries(from)) into[name] = (into[name] ?? 0) + value;
}

function maxInto(into: ResourceList, from: ResourceList): void {
  for (const [name, value] of Object.entries(from)) into[name] = Math.max(into[name] ?? 0, value);
}

function withDefaults(requests: ResourceList): ResourceList {
  return { cpu: requests.cpu ?? DEFAULT_MILLI_CPU_REQUEST, memory: requests.memory ?? DEFAULT_MEMORY_REQUEST };
}

/**
 * The pod's effective requests, as resourcehelper.PodRequests: the containers' sum, or the
 * largest init container if more (sidecars, restartPolicy Always, run alongside and add up),
 * plus the runtime class overhead. `nonZero` applies the scoring defaults per container.
 */
export function podRequests(pod: KubeObject, nonZero = false): ResourceList {
  const spec = (pod.spec ?? {}) as PodSpecResources;
  const of = (c: Container) => (nonZero ? withDefaults(containerRequests(c)) : containerRequests(c));
  const total: ResourceList = {};
  for (const container of spec.containers ?? []) add(total, of(container));
  const sidecars: ResourceList = {};
  const init: ResourceList = {};
  for (const container of spec.initContainers ?? []) {
    const own = of(container);
    if (container.restartPolicy === 'Always') {
      add(total, own);
      add(sidecars, own);
      maxInto(init, sidecars);
    } else {
      const during = { ...own };
      add(during, sidecars);
      maxInto(init, during);
    }
  }
  maxInto(total, init);
  add(total, toList(spec.overhead));
  if (nonZero) return { cpu: total.cpu ?? 0, memory: total.memory ?? 0 };
  return total;
}

/** What the node offers pods: status.allocatable, or its capacity before the agent reports one. */
export function nodeAllocatable(node: KubeObject): ResourceList {
  const status = (node.status ?? {}) as { allocatable?: Record<string, unknown>; capacity?: Record<string, unknown> };
  return toList(status.allocatable ?? status.capacity);
}
