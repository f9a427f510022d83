// kubectl describe's describers for the kinds skerry serves: the object, what the describer
// reads around it (events, owned sets, a node's pods), and kubectl's text for it.
import { collection, type DescribeClient } from './client.ts';
import { describeNamespace, describeService } from './core.ts';
import { searchEvents, targetOf } from './events.ts';
import { obj, str, type Json } from './format.ts';
import { describeGeneric } from './generic.ts';
import { describeNode, nodeExtras } from './node.ts';
import { describePod } from './pod.ts';
import { describeDeployment, describeReplicaSet, podCountsOf, replicaSetsOf } from './workloads.ts';

export { describeClient, type DescribeClient } from './client.ts';
export type { Json } from './format.ts';

type Describer = (client: DescribeClient, object: Json, now: Date) => Promise<string>;

const events = (client: DescribeClient, object: Json) => searchEvents(client, targetOf(object));

const DESCRIBERS: Record<string, Describer> = {
  // kubectl leaves the kind out of a pod's event search (mirror pods' events carry another uid).
  '/Pod': async (client, pod, now) => describePod(pod, await searchEvents(client, { ...targetOf(pod), kind: undefined }), now),
  '/Node': async (client, node, now) => describeNode(node, await nodeExtras(client, node), now),
  '/Namespace': async (_client, namespace) => describeNamespace(namespace),
  '/Service': async (client, service, now) => {
    const metadata = obj(service.metadata);
    const endpoints = await client.get(`${collection('v1', 'endpoints', str(metadata.namespace))}/${encodeURIComponent(str(metadata.name))}`);
    return describeService(service, endpoints, await events(client, service), now);
  },
  'apps/Deployment': async (client, d, now) => describeDeployment(d, await replicaSetsOf(client, d), await events(client, d), now),
  'apps/ReplicaSet': async (client, rs, now) => describeReplicaSet(rs, await podCountsOf(client, rs), await events(client, rs), now),
};

/** The describe text of one object, as `kubectl describe` prints it. */
export function describeObject(client: DescribeClient, object: Json, now: Date): Promise<string> {
  const apiVersion = str(object.apiVersion);
  const group = apiVersion.includes('/') ? apiVersion.split('/')[0] : '';
  const describer = DESCRIBERS[`${group}/${str(object.kind)}`];
  return describer ? describer(client, object, now) : events(client, object).then((list) => describeGeneric(object, list, now));
}
