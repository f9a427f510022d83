// A meta.k8s.io TableColumnDefinition and the columns many printers share.
import { metaDocs, templateDocs } from './descriptions.ts';

/** One column header. Priority 0 is always shown; kubectl shows priority 1 only with `-o wide`. */
export interface ColumnDefinition {
  name: string;
  /** OpenAPI type of the cells: "string", "integer", "number", "boolean", "date". */
  type: string;
  /** OpenAPI format hint; "name" marks the column that holds the object's name. */
  format: string;
  description: string;
  priority: number;
}

export function column(name: string, type: string, description: string, extra: { priority?: number; format?: string } = {}): ColumnDefinition {
  return { name, type, format: extra.format ?? '', description, priority: extra.priority ?? 0 };
}

/** The same column hidden unless `-o wide`. */
export function wide(name: string, type: string, description: string): ColumnDefinition {
  return column(name, type, description, { priority: 1 });
}

export const nameColumn = column('Name', 'string', metaDocs.name, { format: 'name' });
export const ageColumn = column('Age', 'string', metaDocs.creationTimestamp);
export const containersColumn = wide('Containers', 'string', templateDocs.containers);
export const imagesColumn = wide('Images', 'string', templateDocs.images);
