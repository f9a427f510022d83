/**
 * Renders offending values the way apimachinery's field errors print them (Go's `%q` for strings,
 * `%v` for numbers, `%#v` for maps, slices and structs), so messages read exactly like a real
 * kube-apiserver's: `Invalid value: map[string]string{"app":"web"}: ...`.
 */

/** Text already in Go syntax; passed through untouched. */
export interface GoLiteral {
  readonly go: string;
}

export type BadValue = string | number | boolean | null | undefined | GoLiteral;

export function go(text: string): GoLiteral {
  return { go: text };
}

/** Go's strconv.Quote for the characters that matter in practice. */
export function goQuote(s: string): string {
  let out = '"';
  for (const ch of s) {
    const code = ch.codePointAt(0) ?? 0;
    if (ch === '"') out += '\\"';
    else if (ch === '\\') out += '\\\\';
    else if (ch === '\n') out += '\\n';
    else if (ch === '\t') out += '\\t';
    else if (ch === '\r') out += '\\r';
    else if (code < 0x20 || code === 0x7f) out += `\\x${code.toString(16).padStart(2, '0')}`;
    else out += ch;
  }
  return `${out}"`;
}

export function formatValue(value: BadValue): string {
  if (value === null || value === undefined) return 'null';
  if (typeof value === 'string') return goQuote(value);
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  return value.go;
}

/** Go prints map keys sorted. */
export function goStringMap(map: Record<string, unknown> | undefined, type = 'map[string]string'): string {
  if (!map) return `${type}(nil)`;
  const entries = Object.keys(map)
    .sort()
    .map((k) => `${goQuote(k)}:${goQuote(String(map[k]))}`);
  return `${type}{${entries.join(', ')}}`;
}

export function goStringSlice(list: readonly unknown[] | undefined, type = '[]string'): string {
  if (!list) return `${type}(nil)`;
  return `${type}{${list.map((v) => goQuote(String(v))).join(', ')}}`;
}

/** intstr.IntOrString as `%#v` shows it: Type 0 is Int, 1 is String. */
export function goIntOrString(value: number | string | undefined): string {
  if (typeof value === 'string') return `intstr.IntOrString{Type:1, IntVal:0, StrVal:${goQuote(value)}}`;
  return `intstr.IntOrString{Type:0, IntVal:${value ?? 0}, StrVal:""}`;
}

interface SelectorShape {
  matchLabels?: Record<string, unknown>;
  matchExpressions?: Array<{ key?: unknown; operator?: unknown; values?: unknown[] }>;
}

export function goLabelSelector(sel: SelectorShape | undefined): string {
  if (!sel) return 'null';
  const labels = goStringMap(sel.matchLabels);
  const exprs = sel.matchExpressions
    ? `[]v1.LabelSelectorRequirement{${sel.matchExpressions
        .map(
          (e) =>
            `v1.LabelSelectorRequirement{Key:${goQuote(String(e.key ?? ''))}, Operator:${goQuote(String(e.operator ?? ''))}, Values:${goStringSlice(e.values)}}`,
        )
        .join(', ')}}`
    : '[]v1.LabelSelectorRequirement(nil)';
  return `v1.LabelSelector{MatchLabels:${labels}, MatchExpressions:${exprs}}`;
}
