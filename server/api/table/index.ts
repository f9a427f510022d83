// The public face of server-side Table printing: what kubectl gets back when it asks for
// `application/json;as=Table;...` — the columns and cells of kube-apiserver's printers.
export { toTable, type IncludeObject, type PartialObjectMetadata, type Table, type TableListMeta, type TableOptions, type TableRow, type TableVersion } from './table.ts';
export { wantsTable } from './accept.ts';
export { humanDuration } from './duration.ts';
export { hasPrinter } from './printers.ts';
export type { ColumnDefinition } from './columns.ts';
export type { Cell, RowCondition } from './printer.ts';
