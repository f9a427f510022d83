// Tables for kinds without a printer of their own.
import { ageColumn, column, nameColumn } from './columns.ts';
import { metaDocs } from './descriptions.ts';
import { parseTime, since } from './duration.ts';
import { str } from './fields.ts';
import type { Printer } from './printer.ts';

/**
 * kube-apiserver's default table convertor, used for built-in kinds that have no printer (Role,
 * ClusterRole): NAME and CREATED AT as an RFC 3339 time, which kubectl prints verbatim.
 */
export const createdAtPrinter: Printer = {
  columns: [nameColumn, column('Created At', 'date', metaDocs.creationTimestamp)],
  cells(object) {
    return [str(object.metadata.name), rfc3339(object.metadata.creationTimestamp)];
  },
};

/** NAME and AGE, as kube-apiserver serves a custom resource without additionalPrinterColumns. */
export const nameAgePrinter: Printer = {
  columns: [nameColumn, { ...ageColumn, type: 'date' }],
  cells(object, { now }) {
    return [str(object.metadata.name), since(object.metadata.creationTimestamp, now)];
  },
};

/** Go's time.RFC3339 of the UTC time: whole seconds, "Z"; an unset time is Go's zero time. */
function rfc3339(value: unknown): string {
  const ms = parseTime(value);
  if (ms === undefined) return '0001-01-01T00:00:00Z';
  return new Date(Math.floor(ms / 1000) * 1000).toISOString().replace('.000Z', 'Z');
}
