/**
 * kubectl describe's output machinery: a PrefixWriter (two spaces per level) over Go's
 * text/tabwriter configured as kubectl's tabbedString does (minwidth 0, tabwidth 8, padding 2,
 * padchar ' ', no flags). The column rules are tabwriter's own, so the output lines up to the
 * character with kubectl's: a column block is a run of lines that all have a cell in that
 * column, a line without any tab ends every block, and the last cell of a line is never padded.
 */

const PADDING = 2;

const width = (text: string) => [...text].length;

/** tabwriter's format(): writes lines [line0, line1) with the widths of the columns found so far. */
function format(lines: string[][], out: string[], widths: number[], line0: number, line1: number): void {
  const column = widths.length;
  let start = line0;
  for (let i = line0; i < line1; i++) {
    if (column >= lines[i]!.length - 1) continue;
    writeLines(lines, out, widths, start, i);
    start = i;
    let cellWidth = 0;
    for (; i < line1 && column < lines[i]!.length - 1; i++) cellWidth = Math.max(cellWidth, width(lines[i]![column]!) + PADDING);
    format(lines, out, [...widths, cellWidth], start, i);
    start = i;
    // The line that ended the block has no cell in this column; the loop's i++ would skip it anyway.
    i--;
  }
  writeLines(lines, out, widths, start, line1);
}

function writeLines(lines: string[][], out: string[], widths: number[], from: number, to: number): void {
  for (let i = from; i < to; i++) {
    out.push(lines[i]!.map((cell, j) => (j < widths.length ? cell + ' '.repeat(widths[j]! - width(cell)) : cell)).join(''));
  }
}

function formatBatch(batch: string[][]): string[] {
  const out: string[] = [];
  format(batch, out, [], 0, batch.length);
  return out;
}

/** Aligns tab-separated cells as Go's tabwriter does between two flushes. */
export function alignTabs(text: string): string {
  const lines = text.split('\n');
  const partial = lines.pop()!;
  const out: string[] = [];
  let batch: string[][] = [];
  for (const line of lines) {
    const cells = line.split('\t');
    batch.push(cells);
    // A line of one cell cannot affect later columns, so tabwriter flushes there.
    if (cells.length === 1) {
      out.push(...formatBatch(batch));
      batch = [];
    }
  }
  if (partial !== '') batch.push(partial.split('\t'));
  const rest = formatBatch(batch);
  const tail = partial !== '' ? rest.pop()! : '';
  out.push(...rest);
  return out.map((line) => `${line}\n`).join('') + tail;
}

/** kubectl's PrefixWriter: Write(level, text) indents by two spaces per level; Flush ends every column. */
export class DescribeWriter {
  private done = '';
  private buffer = '';

  write(level: number, text: string): void {
    this.buffer += '  '.repeat(level) + text;
  }

  /** WriteLine: the text and a newline, without indentation. */
  line(text: string): void {
    this.buffer += `${text}\n`;
  }

  flush(): void {
    this.done += alignTabs(this.buffer);
    this.buffer = '';
  }

  toString(): string {
    this.flush();
    return this.done;
  }
}
