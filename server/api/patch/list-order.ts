/**
 * The element order of a merged list, as apimachinery's strategic merge patch settles it
 * (normalizeElementOrder): elements named by the patch keep the patch's relative order,
 * elements only on the server keep the server's, and the two runs are interleaved by the
 * server's order. An element new to the server therefore lands before the server elements
 * that follow it in the merge, which is why `kubectl patch` adding a container puts it first.
 */

/** The identity of an element: its merge key value, or the primitive itself; undefined if none. */
export type ElementKey = (element: unknown) => unknown;

export function orderMerged(merged: readonly unknown[], patchOrder: readonly unknown[], serverOrder: readonly unknown[], keyOf: ElementKey): unknown[] {
  const patchIndex = indexByKey(patchOrder, keyOf);
  const serverIndex = indexByKey(serverOrder, keyOf);
  const inPatch = (e: unknown) => patchIndex.has(keyOf(e));
  const fromPatch = sortByIndex(merged.filter(inPatch), patchIndex, keyOf);
  const serverOnly = sortByIndex(merged.filter((e) => !inPatch(e)), serverIndex, keyOf);
  return interleave(serverOnly, fromPatch, serverIndex, keyOf);
}

function indexByKey(list: readonly unknown[], keyOf: ElementKey): Map<unknown, number> {
  const index = new Map<unknown, number>();
  list.forEach((element, i) => {
    const key = keyOf(element);
    if (key !== undefined && !index.has(key)) index.set(key, i);
  });
  return index;
}

function sortByIndex(list: unknown[], index: Map<unknown, number>, keyOf: ElementKey): unknown[] {
  const position = (e: unknown) => index.get(keyOf(e)) ?? Number.MAX_SAFE_INTEGER;
  // Array#sort is stable, so elements the index does not know keep their merged order.
  return list.sort((a, b) => position(a) - position(b));
}

function interleave(serverOnly: readonly unknown[], fromPatch: readonly unknown[], serverIndex: Map<unknown, number>, keyOf: ElementKey): unknown[] {
  const out: unknown[] = [];
  let i = 0;
  let j = 0;
  while (i < serverOnly.length && j < fromPatch.length) {
    const left = serverIndex.get(keyOf(serverOnly[i]));
    const right = serverIndex.get(keyOf(fromPatch[j]));
    if (left !== undefined && right !== undefined && left < right) out.push(serverOnly[i++]);
    else out.push(fromPatch[j++]);
  }
  return out.concat(serverOnly.slice(i), fromPatch.slice(j));
}
