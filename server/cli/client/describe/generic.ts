// kubectl's generic describer, for kinds without a describer of their own: every field of the
// object, sorted, nested by indentation, with "smart" labels ("apiVersion" -> "API Version").
import { describeEvents } from './events.ts';
import { byString, obj, printAnnotations, printLabels, str, type Json } from './format.ts';
import { DescribeWriter } from './writer.ts';

const SKIPPED = ['.metadata.managedFields', '.metadata.name', '.metadata.namespace', '.metadata.labels', '.metadata.annotations'];
const ACRONYMS = ['API', 'URL', 'UID', 'OSB', 'GUID'];

const charClass = (ch: string) => (/\p{Ll}/u.test(ch) ? 1 : /\p{Lu}/u.test(ch) ? 2 : /\p{Nd}/u.test(ch) ? 3 : 4);

/** github.com/fatih/camelcase.Split: runs of one character class; "PDFLoader" is "PDF", "Loader". */
export function camelSplit(text: string): string[] {
  const runs: string[] = [];
  let last = 0;
  for (const ch of text) {
    const kind = charClass(ch);
    if (kind === last) runs[runs.length - 1] += ch;
    else runs.push(ch);
    last = kind;
  }
  for (let i = 0; i < runs.length - 1; i++) {
    if (charClass(runs[i]![0]!) === 2 && charClass(runs[i + 1]![0]!) === 1) {
      runs[i + 1] = runs[i]!.slice(-1) + runs[i + 1];
      runs[i] = runs[i]!.slice(0, -1);
    }
  }
  return runs.filter((r) => r.length > 0);
}

/** smartLabelFor: field names with anything but letters and '-' stay as they are. */
export function smartLabel(field: string): string {
  if (/[^\p{L}-]/u.test(field)) return field;
  return camelSplit(field)
    .filter((part) => part !== '_')
    .map((part) => (ACRONYMS.includes(part.toUpperCase()) ? part.toUpperCase() : part.charAt(0).toUpperCase() + part.slice(1)))
    .join(' ');
}

/** Go's %v of a decoded JSON value. */
const scalar = (value: unknown) => (value === null || value === undefined ? '<nil>' : String(value));

function printContent(w: DescribeWriter, level: number, content: Json, prefix: string): void {
  for (const field of Object.keys(content).sort(byString)) {
    const path = `${prefix}.${field}`;
    if (SKIPPED.includes(path)) continue;
    const value = content[field];
    if (Array.isArray(value)) {
      w.write(level, `${smartLabel(field)}:\n`);
      for (const child of value) {
        if (child && typeof child === 'object' && !Array.isArray(child)) printContent(w, level + 1, child as Json, path);
        else w.write(level + 1, `${Array.isArray(child) ? `[${child.map(scalar).join(' ')}]` : scalar(child)}\n`);
      }
    } else if (value && typeof value === 'object') {
      w.write(level, `${smartLabel(field)}:\n`);
      printContent(w, level + 1, value as Json, path);
    } else {
      w.write(level, `${smartLabel(field)}:\t${scalar(value)}\n`);
    }
  }
}

export function describeGeneric(object: Json, events: Json[] | undefined, now: Date): string {
  const w = new DescribeWriter();
  const metadata = obj(object.metadata);
  w.write(0, `Name:\t${str(metadata.name)}\n`);
  w.write(0, `Namespace:\t${str(metadata.namespace)}\n`);
  printLabels(w, 'Labels', metadata.labels);
  printAnnotations(w, 'Annotations', metadata.annotations);
  printContent(w, 0, object, '');
  describeEvents(w, events, now);
  return w.toString();
}
