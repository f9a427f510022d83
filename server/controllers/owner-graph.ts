import type { KubeObject, ResourceType } from '../api/index.ts';
import type { ObjectRef, OwnerGraph } from './garbage-collector.ts';
import type { Informer } from './informer.ts';

export function refKey(ref: ObjectRef): string {
  return `${ref.type.group}/${ref.type.resource}/${ref.namespace ?? ''}/${ref.name}`;
}

/** Owner uid → dependents, maintained from informer events of every type. */
export function createOwnerGraph(informerOf: (type: ResourceType) => Informer | undefined) {
  const dependents = new Map<string, Map<string, ObjectRef>>();

  function link(ref: ObjectRef, object: KubeObject | undefined, add: boolean): void {
    for (const owner of object?.metadata.ownerReferences ?? []) {
      let set = dependents.get(owner.uid);
      if (add) {
        if (!set) dependents.set(owner.uid, (set = new Map()));
        set.set(refKey(ref), ref);
      } else if (set) {
        set.delete(refKey(ref));
        if (set.size === 0) dependents.delete(owner.uid);
      }
    }
  }

  const graph: OwnerGraph & { update(ref: ObjectRef, object: KubeObject | undefined, old: KubeObject | undefined): void } = {
    dependentsOf: (uid) => [...(dependents.get(uid)?.values() ?? [])],
    lookup: (ref) => informerOf(ref.type)?.get(ref.namespace, ref.name),
    update(ref, object, old) {
      link(ref, old, false);
      link(ref, object, true);
    },
  };
  return graph;
}
