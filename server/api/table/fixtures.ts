// Helpers for this folder's tests: a fixed clock and rows read by column name.
import type { KubeObject } from '../objects/types.ts';
import type { Cell } from './printer.ts';
import { toTable } from './table.ts';

export const NOW = new Date('2024-05-01T12:00:00Z');
export const SECOND = 1000;
export const MINUTE = 60 * SECOND;
export const HOUR = 60 * MINUTE;
export const DAY = 24 * HOUR;

/** The RFC 3339 time `ms` before NOW. */
export function ago(ms: number): string {
  return new Date(NOW.getTime() - ms).toISOString();
}

export function object(apiVersion: string, kind: string, name: string, fields: Record<string, unknown> = {}, metadata: Record<string, unknown> = {}): KubeObject {
  return { apiVersion, kind, metadata: { name, namespace: 'default', creationTimestamp: ago(3 * DAY), ...metadata }, ...fields };
}

/** One object's row as { COLUMN NAME: cell }, upper-cased as kubectl prints headers. */
export function row(kind: string, item: KubeObject): Record<string, Cell> {
  const table = toTable(kind, [item], { now: NOW });
  const cells = table.rows[0]?.cells ?? [];
  return Object.fromEntries(table.columnDefinitions.map((c, i) => [c.name.toUpperCase(), cells[i] as Cell]));
}

/** The headers kubectl shows: without `-o wide`, and the extra ones with it. */
export function headers(kind: string): { normal: string[]; wide: string[] } {
  const columns = toTable(kind, [], { now: NOW }).columnDefinitions;
  return {
    normal: columns.filter((c) => c.priority === 0).map((c) => c.name.toUpperCase()),
    wide: columns.filter((c) => c.priority > 0).map((c) => c.name.toUpperCase()),
  };
}
