interface Column {
  name: string;
  priority: number;
}

export interface Table {
  columnDefinitions: Column[];
  rows: Array<{ cells: unknown[]; object?: { metadata?: { namespace?: string } } }>;
}

/** Prints a server Table as kubectl does: upper-case headers, columns 3 spaces apart, wide columns only with -o wide. */
export function printTable(table: Table, options: { wide: boolean; withNamespace: boolean }): string {
  const keep = table.columnDefinitions.map((c, i) => ({ c, i })).filter(({ c }) => options.wide || c.priority === 0);
  const header = [...(options.withNamespace ? ['NAMESPACE'] : []), ...keep.map(({ c }) => c.name.toUpperCase())];
  const lines = table.rows.map((row) => [
    ...(options.withNamespace ? [row.object?.metadata?.namespace ?? ''] : []),
    ...keep.map(({ i }) => cell(row.cells[i])),
  ]);
  const all = [header, ...lines];
  const widths = header.map((_, col) => Math.max(...all.map((line) => line[col]!.length)));
  return all.map((line) => line.map((text, col) => (col === line.length - 1 ? text : text.padEnd(widths[col]! + 3))).join('').trimEnd()).join('\n') + '\n';
}

function cell(value: unknown): string {
  if (value === null || value === undefined) return '<none>';
  return String(value);
}
