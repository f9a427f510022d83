// Assembles a meta.k8s.io Table from printed rows, as kube-apiserver's response transform does.
import type { KubeObject, ObjectMeta } from '../objects/types.ts';
import type { ColumnDefinition } from './columns.ts';
import { printerFor } from './printers.ts';
import type { Cell, RowCondition } from './printer.ts';

export type TableVersion = 'v1' | 'v1beta1';

/** How much of each object a row carries (the `includeObject` query parameter). */
export type IncludeObject = 'None' | 'Metadata' | 'Object';

export interface TableOptions {
  /** The instant ages and durations are measured to. */
  now: Date;
  /** Defaults to Metadata, as in kube-apiserver. */
  includeObject?: IncludeObject;
  /** The meta.k8s.io version the client asked for (see wantsTable); defaults to v1. */
  version?: TableVersion;
  /** Leave out the column definitions, as kube-apiserver does for watch events after the first. */
  noHeaders?: boolean;
}

export interface TableListMeta {
  resourceVersion?: string;
  continue?: string;
  remainingItemCount?: number;
}

export interface PartialObjectMetadata {
  kind: 'PartialObjectMetadata';
  apiVersion: string;
  metadata: ObjectMeta;
}

export interface TableRow {
  cells: Cell[];
  conditions?: RowCondition[];
  object?: KubeObject | PartialObjectMetadata;
}

export interface Table {
  kind: 'Table';
  apiVersion: string;
  metadata: TableListMeta;
  columnDefinitions: ColumnDefinition[];
  rows: TableRow[];
}

/**
 * The Table of `objects`, all of one `kind`. For a single-object GET pass a one-element list and
 * the object's resourceVersion as listMeta, which is what kube-apiserver puts in the Table.
 */
export function toTable(kind: string, objects: KubeObject[], options: TableOptions, listMeta: TableListMeta = {}): Table {
  const printer = printerFor(kind);
  const apiVersion = `meta.k8s.io/${options.version ?? 'v1'}`;
  const include = options.includeObject ?? 'Metadata';
  const rows = objects.map((object): TableRow => {
    const row: TableRow = { cells: printer.cells(object, { now: options.now }) };
    const conditions = printer.conditions?.(object);
    if (conditions !== undefined) row.conditions = conditions;
    const embedded = embeddedObject(object, include, apiVersion);
    if (embedded !== undefined) row.object = embedded;
    return row;
  });
  return {
    kind: 'Table',
    apiVersion,
    metadata: tableMetadata(listMeta),
    columnDefinitions: options.noHeaders ? [] : printer.columns.map((c) => ({ ...c })),
    rows,
  };
}

/** Metadata rows carry a PartialObjectMetadata of the Table's own group version. */
function embeddedObject(object: KubeObject, include: IncludeObject, apiVersion: string): TableRow['object'] {
  if (include === 'None') return undefined;
  if (include === 'Object') return object;
  return { kind: 'PartialObjectMetadata', apiVersion, metadata: object.metadata };
}

/** ListMeta with its empty fields omitted, as Go's omitempty does. */
function tableMetadata(listMeta: TableListMeta): TableListMeta {
  const metadata: TableListMeta = {};
  if (listMeta.resourceVersion) metadata.resourceVersion = listMeta.resourceVersion;
  if (listMeta.continue) metadata.continue = listMeta.continue;
  if (listMeta.remainingItemCount !== undefined) metadata.remainingItemCount = listMeta.remainingItemCount;
  return metadata;
}
