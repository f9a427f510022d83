// Upstream reports written into the API: pod statuses, the node's own object and status, its
// heartbeat Lease, events and its local volumes' states. A node speaks only for itself (as Kubernetes' NodeRestriction
// admission): a status for a pod bound elsewhere, or a stale pod's uid, is dropped.
import { componentLogger } from '../../common/index.ts';
import type { Report } from '../../common/sync/index.ts';
import { ApiError, timestamp, type Catalog, type KubeObject, type ObjectStore } from '../api/index.ts';
import { applyVolumeReport } from '../controllers/index.ts';

const log = componentLogger('sync');

export type ReportWriter = (node: string, report: Report) => Promise<void>;

export function reportWriter(objects: ObjectStore, catalog: Catalog): ReportWriter {
  const Pod = catalog.byResource('', 'v1', 'pods')!;
  const Node = catalog.byResource('', 'v1', 'nodes')!;
  const Lease = catalog.byResource('coordination.k8s.io', 'v1', 'leases')!;
  const Event = catalog.byResource('', 'v1', 'events')!;

  async function podStatus(node: string, report: Extract<Report, { kind: 'podStatus' }>): Promise<void> {
    const pod = await objects.mutate(Pod, report.namespace, report.name, (current) => {
      const spec = current.spec as { nodeName?: string };
      if (spec.nodeName !== node || current.metadata.uid !== report.uid) throw new StaleReport(`pod ${report.namespace}/${report.name} is not this node's (uid ${report.uid})`);
      return { ...current, status: report.status };
    }, { subresource: 'status' });
    // As the kubelet does: once a pod being deleted has nothing left running on its node,
    // the node finishes the deletion (grace 0), so the pod leaves the API.
    if (pod.metadata.deletionTimestamp && nothingRunning(report.status)) {
      await objects.delete(Pod, report.namespace, report.name, { gracePeriodSeconds: 0, preconditions: { uid: report.uid } }).catch(ignoreGone);
    }
  }

  async function nodeObject(node: string, report: Extract<Report, { kind: 'node' }>): Promise<void> {
    try {
      await objects.get(Node, undefined, node);
    } catch (error) {
      if (!(error instanceof ApiError && error.code === 404)) throw error;
      await objects.create(Node, undefined, { apiVersion: 'v1', kind: 'Node', metadata: { name: node, labels: report.labels } } as KubeObject).catch(ignoreExists);
    }
    const current = await objects.get(Node, undefined, node);
    const labels = { ...(current.metadata.labels ?? {}), ...report.labels };
    if (JSON.stringify(labels) !== JSON.stringify(current.metadata.labels ?? {})) {
      await objects.mutate(Node, undefined, node, (n) => ({ ...n, metadata: { ...n.metadata, labels: { ...(n.metadata.labels ?? {}), ...report.labels } } }));
    }
    await objects.mutate(Node, undefined, node, (n) => ({ ...n, status: report.status }), { subresource: 'status' });
  }

  async function lease(node: string, report: Extract<Report, { kind: 'lease' }>): Promise<void> {
    const spec = { holderIdentity: node, leaseDurationSeconds: report.durationSeconds, renewTime: report.renewTime };
    try {
      await objects.mutate(Lease, 'kube-node-lease', node, (l) => ({ ...l, spec: { ...(l.spec as object), ...spec } }));
    } catch (error) {
      if (!(error instanceof ApiError && error.code === 404)) throw error;
      const owner = await objects.get(Node, undefined, node).catch(() => undefined);
      const ownerReferences = owner ? [{ apiVersion: 'v1', kind: 'Node', name: node, uid: owner.metadata.uid! }] : undefined;
      await objects.create(Lease, 'kube-node-lease', { apiVersion: 'coordination.k8s.io/v1', kind: 'Lease', metadata: { name: node, namespace: 'kube-node-lease', ownerReferences }, spec } as KubeObject).catch(ignoreExists);
    }
  }

  async function event(node: string, report: Extract<Report, { kind: 'event' }>): Promise<void> {
    const e = report.event as KubeObject & { involvedObject?: { namespace?: string } };
    const namespace = e.metadata?.namespace ?? e.involvedObject?.namespace ?? 'default';
    const source = { component: 'kubelet', host: node };
    const at = timestamp(new Date());
    await objects.create(Event, namespace, { ...e, apiVersion: 'v1', kind: 'Event', metadata: { ...e.metadata, namespace }, source, reportingComponent: 'kubelet', reportingInstance: node, firstTimestamp: (e as { firstTimestamp?: string }).firstTimestamp ?? at, lastTimestamp: (e as { lastTimestamp?: string }).lastTimestamp ?? at } as KubeObject).catch(ignoreExists);
  }

  return async (node, report) => {
    try {
      switch (report.kind) {
        case 'podStatus':
          return await podStatus(node, report);
        case 'node':
          return await nodeObject(node, report);
        case 'lease':
          return await lease(node, report);
        case 'event':
          return await event(node, report);
        case 'volume':
          // The controllers own what a volume's state means; here only the node check's outcome.
          if ((await applyVolumeReport(objects, catalog, node, report)) === 'stale') throw new StaleReport(`volume ${report.volume} is not this node's`);
          return;
      }
    } catch (error) {
      // A report the API refuses (gone, not this node's, invalid) is dropped, not retried
      // forever: the node will report the next state anyway.
      if (error instanceof StaleReport || (error instanceof ApiError && error.code < 500)) {
        log.info({ node, key: report.key, reason: (error as Error).message }, 'report dropped');
        return;
      }
      throw error;
    }
  };
}

class StaleReport extends Error {}

type ContainerStatus = { state?: { running?: unknown; waiting?: unknown } };

function nothingRunning(status: Record<string, unknown>): boolean {
  const containers = [...((status.initContainerStatuses ?? []) as ContainerStatus[]), ...((status.containerStatuses ?? []) as ContainerStatus[])];
  return containers.every((c) => !c.state?.running);
}

function ignoreGone(error: unknown): undefined {
  if (error instanceof ApiError && (error.code === 404 || error.code === 409)) return undefined;
  throw error;
}

function ignoreExists(error: unknown): undefined {
  if (error instanceof ApiError && error.reason === 'AlreadyExists') return undefined;
  throw error;
}
