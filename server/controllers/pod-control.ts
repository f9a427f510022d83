// Pod writes as client-go's RealPodControl makes them for the ReplicaSet, Job and DaemonSet
// controllers: each one leaves an Event on the owner, with upstream's reasons and wording.
import { ApiError, type DeleteOptions, type KubeObject, type ObjectStore, type ResourceType } from '../api/index.ts';
import type { EventRecorder } from '../events/index.ts';

/** kube's NamespaceTerminatingCause: no Event for a create the namespace's deletion refused. */
const namespaceTerminating = (error: unknown) => error instanceof ApiError && error.code === 403 && error.message.includes('is being terminated');

export async function createPod(objects: ObjectStore, Pod: ResourceType, owner: KubeObject, pod: KubeObject, events: EventRecorder): Promise<KubeObject> {
  let created: KubeObject;
  try {
    created = await objects.create(Pod, owner.metadata.namespace, pod);
  } catch (error) {
    if (!namespaceTerminating(error)) events.event(owner, 'Warning', 'FailedCreate', `Error creating: ${(error as Error).message}`);
    throw error;
  }
  events.event(owner, 'Normal', 'SuccessfulCreate', `Created pod: ${created.metadata.name}`);
  return created;
}

/** Deletes a pod; one already gone counts as deleted, silently, as upstream returns early on NotFound. */
export async function deletePod(objects: ObjectStore, Pod: ResourceType, owner: KubeObject, pod: KubeObject, events: EventRecorder, options?: DeleteOptions): Promise<void> {
  try {
    await objects.delete(Pod, pod.metadata.namespace, pod.metadata.name!, options);
  } catch (error) {
    if (error instanceof ApiError && error.code === 404) return;
    events.event(owner, 'Warning', 'FailedDelete', `Error deleting: ${(error as Error).message}`);
    throw error;
  }
  events.event(owner, 'Normal', 'SuccessfulDelete', `Deleted pod: ${pod.metadata.name}`);
}
