// ControllerRevisions: the template history of DaemonSets and StatefulSets, which
// `kubectl rollout history/undo` read, and from which a StatefulSet recreates pods of its
// current (not yet updated) revision.
import { ApiError, type Catalog, type KubeObject, type ObjectStore, type ResourceType } from '../api/index.ts';
import { controllerOf, ownerReferenceTo } from './pods.ts';
import { sameTemplate, templateHash } from './template-hash.ts';

/** The pod label naming the revision a pod was made from (the hash for DaemonSets, the revision name for StatefulSets). */
export const REVISION_HASH_LABEL = 'controller-revision-hash';
const HASH_LABEL = 'controller.kubernetes.io/hash';

export interface History {
  /** The revision of the parent's current template (a StatefulSet's updateRevision). */
  update: KubeObject;
  hash: string;
  /** Every revision the parent owns, the update revision included. */
  revisions: KubeObject[];
}

interface Parent {
  metadata: KubeObject['metadata'];
  spec?: unknown;
  status?: unknown;
}

export const revisionNumber = (revision: KubeObject): number => Number(revision.revision ?? 0) || 0;

/** The pod template a revision holds (its data is the strategic patch kubectl applies on undo). */
export function templateOfRevision(revision: KubeObject): unknown {
  const template = { ...((((revision.data ?? {}) as { spec?: { template?: Record<string, unknown> } }).spec?.template ?? {}) as Record<string, unknown>) };
  delete template.$patch;
  return template;
}

const templateOf = (parent: Parent) => ((parent.spec ?? {}) as { template?: { metadata?: { labels?: Record<string, string> } } }).template ?? {};

export function controllerHistory(objects: ObjectStore, catalog: Catalog) {
  const Revision = catalog.byResource('apps', 'v1', 'controllerrevisions')!;

  async function list(parent: KubeObject): Promise<KubeObject[]> {
    const { items } = await objects.list(Revision, parent.metadata.namespace, { filter: (r) => controllerOf(r)?.uid === parent.metadata.uid });
    return items.sort((a, b) => revisionNumber(a) - revisionNumber(b));
  }

  /**
   * The revision for the parent's template, created (numbered one past the newest) when no
   * revision holds that template; an older one that does (a rollback) is renumbered newest.
   * Returns 'collision' when another template took the name: the caller bumps collisionCount.
   */
  async function sync(parent: KubeObject): Promise<History | 'collision'> {
    const template = templateOf(parent);
    const revisions = await list(parent);
    const newest = Math.max(0, ...revisions.map(revisionNumber));
    const existing = revisions.find((r) => sameTemplate(templateOfRevision(r), template));
    if (existing) {
      if (revisionNumber(existing) < newest) {
        const renumbered = await objects.mutate(Revision, parent.metadata.namespace, existing.metadata.name!, (current) => ({ ...current, revision: newest + 1 }));
        return { update: renumbered, hash: existing.metadata.labels?.[HASH_LABEL] ?? '', revisions: revisions.map((r) => (r === existing ? renumbered : r)) };
      }
      return { update: existing, hash: existing.metadata.labels?.[HASH_LABEL] ?? '', revisions };
    }
    const collisionCount = ((parent.status ?? {}) as { collisionCount?: number }).collisionCount ?? 0;
    const hash = templateHash(template, collisionCount);
    const revision: KubeObject = {
      apiVersion: 'apps/v1',
      kind: 'ControllerRevision',
      metadata: {
        name: `${parent.metadata.name}-${hash}`,
        labels: { ...(template.metadata?.labels ?? {}), [HASH_LABEL]: hash },
        ownerReferences: [ownerReferenceTo(parent)],
      },
      data: { spec: { template: { ...structuredClone(template), $patch: 'replace' } } },
      revision: newest + 1,
    };
    try {
      const created = await objects.create(Revision, parent.metadata.namespace, revision);
      return { update: created, hash, revisions: [...revisions, created] };
    } catch (error) {
      if (error instanceof ApiError && error.reason === 'AlreadyExists') return 'collision';
      throw error;
    }
  }

  /** Keeps at most `limit` revisions besides those still in use (`live` names), dropping the oldest. */
  async function prune(parent: KubeObject, revisions: KubeObject[], live: Set<string>, limit: number): Promise<void> {
    const idle = revisions.filter((r) => !live.has(r.metadata.name!)).sort((a, b) => revisionNumber(a) - revisionNumber(b));
    for (const revision of idle.slice(0, Math.max(0, idle.length - limit))) {
      await objects.delete(Revision, parent.metadata.namespace, revision.metadata.name!).catch((error: unknown) => {
        if (!(error instanceof ApiError && error.code === 404)) throw error;
      });
    }
  }

  return { sync, prune, list };
}

/** Counts a hash collision in the parent's status, so that the next hash differs. */
export async function bumpCollisionCount(objects: ObjectStore, type: ResourceType, parent: KubeObject): Promise<void> {
  await objects.mutate(type, parent.metadata.namespace, parent.metadata.name!, (current) => {
    const status = (current.status ?? {}) as { collisionCount?: number };
    return { ...current, status: { ...status, collisionCount: (status.collisionCount ?? 0) + 1 } };
  }, { subresource: 'status' });
}
