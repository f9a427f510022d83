/**
 * Writing the scheduler's decisions: the binding (only spec.nodeName, through the `binding`
 * subresource) and the PodScheduled condition (through `status`). Both re-read the pod and
 * give up quietly if it was deleted, replaced or bound by someone else meanwhile.
 */
import { ApiError, SELECTED_NODE, type KubeObject, type ObjectStore, type ResourceType } from '../api/index.ts';
import { withPodScheduled, type Scheduled } from './conditions.ts';

export type BindOutcome = 'bound' | 'gone' | 'taken';

export interface Binder {
  /**
   * Marks an unbound claim with the node chosen for its first consumer (kube's VolumeBinding
   * PreBind), before the pod is bound, so the provisioner knows where to make the volume.
   * Throws when the claim is gone, replaced, or chosen for another node meanwhile.
   */
  selectNode(claim: KubeObject, nodeName: string): Promise<void>;
  bind(pod: KubeObject, nodeName: string): Promise<BindOutcome>;
  /** Sets PodScheduled; false when nothing was written (unchanged, bound meanwhile, or gone). */
  markScheduled(pod: KubeObject, scheduled: Scheduled): Promise<boolean>;
}

/** Thrown inside a change function to abandon the write. */
class Abandon extends Error {
  constructor(readonly outcome: BindOutcome | 'unchanged') {
    super(outcome);
  }
}

const isNotFound = (error: unknown) => error instanceof ApiError && error.code === 404;
const nodeNameOf = (pod: KubeObject) => ((pod.spec ?? {}) as { nodeName?: string }).nodeName;

export function createBinder(objects: ObjectStore, Pod: ResourceType, now: () => Date, Claim?: ResourceType): Binder {
  async function selectNode(claim: KubeObject, nodeName: string): Promise<void> {
    if (!Claim) throw new Error('the binder was made without the PersistentVolumeClaim type');
    await objects.mutate(Claim, claim.metadata.namespace, claim.metadata.name!, (current) => {
      if (current.metadata.uid !== claim.metadata.uid) throw new Error(`claim ${claim.metadata.name} was replaced`);
      const selected = current.metadata.annotations?.[SELECTED_NODE];
      if (selected && selected !== nodeName) throw new Error(`claim ${claim.metadata.name} was meanwhile selected for node ${selected}`);
      return { ...current, metadata: { ...current.metadata, annotations: { ...(current.metadata.annotations ?? {}), [SELECTED_NODE]: nodeName } } };
    });
  }


  async function bind(pod: KubeObject, nodeName: string): Promise<BindOutcome> {
    try {
      await objects.mutate(Pod, pod.metadata.namespace, pod.metadata.name!, (current) => {
        if (current.metadata.uid !== pod.metadata.uid || current.metadata.deletionTimestamp) throw new Abandon('gone');
        // kube-apiserver refuses to bind a pod twice ("pod x is already assigned to node y").
        if (nodeNameOf(current)) throw new Abandon('taken');
        return { ...current, spec: { ...((current.spec ?? {}) as object), nodeName } };
      }, { subresource: 'binding' });
      return 'bound';
    } catch (error) {
      if (error instanceof Abandon) return error.outcome === 'unchanged' ? 'gone' : error.outcome;
      if (isNotFound(error)) return 'gone';
      throw error;
    }
  }

  async function markScheduled(pod: KubeObject, scheduled: Scheduled): Promise<boolean> {
    try {
      await objects.mutate(Pod, pod.metadata.namespace, pod.metadata.name!, (current) => {
        if (current.metadata.uid !== pod.metadata.uid) throw new Abandon('gone');
        if (scheduled.status === 'False' && nodeNameOf(current)) throw new Abandon('taken');
        const next = withPodScheduled(current, scheduled, now());
        if (!next) throw new Abandon('unchanged');
        return next;
      }, { subresource: 'status' });
      return true;
    } catch (error) {
      if (error instanceof Abandon || isNotFound(error)) return false;
      throw error;
    }
  }

  return { selectNode, bind, markScheduled };
}
