// describeContainers, describeVolumes and DescribePodTemplate: what kubectl prints for a pod's
// containers and volumes, in a pod and in a workload's pod template.
import { canonical, milliValue, parseQuantity, value, ZERO } from './quantity.ts';
import { byString, num, obj, objs, printLabels, printAnnotations, printTolerations, rfc1123z as rfc, str, type Json } from './format.ts';
import type { DescribeWriter } from './writer.ts';

const orNone = (text: string) => text || '<none>';

function ports(container: Json, field: 'containerPort' | 'hostPort'): string {
  // kubectl 1.31 leaves port names out (1.32 added them).
  return objs(container.ports).map((p) => `${num(p[field])}/${str(p.protocol) || 'TCP'}`).join(', ');
}

function basicInfo(w: DescribeWriter, container: Json, status: Json | undefined, space: string): void {
  w.write(1, `${space ? ' ' : ''}${str(container.name)}:\n`);
  if (status) w.write(2, `Container ID:\t${str(status.containerID)}\n`);
  w.write(2, `Image:\t${str(container.image)}\n`);
  if (status) w.write(2, `Image ID:\t${str(status.imageID)}\n`);
  const containerPorts = ports(container, 'containerPort');
  w.write(2, containerPorts.includes(',') ? `Ports:\t${containerPorts}\n` : `Port:\t${orNone(containerPorts)}\n`);
  const hostPorts = ports(container, 'hostPort');
  w.write(2, hostPorts.includes(',') ? `Host Ports:\t${hostPorts}\n` : `Host Port:\t${orNone(hostPorts)}\n`);
}

function command(w: DescribeWriter, container: Json): void {
  for (const [field, title] of [['command', 'Command'], ['args', 'Args']] as const) {
    const list = Array.isArray(container[field]) ? (container[field] as unknown[]).map(str) : [];
    if (list.length === 0) continue;
    w.write(2, `${title}:\n`);
    for (const item of list) for (const line of item.split('\n')) w.write(3, `${line}\n`);
  }
}

function state(w: DescribeWriter, title: string, value: Json): void {
  const { running, waiting, terminated } = { running: value.running, waiting: value.waiting, terminated: value.terminated } as Record<string, Json | undefined>;
  if (running) {
    w.write(2, `${title}:\tRunning\n`);
    w.write(3, `Started:\t${rfc(running.startedAt)}\n`);
  } else if (terminated) {
    w.write(2, `${title}:\tTerminated\n`);
    if (str(terminated.reason)) w.write(3, `Reason:\t${str(terminated.reason)}\n`);
    if (str(terminated.message)) w.write(3, `Message:\t${str(terminated.message)}\n`);
    w.write(3, `Exit Code:\t${num(terminated.exitCode)}\n`);
    if (num(terminated.signal) > 0) w.write(3, `Signal:\t${num(terminated.signal)}\n`);
    w.write(3, `Started:\t${rfc(terminated.startedAt)}\n`);
    w.write(3, `Finished:\t${rfc(terminated.finishedAt)}\n`);
  } else {
    w.write(2, `${title}:\tWaiting\n`);
    if (waiting && str(waiting.reason)) w.write(3, `Reason:\t${str(waiting.reason)}\n`);
  }
}

function resources(w: DescribeWriter, requirements: Json, level: number): void {
  for (const [field, title] of [['limits', 'Limits'], ['requests', 'Requests']] as const) {
    const entries = Object.entries(obj(requirements[field])).sort(([a], [b]) => byString(a, b));
    if (entries.length > 0) w.write(level, `${title}:\n`);
    for (const [name, quantity] of entries) w.write(level + 1, `${name}:\t${canonical(quantity)}\n`);
  }
}

function probe(p: Json): string {
  const attrs = `delay=${num(p.initialDelaySeconds)}s timeout=${num(p.timeoutSeconds)}s period=${num(p.periodSeconds)}s #success=${num(p.successThreshold)} #failure=${num(p.failureThreshold)}`;
  const exec = obj(p.exec);
  const http = obj(p.httpGet);
  const tcp = obj(p.tcpSocket);
  if (p.exec) return `exec [${(Array.isArray(exec.command) ? exec.command : []).map(str).join(' ')}] ${attrs}`;
  if (p.httpGet) {
    const port = str(http.port);
    const host = str(http.host);
    const hostPort = port ? `${host.includes(':') ? `[${host}]` : host}:${port}` : host;
    return `http-get ${str(http.scheme).toLowerCase() || 'http'}://${hostPort}${str(http.path)} ${attrs}`;
  }
  if (p.tcpSocket) return `tcp-socket ${str(tcp.host)}:${str(tcp.port)} ${attrs}`;
  if (p.grpc) return `grpc <pod>:${num(obj(p.grpc).port)} ${str(obj(p.grpc).service)} ${attrs}`;
  return `unknown ${attrs}`;
}

/** A fieldRef's value in this pod (kubectl's EnvValueRetriever); none for a template. */
export type FieldResolver = (fieldPath: string) => string;

/** ExtractContainerResourceValue: the container's own request or limit over the divisor, rounded up. */
function resourceValue(container: Json, ref: Json): string {
  const [kind, name] = str(ref.resource).split('.');
  const quantity = parseQuantity(obj(obj(container.resources)[kind === 'limits' ? 'limits' : 'requests'])[name ?? '']) ?? ZERO;
  const divisor = parseQuantity(ref.divisor ?? '1') ?? { nanos: 1_000_000_000n, format: 'DecimalSI' as const };
  const cpu = name === 'cpu';
  const [n, d] = cpu ? [milliValue(quantity), milliValue(divisor)] : [value(quantity), value(divisor)];
  const result = d === 0n ? 0n : (n + d - 1n) / d;
  return result === 0n && kind === 'limits' && (cpu || name === 'memory') ? 'node allocatable' : String(result);
}

function env(w: DescribeWriter, container: Json, resolve: FieldResolver | undefined): void {
  const from = objs(container.envFrom);
  if (from.length > 0) {
    w.write(2, 'Environment Variables from:\n');
    for (const e of from) {
      const [kind, ref] = e.configMapRef ? ['ConfigMap', obj(e.configMapRef)] : ['Secret', obj(e.secretRef)];
      const prefix = str(e.prefix) ? ` with prefix '${str(e.prefix)}'` : '';
      w.write(3, `${str(ref.name)}\t${kind}${prefix}\tOptional: ${ref.optional === true}\n`);
    }
  }
  const vars = objs(container.env);
  w.write(2, `Environment:${vars.length === 0 ? '\t<none>' : ''}\n`);
  for (const e of vars) {
    const from = obj(e.valueFrom);
    if (!e.valueFrom) {
      str(e.value).split('\n').forEach((line, i) => w.write(3, i === 0 ? `${str(e.name)}:\t${line}\n` : `\t${line}\n`));
    } else if (from.fieldRef) {
      const ref = obj(from.fieldRef);
      w.write(3, `${str(e.name)}:\t${resolve?.(str(ref.fieldPath)) ?? ''} (${str(ref.apiVersion)}:${str(ref.fieldPath)})\n`);
    } else if (from.resourceFieldRef) {
      w.write(3, `${str(e.name)}:\t${resourceValue(container, obj(from.resourceFieldRef))} (${str(obj(from.resourceFieldRef).resource)})\n`);
    } else {
      const [ref, what] = from.secretKeyRef ? [obj(from.secretKeyRef), 'in secret'] : [obj(from.configMapKeyRef), 'of config map'];
      w.write(3, `${str(e.name)}:\t<set to the key '${str(ref.key)}' ${what} '${str(ref.name)}'>\tOptional: ${ref.optional === true}\n`);
    }
  }
}

function mounts(w: DescribeWriter, container: Json): void {
  const list = objs(container.volumeMounts).sort((a, b) => byString(str(a.mountPath), str(b.mountPath)));
  w.write(2, `Mounts:${list.length === 0 ? '\t<none>' : ''}\n`);
  for (const m of list) {
    const flags = [m.readOnly === true ? 'ro' : 'rw', ...(str(m.subPath) ? [`path=${JSON.stringify(str(m.subPath))}`] : [])];
    w.write(3, `${str(m.mountPath)} from ${str(m.name)} (${flags.join(',')})\n`);
  }
}

/** describeContainers: one block per container, with its status when the pod has one. */
export function describeContainers(w: DescribeWriter, label: string, containers: Json[], statuses: Json[] | undefined, space: string, resolve?: FieldResolver): void {
  const byName = new Map((statuses ?? []).map((s) => [str(s.name), s]));
  w.write(0, `${space}${label}:${containers.length === 0 ? ' <none>' : ''}\n`);
  for (const container of containers) {
    const status = statuses ? byName.get(str(container.name)) : undefined;
    basicInfo(w, container, status, space);
    command(w, container);
    if (status) {
      state(w, 'State', obj(status.state));
      if (obj(status.lastState).terminated) state(w, 'Last State', obj(status.lastState));
      w.write(2, `Ready:\t${status.ready === true ? 'True' : 'False'}\n`);
      w.write(2, `Restart Count:\t${num(status.restartCount)}\n`);
    }
    resources(w, obj(container.resources), 2);
    for (const [field, title] of [['livenessProbe', 'Liveness'], ['readinessProbe', 'Readiness'], ['startupProbe', 'Startup']] as const) {
      if (container[field]) w.write(2, `${title}:\t${probe(obj(container[field]))}\n`);
    }
    env(w, container, resolve);
    mounts(w, container);
  }
}

const VOLUME_TYPES: Array<[string, (v: Json) => string]> = [
  // The API defaults type to "", which kubectl prints as it is; only an absent type is "<none>".
  ['hostPath', (v) => `Type:\tHostPath (bare host directory volume)\n    Path:\t${str(v.path)}\n    HostPathType:\t${v.type === undefined || v.type === null ? '<none>' : str(v.type)}\n`],
  ['emptyDir', (v) => `Type:\tEmptyDir (a temporary directory that shares a pod's lifetime)\n    Medium:\t${str(v.medium)}\n    SizeLimit:\t${v.sizeLimit ? canonical(v.sizeLimit) : '<unset>'}\n`],
  ['secret', (v) => `Type:\tSecret (a volume populated by a Secret)\n    SecretName:\t${str(v.secretName)}\n    Optional:\t${v.optional === true}\n`],
  ['configMap', (v) => `Type:\tConfigMap (a volume populated by a ConfigMap)\n    Name:\t${str(v.name)}\n    Optional:\t${v.optional === true}\n`],
  ['persistentVolumeClaim', (v) => `Type:\tPersistentVolumeClaim (a reference to a PersistentVolumeClaim in the same namespace)\n    ClaimName:\t${str(v.claimName)}\n    ReadOnly:\t${v.readOnly === true}\n`],
  ['nfs', (v) => `Type:\tNFS (an NFS mount that lasts the lifetime of a pod)\n    Server:\t${str(v.server)}\n    Path:\t${str(v.path)}\n    ReadOnly:\t${v.readOnly === true}\n`],
];

/** Go's %v of a *bool: kubectl 1.31 prints the pointer, "<nil>" when unset. */
const optional = (value: unknown) => (typeof value === 'boolean' ? String(value) : '<nil>');

function projected(w: DescribeWriter, source: Json): void {
  w.write(2, 'Type:\tProjected (a volume that contains injected data from multiple sources)\n');
  for (const s of objs(source.sources)) {
    if (s.secret) w.write(2, `SecretName:\t${str(obj(s.secret).name)}\n    SecretOptionalName:\t${optional(obj(s.secret).optional)}\n`);
    else if (s.downwardAPI) w.write(2, 'DownwardAPI:\ttrue\n');
    else if (s.configMap) w.write(2, `ConfigMapName:\t${str(obj(s.configMap).name)}\n    ConfigMapOptional:\t${optional(obj(s.configMap).optional)}\n`);
    else if (s.serviceAccountToken) w.write(2, `TokenExpirationSeconds:\t${num(obj(s.serviceAccountToken).expirationSeconds)}\n`);
  }
}

function downwardAPI(w: DescribeWriter, source: Json): void {
  w.write(2, 'Type:\tDownwardAPI (a volume populated by information about the pod)\n    Items:\n');
  for (const item of objs(source.items)) {
    if (item.fieldRef) w.write(3, `${str(obj(item.fieldRef).fieldPath)} -> ${str(item.path)}\n`);
    if (item.resourceFieldRef) w.write(3, `${str(obj(item.resourceFieldRef).resource)} -> ${str(item.path)}\n`);
  }
}

/** describeVolumes: the common volume sources; others, as kubectl does for unknown ones, "<unknown>". */
export function describeVolumes(w: DescribeWriter, volumes: Json[], space: string): void {
  if (volumes.length === 0) return w.write(0, `${space}Volumes:\t<none>\n`);
  w.write(0, `${space}Volumes:\n`);
  for (const volume of volumes) {
    w.write(1, `${space ? ' ' : ''}${str(volume.name)}:\n`);
    const known = VOLUME_TYPES.find(([field]) => volume[field]);
    if (known) w.write(2, known[1](obj(volume[known[0]])));
    else if (volume.projected) projected(w, obj(volume.projected));
    else if (volume.downwardAPI) downwardAPI(w, obj(volume.downwardAPI));
    else w.write(1, '<unknown>\n');
  }
}

/** DescribePodTemplate, as printed by the Deployment, ReplicaSet and other workload describers. */
export function describePodTemplate(w: DescribeWriter, template: Json): void {
  const metadata = obj(template.metadata);
  const spec = obj(template.spec);
  w.write(0, 'Pod Template:\n');
  printLabels(w, '  Labels', metadata.labels);
  if (Object.keys(obj(metadata.annotations)).length > 0) printAnnotations(w, '  Annotations', metadata.annotations);
  if (str(spec.serviceAccountName)) w.write(1, `Service Account:\t${str(spec.serviceAccountName)}\n`);
  if (objs(spec.initContainers).length > 0) describeContainers(w, 'Init Containers', objs(spec.initContainers), undefined, '  ');
  describeContainers(w, 'Containers', objs(spec.containers), undefined, '  ');
  describeVolumes(w, objs(spec.volumes), '  ');
  if (str(spec.priorityClassName)) w.write(1, `Priority Class Name:\t${str(spec.priorityClassName)}\n`);
  printLabels(w, '  Node-Selectors', spec.nodeSelector);
  printTolerations(w, '  Tolerations', spec.tolerations);
}
