import { isEmptyJson, isObj, jsonEqual } from './json.ts';

/**
 * A short account of what differs between two JSON values, appended to "may not change" errors the
 * way Kubernetes appends its object diff, so users can see which field tripped the check.
 */
export function describeDiff(before: unknown, after: unknown, at: string, limit = 10): string {
  const lines: string[] = [];
  walk(before, after, at, lines, limit);
  return lines.join('\n');
}

function show(v: unknown): string {
  return isEmptyJson(v) ? '<unset>' : JSON.stringify(v);
}

function walk(a: unknown, b: unknown, at: string, out: string[], limit: number): void {
  if (out.length >= limit || jsonEqual(a, b)) return;
  if (isObj(a) && isObj(b)) {
    for (const k of new Set([...Object.keys(a), ...Object.keys(b)])) walk(a[k], b[k], at ? `${at}.${k}` : k, out, limit);
    return;
  }
  if (Array.isArray(a) && Array.isArray(b) && a.length === b.length) {
    a.forEach((v, i) => walk(v, b[i], `${at}[${i}]`, out, limit));
    return;
  }
  out.push(`  ${at}: ${show(a)} -> ${show(b)}`);
}
