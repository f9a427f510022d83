// `get -w`, as kubectl prints it: after the list, one line (a table row without the header,
// or the object as JSON/YAML) per watch event, until the user stops it or the server ends
// the watch.
import { stringify } from 'yaml';
import { streamGet, type Connection } from './connection.ts';
import { printTable, type Table } from './table.ts';

export interface WatchPrint {
  output: string;
  withNamespace: boolean;
  /** kind/name prefix for -o name, e.g. "pod". */
  kind: string;
  groupVersion: string;
  resourceKind: string;
}

export function resourceVersionOf(body: Record<string, unknown>): string {
  return ((body.metadata ?? {}) as { resourceVersion?: string }).resourceVersion ?? '';
}

export function printObjects(objects: Array<Record<string, unknown>>, print: WatchPrint): void {
  for (const object of objects) {
    const shown = { apiVersion: print.groupVersion, kind: print.resourceKind, ...object };
    if (print.output === 'name') process.stdout.write(`${print.kind}/${(object.metadata as { name: string }).name}\n`);
    else if (print.output === 'json') process.stdout.write(`${JSON.stringify(shown, null, 4)}\n`);
    else process.stdout.write(`---\n${stringify(shown)}`);
  }
}

/** Column definitions come with the list and the first event only; later events reuse them. */
interface TableState {
  columns?: Table['columnDefinitions'];
  headerPrinted: boolean;
}

export async function watchChanges(connection: Connection, collection: string, options: { name?: string; selector?: string; resourceVersion: string; accept: string; print: WatchPrint; listed?: Table }): Promise<void> {
  const state: TableState = { columns: options.listed?.columnDefinitions?.length ? options.listed.columnDefinitions : undefined, headerPrinted: (options.listed?.rows.length ?? 0) > 0 };
  const query = new URLSearchParams({ watch: 'true', allowWatchBookmarks: 'false' });
  if (options.resourceVersion) query.set('resourceVersion', options.resourceVersion);
  if (options.name) query.set('fieldSelector', `metadata.name=${options.name}`);
  if (options.selector) query.set('labelSelector', options.selector);
  const stream = await streamGet(connection, `${collection}?${query}`, options.accept);
  let buffer = '';
  for await (const chunk of stream) {
    buffer += chunk;
    let newline;
    while ((newline = buffer.indexOf('\n')) >= 0) {
      const line = buffer.slice(0, newline).trim();
      buffer = buffer.slice(newline + 1);
      if (line) printEvent(JSON.parse(line) as { type: string; object: Record<string, unknown> }, options.print, state);
    }
  }
}

function printEvent(event: { type: string; object: Record<string, unknown> }, print: WatchPrint, state: TableState): void {
  if (event.type === 'BOOKMARK' || event.type === 'ERROR') return;
  if (event.object.kind === 'Table') {
    const table = event.object as unknown as Table;
    if (table.columnDefinitions?.length) state.columns = table.columnDefinitions;
    if (!state.columns || table.rows.length === 0) return;
    const text = printTable({ ...table, columnDefinitions: state.columns }, { wide: print.output === 'wide', withNamespace: print.withNamespace });
    // As kubectl: the header once (with the list, or with the first change after an empty list).
    process.stdout.write(state.headerPrinted ? text.slice(text.indexOf('\n') + 1) : text);
    state.headerPrinted = true;
    return;
  }
  printObjects([event.object], print);
}
