// kubectl describe pod.
import { describeContainers, describeVolumes, type FieldResolver } from './containers.ts';
import { describeEvents } from './events.ts';
import { controllerOf, num, obj, objs, printAnnotations, printLabels, printTolerations, rfc1123z, since, str, type Json } from './format.ts';
import { parseQuantity } from './quantity.ts';
import { DescribeWriter } from './writer.ts';

/** fieldpath.ExtractFieldPathAsString: only metadata fields resolve; kubectl shows others empty. */
function resolver(pod: Json): FieldResolver {
  const metadata = obj(pod.metadata);
  return (path) => {
    const keyed = /^metadata\.(labels|annotations)\['(.+)'\]$/.exec(path);
    if (keyed) return str(obj(metadata[keyed[1]!])[keyed[2]!]);
    const field = /^metadata\.(name|namespace|uid)$/.exec(path)?.[1];
    return field ? str(metadata[field]) : '';
  };
}

/** qos.GetPodQOS: the class the API server recorded, else computed as the kubelet does. */
export function qosClass(pod: Json): string {
  const recorded = str(obj(pod.status).qosClass);
  if (recorded) return recorded;
  const spec = obj(pod.spec);
  const containers = [...objs(spec.containers), ...objs(spec.initContainers)];
  const positive = (q: unknown) => (parseQuantity(q)?.nanos ?? 0n) > 0n;
  const sum = (field: 'requests' | 'limits', name: string) => containers.reduce((n, c) => n + (positive(obj(obj(c.resources)[field])[name]) ? parseQuantity(obj(obj(c.resources)[field])[name])!.nanos : 0n), 0n);
  const requests = ['cpu', 'memory'].filter((name) => sum('requests', name) > 0n);
  const limits = ['cpu', 'memory'].filter((name) => sum('limits', name) > 0n);
  if (requests.length === 0 && limits.length === 0) return 'BestEffort';
  const everyLimited = containers.every((c) => ['cpu', 'memory'].every((name) => positive(obj(obj(c.resources).limits)[name])));
  const equal = requests.every((name) => sum('requests', name) === sum('limits', name));
  return everyLimited && equal && requests.length === limits.length ? 'Guaranteed' : 'Burstable';
}

function header(w: DescribeWriter, pod: Json, now: Date): void {
  const metadata = obj(pod.metadata);
  const spec = obj(pod.spec);
  const status = obj(pod.status);
  w.write(0, `Name:\t${str(metadata.name)}\n`);
  w.write(0, `Namespace:\t${str(metadata.namespace)}\n`);
  if (typeof spec.priority === 'number') w.write(0, `Priority:\t${spec.priority}\n`);
  if (str(spec.priorityClassName)) w.write(0, `Priority Class Name:\t${str(spec.priorityClassName)}\n`);
  if (str(spec.runtimeClassName)) w.write(0, `Runtime Class Name:\t${str(spec.runtimeClassName)}\n`);
  if (str(spec.serviceAccountName)) w.write(0, `Service Account:\t${str(spec.serviceAccountName)}\n`);
  w.write(0, `Node:\t${str(spec.nodeName) ? `${str(spec.nodeName)}/${str(status.hostIP)}` : '<none>'}\n`);
  if (status.startTime) w.write(0, `Start Time:\t${rfc1123z(status.startTime)}\n`);
  printLabels(w, 'Labels', metadata.labels);
  printAnnotations(w, 'Annotations', metadata.annotations);
  const phase = str(status.phase);
  if (metadata.deletionTimestamp && phase !== 'Failed' && phase !== 'Succeeded') {
    w.write(0, `Status:\tTerminating (lasts ${since(metadata.deletionTimestamp, now)})\n`);
    w.write(0, `Termination Grace Period:\t${num(metadata.deletionGracePeriodSeconds)}s\n`);
  } else {
    w.write(0, `Status:\t${phase}\n`);
  }
  if (str(status.reason)) w.write(0, `Reason:\t${str(status.reason)}\n`);
  if (str(status.message)) w.write(0, `Message:\t${str(status.message)}\n`);
  const seccomp = obj(obj(spec.securityContext).seccompProfile);
  if (str(seccomp.type)) {
    w.write(0, `SeccompProfile:\t${str(seccomp.type)}\n`);
    if (str(seccomp.type) === 'Localhost') w.write(0, `LocalhostProfile:\t${str(seccomp.localhostProfile)}\n`);
  }
  w.write(0, `IP:\t${str(status.podIP)}\n`);
  const ips = objs(status.podIPs);
  if (ips.length === 0) w.write(0, 'IPs:\t<none>\n');
  else {
    w.write(0, 'IPs:\n');
    for (const ip of ips) w.write(1, `IP:\t${str(ip.ip)}\n`);
  }
  const controlledBy = controllerOf(pod);
  if (controlledBy) w.write(0, `Controlled By:\t${controlledBy}\n`);
  if (str(status.nominatedNodeName)) w.write(0, `NominatedNodeName:\t${str(status.nominatedNodeName)}\n`);
}

function conditions(w: DescribeWriter, pod: Json): void {
  const spec = obj(pod.spec);
  const list = objs(obj(pod.status).conditions);
  const gates = objs(spec.readinessGates);
  if (gates.length > 0) {
    w.write(0, 'Readiness Gates:\n  Type\tStatus\n');
    for (const g of gates) w.write(1, `${str(g.conditionType)} \t${str(list.find((c) => c.type === g.conditionType)?.status) || '<none>'} \n`);
  }
  if (list.length === 0) return;
  w.write(0, 'Conditions:\n  Type\tStatus\n');
  for (const c of list) w.write(1, `${str(c.type)} \t${str(c.status)} \n`);
}

export function describePod(pod: Json, events: Json[] | undefined, now: Date): string {
  const w = new DescribeWriter();
  const spec = obj(pod.spec);
  const status = obj(pod.status);
  header(w, pod, now);
  const resolve = resolver(pod);
  if (objs(spec.initContainers).length > 0) describeContainers(w, 'Init Containers', objs(spec.initContainers), objs(status.initContainerStatuses), '', resolve);
  describeContainers(w, 'Containers', objs(spec.containers), objs(status.containerStatuses), '', resolve);
  conditions(w, pod);
  describeVolumes(w, objs(spec.volumes), '');
  w.write(0, `QoS Class:\t${qosClass(pod)}\n`);
  printLabels(w, 'Node-Selectors', spec.nodeSelector);
  printTolerations(w, 'Tolerations', spec.tolerations);
  describeEvents(w, events, now);
  return w.toString();
}
