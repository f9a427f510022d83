// The field printers every kubectl describer shares (labels, annotations, taints, tolerations,
// times), with kubectl's layout: a title cell, then one value per line under the first.
import { selectorToString } from '../../../api/index.ts';
import { humanDuration } from '../../../api/table/index.ts';
import type { DescribeWriter } from './writer.ts';

export type Json = Record<string, unknown>;

export const obj = (value: unknown): Json => (value && typeof value === 'object' && !Array.isArray(value) ? (value as Json) : {});
export const objs = (value: unknown): Json[] => (Array.isArray(value) ? value.filter((v) => v && typeof v === 'object').map((v) => v as Json) : []);
export const str = (value: unknown): string => (typeof value === 'string' ? value : value === undefined || value === null ? '' : String(value));
export const num = (value: unknown): number => (typeof value === 'number' && Number.isFinite(value) ? value : 0);
export const strMap = (value: unknown): Record<string, string> => Object.fromEntries(Object.entries(obj(value)).map(([k, v]) => [k, str(v)]));

/** Go's sort.Strings order: by UTF-8 bytes, which for these keys is code-unit order. */
export const byString = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

const DAYS = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'];
const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
const two = (n: number) => String(n).padStart(2, '0');

/** time.RFC1123Z in the local zone, as kubectl prints a metav1.Time; Go's zero time when unset. */
export function rfc1123z(value: unknown): string {
  const ms = typeof value === 'string' && value !== '' ? Date.parse(value) : Number.NaN;
  if (!Number.isFinite(ms)) return 'Mon, 01 Jan 0001 00:00:00 +0000';
  const d = new Date(ms);
  const offset = -d.getTimezoneOffset();
  const zone = `${offset < 0 ? '-' : '+'}${two(Math.floor(Math.abs(offset) / 60))}${two(Math.abs(offset) % 60)}`;
  return `${DAYS[d.getDay()]}, ${two(d.getDate())} ${MONTHS[d.getMonth()]} ${d.getFullYear()} ${two(d.getHours())}:${two(d.getMinutes())}:${two(d.getSeconds())} ${zone}`;
}

/** translateTimestampSince: "<unknown>" when unset. */
export function since(value: unknown, now: Date): string {
  const ms = typeof value === 'string' && value !== '' ? Date.parse(value) : Number.NaN;
  return Number.isFinite(ms) ? humanDuration(now.getTime() - ms) : '<unknown>';
}

/** metav1.LabelSelectorAsSelector(...).String(): "" for an empty selector. */
export function selectorText(selector: unknown): string {
  try {
    return selectorToString(selector);
  } catch {
    return '<error>';
  }
}

/** metav1.FormatLabelSelector: like selectorText, "<none>" when empty. */
export const formatLabelSelector = (selector: unknown) => selectorText(selector) || '<none>';

/** labels.FormatLabels: "a=1,b=2" sorted, "<none>" when empty. */
export function formatLabels(labels: unknown): string {
  const map = strMap(labels);
  const keys = Object.keys(map).sort(byString);
  return keys.length === 0 ? '<none>' : keys.map((k) => `${k}=${map[k]}`).join(',');
}

/** printLabelsMultilineWithIndent: the title, then "key=value" lines aligned under the first. */
export function printLabels(w: DescribeWriter, title: string, labels: unknown, initialIndent = ''): void {
  printList(w, title, Object.entries(strMap(labels)).sort(([a], [b]) => byString(a, b)).map(([k, v]) => `${k}=${v}`), initialIndent);
}

/** The multiline layout kubectl uses for labels, taints, tolerations and pods. */
export function printList(w: DescribeWriter, title: string, values: string[], initialIndent = ''): void {
  w.write(0, `${initialIndent}${title}:\t`);
  if (values.length === 0) return w.line('<none>');
  values.forEach((value, i) => w.write(0, `${i === 0 ? '' : `${initialIndent}\t`}${value}\n`));
}

const SKIPPED_ANNOTATIONS = new Set(['kubectl.kubernetes.io/last-applied-configuration']);
const MAX_ANNOTATION = 140;

/** printAnnotationsMultiline: long or multi-line values go on their own indented lines, cut at 138 characters. */
export function printAnnotations(w: DescribeWriter, title: string, annotations: unknown): void {
  w.write(0, `${title}:\t`);
  const map = strMap(annotations);
  const keys = Object.keys(map).filter((k) => !SKIPPED_ANNOTATIONS.has(k)).sort(byString);
  if (keys.length === 0) return w.line('<none>');
  keys.forEach((key, i) => {
    if (i !== 0) w.write(0, '\t');
    const value = map[key]!.replace(/\n$/, '');
    if (value.length + key.length + 2 > MAX_ANNOTATION || value.includes('\n')) {
      w.write(0, `${key}:\n`);
      for (const part of value.split('\n')) w.write(0, `\t  ${part.length > MAX_ANNOTATION - 2 ? `${part.slice(0, MAX_ANNOTATION - 2)}...` : part}\n`);
    } else {
      w.write(0, `${key}: ${value}\n`);
    }
  });
}

/** Taint.ToString(). */
export function taintString(taint: Json): string {
  const [key, value, effect] = [str(taint.key), str(taint.value), str(taint.effect)];
  if (!effect) return value ? `${key}=${value}:` : key;
  return value ? `${key}=${value}:${effect}` : `${key}:${effect}`;
}

/** printNodeTaintsMultiline: sorted by effect, then key. */
export function printTaints(w: DescribeWriter, title: string, taints: unknown): void {
  const sorted = objs(taints).sort((a, b) => byString(`${str(a.effect)},${str(a.key)}`, `${str(b.effect)},${str(b.key)}`));
  printList(w, title, sorted.map(taintString));
}

function tolerationString(t: Json): string {
  let text = str(t.key);
  if (str(t.value)) text += `=${str(t.value)}`;
  if (str(t.effect)) text += `:${str(t.effect)}`;
  // An Exists toleration without a value; with neither key nor effect it tolerates everything.
  if (str(t.operator) === 'Exists' && !str(t.value)) text += str(t.key) || str(t.effect) ? ' op=Exists' : 'op=Exists';
  if (typeof t.tolerationSeconds === 'number') text += ` for ${t.tolerationSeconds}s`;
  return text;
}

/** printTolerationsMultilineWithIndent: sorted by key (stable, as Go's sort.Slice is for short lists). */
export function printTolerations(w: DescribeWriter, title: string, tolerations: unknown, initialIndent = ''): void {
  const sorted = objs(tolerations).sort((a, b) => byString(str(a.key), str(b.key)));
  printList(w, title, sorted.map(tolerationString), initialIndent);
}

/** printController: "Kind/name" of the controlling owner. */
export function controllerOf(object: Json): string {
  const owner = objs(obj(object.metadata).ownerReferences).find((o) => o.controller === true);
  return owner ? `${str(owner.kind)}/${str(owner.name)}` : '';
}
