import { componentLogger } from '../../common/index.ts';
import type { Catalog, KubeObject, ObjectStore } from '../api/index.ts';
import { isPodReady } from './pods.ts';
import { deleteIfPresent, getOrUndefined, phaseOf, sameJson } from './workload-util.ts';

const log = componentLogger('endpoints-controller');

const HEADLESS_LABEL = 'service.kubernetes.io/headless';

interface ServicePort {
  name?: string;
  port: number;
  targetPort?: number | string;
  protocol?: string;
  appProtocol?: string;
}

interface ServiceSpec {
  selector?: Record<string, string>;
  ports?: ServicePort[];
  clusterIP?: string;
  publishNotReadyAddresses?: boolean;
}

interface PodSpec {
  nodeName?: string;
  hostname?: string;
  subdomain?: string;
  restartPolicy?: string;
  containers?: Array<{ ports?: Array<{ name?: string; containerPort: number; protocol?: string }> }>;
}

interface EndpointAddress {
  ip: string;
  hostname?: string;
  nodeName?: string;
  targetRef: { kind: 'Pod'; namespace: string; name: string; uid: string };
}

interface EndpointPort {
  name?: string;
  port: number;
  protocol: string;
  appProtocol?: string;
}

interface Subset {
  addresses?: EndpointAddress[];
  notReadyAddresses?: EndpointAddress[];
  ports?: EndpointPort[];
}

const specOf = (svc: KubeObject) => (svc.spec ?? {}) as ServiceSpec;
const hasSelector = (svc: KubeObject) => Object.keys(specOf(svc).selector ?? {}).length > 0;

function selectsPod(svc: KubeObject, pod: KubeObject): boolean {
  const labels = pod.metadata.labels ?? {};
  return pod.metadata.namespace === svc.metadata.namespace && hasSelector(svc) && Object.entries(specOf(svc).selector!).every(([k, v]) => labels[k] === v);
}

/** Which Services' Endpoints a pod change touches (the pod before and after): keys `namespace/name` for the endpoints queue. */
export function servicesForPod(services: KubeObject[], pod: KubeObject, old?: KubeObject): string[] {
  return services.filter((svc) => selectsPod(svc, pod) || (old !== undefined && selectsPod(svc, old))).map((svc) => `${svc.metadata.namespace}/${svc.metadata.name}`);
}

/** Kubernetes' ShouldPodBeInEndpoints: it has an IP, is not being deleted (unless published anyway) and will not run again. */
function belongs(pod: KubeObject, includeTerminating: boolean): boolean {
  if (!((pod.status ?? {}) as { podIP?: string }).podIP) return false;
  if (!includeTerminating && pod.metadata.deletionTimestamp) return false;
  const restart = ((pod.spec ?? {}) as PodSpec).restartPolicy;
  if (restart === 'Never') return phaseOf(pod) !== 'Failed' && phaseOf(pod) !== 'Succeeded';
  if (restart === 'OnFailure') return phaseOf(pod) !== 'Succeeded';
  return true;
}

/** The port a service port reaches on this pod: a number, or a named container port (undefined when the pod has none by that name). */
function resolveTargetPort(port: ServicePort, pod: KubeObject): number | undefined {
  const target = port.targetPort ?? port.port;
  if (typeof target === 'number') return target;
  if (/^\d+$/.test(target)) return Number(target);
  const protocol = port.protocol ?? 'TCP';
  for (const container of ((pod.spec ?? {}) as PodSpec).containers ?? []) {
    const found = (container.ports ?? []).find((p) => p.name === target && (p.protocol ?? 'TCP') === protocol);
    if (found) return found.containerPort;
  }
  return undefined;
}

function addressOf(svc: KubeObject, pod: KubeObject): EndpointAddress {
  const spec = (pod.spec ?? {}) as PodSpec;
  return {
    ip: ((pod.status ?? {}) as { podIP: string }).podIP,
    // A pod named under a headless service (a StatefulSet's) gets its own DNS name.
    ...(spec.hostname && spec.subdomain === svc.metadata.name ? { hostname: spec.hostname } : {}),
    ...(spec.nodeName ? { nodeName: spec.nodeName } : {}),
    targetRef: { kind: 'Pod', namespace: pod.metadata.namespace!, name: pod.metadata.name!, uid: pod.metadata.uid! },
  };
}

const byAddress = (a: EndpointAddress, b: EndpointAddress) => a.ip.localeCompare(b.ip) || a.targetRef.uid.localeCompare(b.targetRef.uid);
const byPort = (a: EndpointPort, b: EndpointPort) => (a.name ?? '').localeCompare(b.name ?? '') || a.port - b.port || a.protocol.localeCompare(b.protocol);

/**
 * Kubernetes' RepackSubsets: every (address, port) pair, grouped so that ports reaching the
 * same addresses share one subset.
 */
function repack(entries: Array<{ address: EndpointAddress; ready: boolean; port?: EndpointPort }>): Subset[] {
  const perPort = new Map<string, { port?: EndpointPort; ready: Map<string, EndpointAddress>; notReady: Map<string, EndpointAddress> }>();
  for (const { address, ready, port } of entries) {
    const key = JSON.stringify(port ?? null);
    const group = perPort.get(key) ?? { port, ready: new Map(), notReady: new Map() };
    (ready ? group.ready : group.notReady).set(address.targetRef.uid, address);
    perPort.set(key, group);
  }
  const perAddresses = new Map<string, Subset>();
  for (const group of perPort.values()) {
    const addresses = [...group.ready.values()].sort(byAddress);
    const notReady = [...group.notReady.values()].sort(byAddress);
    const key = JSON.stringify([addresses.map((a) => a.targetRef.uid), notReady.map((a) => a.targetRef.uid)]);
    const subset = perAddresses.get(key) ?? {
      ...(addresses.length > 0 ? { addresses } : {}),
      ...(notReady.length > 0 ? { notReadyAddresses: notReady } : {}),
    };
    if (group.port) subset.ports = [...(subset.ports ?? []), group.port].sort(byPort);
    perAddresses.set(key, subset);
  }
  return [...perAddresses.values()].sort((a, b) => JSON.stringify(a).localeCompare(JSON.stringify(b)));
}

function subsetsFor(svc: KubeObject, pods: KubeObject[]): Subset[] {
  const spec = specOf(svc);
  const publishNotReady = spec.publishNotReadyAddresses === true;
  const entries: Array<{ address: EndpointAddress; ready: boolean; port?: EndpointPort }> = [];
  for (const pod of pods) {
    if (!selectsPod(svc, pod) || !belongs(pod, publishNotReady)) continue;
    const address = addressOf(svc, pod);
    const ready = publishNotReady || isPodReady(pod);
    // A headless service without ports still lists its pods, for DNS.
    if ((spec.ports ?? []).length === 0 && spec.clusterIP === 'None') entries.push({ address, ready });
    for (const port of spec.ports ?? []) {
      const target = resolveTargetPort(port, pod);
      if (target === undefined) continue;
      const endpointPort: EndpointPort = { ...(port.name ? { name: port.name } : {}), port: target, protocol: port.protocol ?? 'TCP' };
      if (port.appProtocol) endpointPort.appProtocol = port.appProtocol;
      entries.push({ address, ready, port: endpointPort });
    }
  }
  return repack(entries);
}

function labelsFor(svc: KubeObject): Record<string, string> {
  const labels = { ...(svc.metadata.labels ?? {}) };
  if (specOf(svc).clusterIP === 'None') labels[HEADLESS_LABEL] = '';
  return labels;
}

/**
 * Kubernetes' Endpoints controller, keyed by Service: an Endpoints object of the same name
 * listing the selected pods with IPs (ready ones in `addresses`, others in
 * `notReadyAddresses`) and the service's ports as each pod resolves them. Services without
 * a selector keep whatever Endpoints their users write.
 */
// `now` is unused: endpoints have no clocks, but every reconciler takes the same arguments.
export function endpointsReconciler(objects: ObjectStore, catalog: Catalog, _now: () => Date = () => new Date()) {
  const Service = catalog.byResource('', 'v1', 'services')!;
  const Endpoints = catalog.byResource('', 'v1', 'endpoints')!;
  const Pod = catalog.byResource('', 'v1', 'pods')!;

  return async (namespace: string, name: string): Promise<'again' | 'done'> => {
    const svc = await getOrUndefined(objects, Service, namespace, name);
    const existing = await getOrUndefined(objects, Endpoints, namespace, name);
    if (!svc) {
      if (existing) await deleteIfPresent(objects, Endpoints, existing);
      return 'done';
    }
    if (!hasSelector(svc)) return 'done';
    const pods = (await objects.list(Pod, namespace, { filter: (pod) => selectsPod(svc, pod) })).items;
    const subsets = subsetsFor(svc, pods);
    const labels = labelsFor(svc);
    if (!existing) {
      await objects.create(Endpoints, namespace, { apiVersion: 'v1', kind: 'Endpoints', metadata: { name, labels }, ...(subsets.length > 0 ? { subsets } : {}) });
      log.debug({ service: `${namespace}/${name}`, subsets: subsets.length }, 'created endpoints');
      return 'done';
    }
    const same = sameJson(existing.subsets ?? [], subsets) && sameJson(existing.metadata.labels ?? {}, labels);
    if (same) return 'done';
    await objects.mutate(Endpoints, namespace, name, (current) => {
      const next: KubeObject = { ...current, metadata: { ...current.metadata, labels } };
      if (subsets.length > 0) next.subsets = subsets;
      else delete next.subsets;
      return next;
    });
    return 'done';
  };
}
