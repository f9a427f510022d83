// kubectl describe deployment and replicaset.
import { collection, type DescribeClient } from './client.ts';
import { describePodTemplate } from './containers.ts';
import { describeEvents } from './events.ts';
import { byString, controllerOf, formatLabelSelector, num, obj, objs, printAnnotations, printLabels, rfc1123z, selectorText, str, type Json } from './format.ts';
import { DescribeWriter } from './writer.ts';

const replicasOf = (object: Json) => (typeof obj(object.spec).replicas === 'number' ? num(obj(object.spec).replicas) : 1);
const controlledBy = (object: Json, owner: Json) => objs(obj(object.metadata).ownerReferences).some((o) => o.controller === true && o.uid === obj(owner.metadata).uid);

/** JSON with sorted keys, so templates compare whatever order the server kept. */
function canonical(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonical).join(',')}]`;
  if (value && typeof value === 'object') {
    return `{${Object.keys(value).sort(byString).map((k) => `${JSON.stringify(k)}:${canonical((value as Json)[k])}`).join(',')}}`;
  }
  return JSON.stringify(value);
}

/** deploymentutil.EqualIgnoreHash: the same pod template but for the pod-template-hash label. */
function withoutHash(template: unknown): string {
  const copy = structuredClone(obj(template));
  const metadata = obj(copy.metadata);
  const labels = { ...obj(metadata.labels) };
  delete labels['pod-template-hash'];
  copy.metadata = { ...metadata, labels };
  return canonical(copy);
}

const byCreation = (a: Json, b: Json) => byString(str(obj(a.metadata).creationTimestamp), str(obj(b.metadata).creationTimestamp)) || byString(str(obj(a.metadata).name), str(obj(b.metadata).name));

export interface DeploymentSets {
  old: Json[];
  new?: Json;
}

/** deploymentutil.GetAllReplicaSets: the sets the Deployment controls, the one with its template being the new one. */
export async function replicaSetsOf(client: DescribeClient, deployment: Json): Promise<DeploymentSets> {
  const namespace = str(obj(deployment.metadata).namespace);
  const selector = selectorText(obj(deployment.spec).selector);
  const sets = (await client.list(collection('apps/v1', 'replicasets', namespace), selector ? { labelSelector: selector } : {})).filter((rs) => controlledBy(rs, deployment)).sort(byCreation);
  const template = withoutHash(obj(deployment.spec).template);
  const found = sets.find((rs) => withoutHash(obj(rs.spec).template) === template);
  return { old: sets.filter((rs) => rs !== found), new: found };
}

function setsLine(sets: Json[]): string {
  const text = sets.map((rs) => `${str(obj(rs.metadata).name)} (${num(obj(rs.status).replicas)}/${replicasOf(rs)} replicas created)`).join(', ');
  return text || '<none>';
}

const intOrString = (value: unknown) => (value === undefined || value === null ? '0' : String(value));

function conditions(w: DescribeWriter, object: Json): void {
  const list = objs(obj(object.status).conditions);
  if (list.length === 0) return;
  w.write(0, 'Conditions:\n  Type\tStatus\tReason\n');
  w.write(1, '----\t------\t------\n');
  for (const c of list) w.write(1, `${str(c.type)} \t${str(c.status)}\t${str(c.reason)}\n`);
}

export function describeDeployment(d: Json, sets: DeploymentSets, events: Json[] | undefined, now: Date): string {
  const w = new DescribeWriter();
  const metadata = obj(d.metadata);
  const spec = obj(d.spec);
  const status = obj(d.status);
  const strategy = obj(spec.strategy);
  w.write(0, `Name:\t${str(metadata.name)}\n`);
  w.write(0, `Namespace:\t${str(metadata.namespace)}\n`);
  w.write(0, `CreationTimestamp:\t${rfc1123z(metadata.creationTimestamp)}\n`);
  printLabels(w, 'Labels', metadata.labels);
  printAnnotations(w, 'Annotations', metadata.annotations);
  w.write(0, `Selector:\t${selectorText(spec.selector)}\n`);
  const counts = [num(status.updatedReplicas), num(status.replicas), num(status.availableReplicas), num(status.unavailableReplicas)];
  w.write(0, `Replicas:\t${replicasOf(d)} desired | ${counts[0]} updated | ${counts[1]} total | ${counts[2]} available | ${counts[3]} unavailable\n`);
  w.write(0, `StrategyType:\t${str(strategy.type)}\n`);
  w.write(0, `MinReadySeconds:\t${num(spec.minReadySeconds)}\n`);
  if (strategy.rollingUpdate) {
    const rolling = obj(strategy.rollingUpdate);
    w.write(0, `RollingUpdateStrategy:\t${intOrString(rolling.maxUnavailable)} max unavailable, ${intOrString(rolling.maxSurge)} max surge\n`);
  }
  describePodTemplate(w, obj(spec.template));
  conditions(w, d);
  if (sets.old.length > 0 || sets.new) {
    w.write(0, `OldReplicaSets:\t${setsLine(sets.old)}\n`);
    w.write(0, `NewReplicaSet:\t${setsLine(sets.new ? [sets.new] : [])}\n`);
  }
  describeEvents(w, events, now);
  return w.toString();
}

export interface PodCounts {
  running: number;
  waiting: number;
  succeeded: number;
  failed: number;
}

/** getPodStatusForController: the phases of the pods the controller owns. */
export async function podCountsOf(client: DescribeClient, owner: Json): Promise<PodCounts> {
  const selector = selectorText(obj(owner.spec).selector);
  const pods = await client.list(collection('v1', 'pods', str(obj(owner.metadata).namespace)), selector ? { labelSelector: selector } : {});
  const counts: PodCounts = { running: 0, waiting: 0, succeeded: 0, failed: 0 };
  const field: Record<string, keyof PodCounts> = { Running: 'running', Pending: 'waiting', Succeeded: 'succeeded', Failed: 'failed' };
  for (const pod of pods.filter((p) => controlledBy(p, owner))) {
    const key = field[str(obj(pod.status).phase)];
    if (key) counts[key]++;
  }
  return counts;
}

export function describeReplicaSet(rs: Json, pods: PodCounts, events: Json[] | undefined, now: Date): string {
  const w = new DescribeWriter();
  const metadata = obj(rs.metadata);
  w.write(0, `Name:\t${str(metadata.name)}\n`);
  w.write(0, `Namespace:\t${str(metadata.namespace)}\n`);
  w.write(0, `Selector:\t${formatLabelSelector(obj(rs.spec).selector)}\n`);
  printLabels(w, 'Labels', metadata.labels);
  printAnnotations(w, 'Annotations', metadata.annotations);
  const owner = controllerOf(rs);
  if (owner) w.write(0, `Controlled By:\t${owner}\n`);
  w.write(0, `Replicas:\t${num(obj(rs.status).replicas)} current / ${replicasOf(rs)} desired\n`);
  w.write(0, 'Pods Status:\t');
  w.write(0, `${pods.running} Running / ${pods.waiting} Waiting / ${pods.succeeded} Succeeded / ${pods.failed} Failed\n`);
  describePodTemplate(w, obj(obj(rs.spec).template));
  conditions(w, rs);
  describeEvents(w, events, now);
  return w.toString();
}
