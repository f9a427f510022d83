// What a printer is: the columns of one kind and how one object becomes one row.
import type { KubeObject } from '../objects/types.ts';
import type { ColumnDefinition } from './columns.ts';

/** A table cell as kube-apiserver encodes it: printers emit strings, int64s and bools. */
export type Cell = string | number | boolean;

/** A meta.k8s.io TableRowCondition; kubectl uses "Completed" to grey out finished pods. */
export interface RowCondition {
  type: string;
  status: 'True' | 'False' | 'Unknown';
  reason?: string;
  message?: string;
}

export interface PrintContext {
  /** The instant ages and durations are measured to. */
  now: Date;
}

export interface Printer {
  columns: readonly ColumnDefinition[];
  /** One cell per column, wide ones included: the server always prints wide and kubectl hides by priority. */
  cells(object: KubeObject, context: PrintContext): Cell[];
  conditions?(object: KubeObject): RowCondition[] | undefined;
}
