// kubectl describe node.
import { collection, type DescribeClient } from './client.ts';
import { describeEvents, searchEvents } from './events.ts';
import { byString, obj, objs, printAnnotations, printLabels, printTaints, rfc1123z, since, str, type Json } from './format.ts';
import { add, milliValue, parseQuantity, quantityString, value, ZERO, type Quantity } from './quantity.ts';
import { DescribeWriter } from './writer.ts';

export interface NodeExtras {
  /** The node's pods that have not finished. */
  pods: Json[];
  /** Its Lease in kube-node-lease, or why it could not be read. */
  lease: Json | string;
  events: Json[];
}

export async function nodeExtras(client: DescribeClient, node: Json): Promise<NodeExtras> {
  const name = str(obj(node.metadata).name);
  const fieldSelector = `spec.nodeName=${name},status.phase!=Succeeded,status.phase!=Failed`;
  const pods = await client.list(collection('v1', 'pods'), { fieldSelector });
  const lease = (await client.get(`${collection('coordination.k8s.io/v1', 'leases', 'kube-node-lease')}/${encodeURIComponent(name)}`)) ?? `leases.coordination.k8s.io "${name}" not found`;
  // Controllers record node events under the node's uid, kubelets under its name: kubectl asks for both.
  const byUid = await searchEvents(client, { kind: 'Node', name, uid: str(obj(node.metadata).uid) || undefined });
  const byName = await searchEvents(client, { kind: 'Node', name, uid: name });
  return { pods, lease, events: [...byUid, ...byName] };
}

const ROLE_PREFIX = 'node-role.kubernetes.io/';

/** findNodeRoles: node-role.kubernetes.io/<role> labels and the kubernetes.io/role label. */
function roles(node: Json): string[] {
  const found = new Set<string>();
  for (const [key, value] of Object.entries(obj(obj(node.metadata).labels))) {
    if (key.startsWith(ROLE_PREFIX) && key.length > ROLE_PREFIX.length) found.add(key.slice(ROLE_PREFIX.length));
    else if (key === 'kubernetes.io/role' && str(value)) found.add(str(value));
  }
  return [...found].sort(byString);
}

function lease(w: DescribeWriter, value: Json | string): void {
  if (typeof value === 'string') return w.write(0, `Lease:\tFailed to get lease: ${value}\n`);
  const spec = obj(value.spec);
  w.write(0, 'Lease:\n');
  w.write(1, `HolderIdentity:\t${str(spec.holderIdentity) || '<unset>'}\n`);
  w.write(1, `AcquireTime:\t${spec.acquireTime ? rfc1123z(spec.acquireTime) : '<unset>'}\n`);
  w.write(1, `RenewTime:\t${spec.renewTime ? rfc1123z(spec.renewTime) : '<unset>'}\n`);
}

function statusSections(w: DescribeWriter, status: Json): void {
  const conditions = objs(status.conditions);
  if (conditions.length > 0) {
    w.write(0, 'Conditions:\n  Type\tStatus\tLastHeartbeatTime\tLastTransitionTime\tReason\tMessage\n');
    w.write(1, '----\t------\t-----------------\t------------------\t------\t-------\n');
    for (const c of conditions) {
      w.write(1, `${str(c.type)} \t${str(c.status)} \t${rfc1123z(c.lastHeartbeatTime)} \t${rfc1123z(c.lastTransitionTime)} \t${str(c.reason)} \t${str(c.message)}\n`);
    }
  }
  w.write(0, 'Addresses:\n');
  for (const a of objs(status.addresses)) w.write(1, `${str(a.type)}:\t${str(a.address)}\n`);
  for (const [field, title] of [['capacity', 'Capacity'], ['allocatable', 'Allocatable']] as const) {
    const entries = Object.entries(obj(status[field])).sort(([a], [b]) => byString(a, b));
    if (entries.length === 0) continue;
    w.write(0, `${title}:\n`);
    for (const [name, quantity] of entries) w.write(0, `  ${name}:\t${quantityString(parseQuantity(quantity) ?? ZERO)}\n`);
  }
  const info = obj(status.nodeInfo);
  w.write(0, 'System Info:\n');
  const fields = [['Machine ID', 'machineID'], ['System UUID', 'systemUUID'], ['Boot ID', 'bootID'], ['Kernel Version', 'kernelVersion'], ['OS Image', 'osImage'], ['Operating System', 'operatingSystem'], ['Architecture', 'architecture'], ['Container Runtime Version', 'containerRuntimeVersion'], ['Kubelet Version', 'kubeletVersion'], ['Kube-Proxy Version', 'kubeProxyVersion']];
  for (const [title, field] of fields) w.write(0, `  ${title}:\t${str(info[field!])}\n`);
}

type Resources = Map<string, Quantity>;

/** resourcehelper.PodRequests/PodLimits: containers summed, at least the largest init container, plus overhead. */
function podResources(pod: Json, field: 'requests' | 'limits'): Resources {
  const spec = obj(pod.spec);
  const total: Resources = new Map();
  const listOf = (c: Json) => Object.entries(obj(obj(c.resources)[field]));
  for (const c of objs(spec.containers)) for (const [name, q] of listOf(c)) total.set(name, add(total.get(name) ?? ZERO, parseQuantity(q) ?? ZERO));
  for (const c of objs(spec.initContainers)) {
    for (const [name, q] of listOf(c)) {
      const quantity = parseQuantity(q) ?? ZERO;
      if (quantity.nanos > (total.get(name) ?? ZERO).nanos) total.set(name, quantity);
    }
  }
  for (const [name, q] of Object.entries(obj(spec.overhead))) if (total.has(name)) total.set(name, add(total.get(name)!, parseQuantity(q) ?? ZERO));
  return total;
}

/** Go's int64(float64(a) / float64(b) * 100), 0 when there is nothing to divide by. */
const percent = (part: bigint, whole: bigint) => (whole === 0n ? 0 : Math.trunc((Number(part) / Number(whole)) * 100));

function usage(q: Quantity, allocatable: Quantity | undefined, cpu: boolean): string {
  const whole = allocatable ?? ZERO;
  return `${quantityString(q)} (${cpu ? percent(milliValue(q), milliValue(whole)) : percent(value(q), value(whole))}%)`;
}

function nodeResources(w: DescribeWriter, node: Json, pods: Json[], now: Date): void {
  const status = obj(node.status);
  const allocatableJson = Object.keys(obj(status.allocatable)).length > 0 ? obj(status.allocatable) : obj(status.capacity);
  const allocatable = new Map(Object.entries(allocatableJson).map(([k, v]) => [k, parseQuantity(v) ?? ZERO]));
  w.write(0, `Non-terminated Pods:\t(${pods.length} in total)\n`);
  w.write(1, 'Namespace\tName\t\tCPU Requests\tCPU Limits\tMemory Requests\tMemory Limits\tAge\n');
  w.write(1, '---------\t----\t\t------------\t----------\t---------------\t-------------\t---\n');
  const totals = { requests: new Map<string, Quantity>(), limits: new Map<string, Quantity>() };
  for (const pod of pods) {
    const requests = podResources(pod, 'requests');
    const limits = podResources(pod, 'limits');
    for (const [name, q] of requests) totals.requests.set(name, add(totals.requests.get(name) ?? ZERO, q));
    for (const [name, q] of limits) totals.limits.set(name, add(totals.limits.get(name) ?? ZERO, q));
    const cell = (map: Resources, name: string) => usage(map.get(name) ?? ZERO, allocatable.get(name), name === 'cpu');
    const metadata = obj(pod.metadata);
    w.write(1, `${str(metadata.namespace)}\t${str(metadata.name)}\t\t${cell(requests, 'cpu')}\t${cell(limits, 'cpu')}\t${cell(requests, 'memory')}\t${cell(limits, 'memory')}\t${since(metadata.creationTimestamp, now)}\n`);
  }
  w.write(0, 'Allocated resources:\n  (Total limits may be over 100 percent, i.e., overcommitted.)\n');
  w.write(1, 'Resource\tRequests\tLimits\n');
  w.write(1, '--------\t--------\t------\n');
  const standard = ['cpu', 'memory', 'ephemeral-storage'];
  const hugePages = [...allocatable.keys()].filter((k) => k.startsWith('hugepages-')).sort(byString);
  for (const name of [...standard, ...hugePages]) {
    const cell = (map: Map<string, Quantity>) => usage(map.get(name) ?? ZERO, allocatable.get(name), name === 'cpu');
    w.write(1, `${name}\t${cell(totals.requests)}\t${cell(totals.limits)}\n`);
  }
  const extended = [...allocatable.keys()].filter((k) => !standard.includes(k) && !k.startsWith('hugepages-') && k !== 'pods').sort(byString);
  for (const name of extended) w.write(1, `${name}\t${quantityString(totals.requests.get(name) ?? ZERO)}\t${quantityString(totals.limits.get(name) ?? ZERO)}\n`);
}

export function describeNode(node: Json, extras: NodeExtras, now: Date): string {
  const w = new DescribeWriter();
  const metadata = obj(node.metadata);
  const spec = obj(node.spec);
  w.write(0, `Name:\t${str(metadata.name)}\n`);
  w.write(0, `Roles:\t${roles(node).join(',') || '<none>'}\n`);
  printLabels(w, 'Labels', metadata.labels);
  printAnnotations(w, 'Annotations', metadata.annotations);
  w.write(0, `CreationTimestamp:\t${rfc1123z(metadata.creationTimestamp)}\n`);
  printTaints(w, 'Taints', spec.taints);
  w.write(0, `Unschedulable:\t${spec.unschedulable === true}\n`);
  lease(w, extras.lease);
  statusSections(w, obj(node.status));
  if (str(spec.podCIDR)) w.write(0, `PodCIDR:\t${str(spec.podCIDR)}\n`);
  const cidrs = Array.isArray(spec.podCIDRs) ? spec.podCIDRs.map(str) : [];
  if (cidrs.length > 0) w.write(0, `PodCIDRs:\t${cidrs.join(',')}\n`);
  if (str(spec.providerID)) w.write(0, `ProviderID:\t${str(spec.providerID)}\n`);
  nodeResources(w, node, extras.pods, now);
  describeEvents(w, extras.events, now);
  return w.toString();
}
