// Cell formatting shared by several printers, following apimachinery's String() forms.
import { arr, obj, objs, str, strMap } from './fields.ts';

/** labels.FormatLabels: "a=1,b=2" with sorted keys, "<none>" when empty. */
export function formatLabels(value: unknown): string {
  const labels = strMap(value);
  const keys = Object.keys(labels).sort(compareStrings);
  return keys.length === 0 ? '<none>' : keys.map((k) => `${k}=${labels[k]}`).join(',');
}

/**
 * metav1.LabelSelectorAsSelector(...).String(): requirements sorted by key, "" when the selector
 * is absent or empty, undefined when it is malformed (the printers then show "<error>" or "<invalid>").
 */
export function selectorString(value: unknown): string | undefined {
  if (value === undefined || value === null) return '';
  const selector = obj(value);
  const requirements: Array<{ key: string; text: string }> = [];
  for (const [key, v] of Object.entries(strMap(selector.matchLabels))) requirements.push({ key, text: `${key}=${v}` });
  for (const expression of objs(selector.matchExpressions)) {
    const text = expressionString(expression);
    if (text === undefined) return undefined;
    requirements.push({ key: str(expression.key), text });
  }
  return requirements
    .sort((a, b) => compareStrings(a.key, b.key))
    .map((r) => r.text)
    .join(',');
}

function expressionString(expression: Record<string, unknown>): string | undefined {
  const key = str(expression.key);
  const values = arr(expression.values).map(str).sort(compareStrings);
  switch (str(expression.operator)) {
    case 'In':
      return values.length > 0 ? `${key} in (${values.join(',')})` : undefined;
    case 'NotIn':
      return values.length > 0 ? `${key} notin (${values.join(',')})` : undefined;
    case 'Exists':
      return values.length === 0 ? key : undefined;
    case 'DoesNotExist':
      return values.length === 0 ? `!${key}` : undefined;
    default:
      return undefined;
  }
}

/** metav1.FormatLabelSelector: like selectorString but "<none>" when empty and "<error>" when malformed. */
export function formatLabelSelector(value: unknown): string {
  const text = selectorString(value);
  if (text === undefined) return '<error>';
  return text === '' ? '<none>' : text;
}

/** layoutContainerCells: container names and images, each comma-joined in spec order. */
export function containerCells(podSpec: unknown): [names: string, images: string] {
  const containers = objs(obj(podSpec).containers);
  return [containers.map((c) => str(c.name)).join(','), containers.map((c) => str(c.image)).join(',')];
}

/** Go's sort.Strings order: by UTF-16 code unit here, which equals byte order for ASCII keys. */
export function compareStrings(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
