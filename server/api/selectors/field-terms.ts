/**
 * Field selector syntax, as apimachinery's fields.ParseSelector: comma-separated
 * `field=value`, `field==value` or `field!=value` terms; values escape `\`, `,` and `=` with
 * a backslash; field names are taken literally (no trimming, no escapes).
 */
import { SelectorError } from './errors.ts';
import { goCompare } from './go-format.ts';

export type FieldOperator = '=' | '!=';

export interface FieldTerm {
  readonly field: string;
  readonly operator: FieldOperator;
  readonly value: string;
}

/** The terms of a `fieldSelector` string in kube's order (raw terms sorted); [] when empty. */
export function parseFieldTerms(text: string): FieldTerm[] {
  return splitTerms(text)
    .sort(goCompare)
    .filter((raw) => raw !== '')
    .map((raw) => parseTerm(raw, text));
}

function parseTerm(raw: string, selector: string): FieldTerm {
  const split = splitTerm(raw);
  if (split === undefined) throw new SelectorError(`invalid selector: '${selector}'; can't understand '${raw}'`);
  return { field: split.field, operator: split.operator, value: unescapeValue(split.rest) };
}

/** Splits on commas not escaped by a backslash; escapes stay in the terms. */
function splitTerms(text: string): string[] {
  if (text === '') return [];
  const terms: string[] = [];
  let start = 0;
  let escaped = false;
  for (let i = 0; i < text.length; i++) {
    const ch = text.charCodeAt(i);
    if (escaped) escaped = false;
    else if (ch === 0x5c) escaped = true;
    else if (ch === 0x2c) {
      terms.push(text.slice(start, i));
      start = i + 1;
    }
  }
  terms.push(text.slice(start));
  return terms;
}

/** At the first operator: `!=`, then `==` (so `a==b` is not `a` = `=b`), then `=`. */
function splitTerm(term: string): { field: string; operator: FieldOperator; rest: string } | undefined {
  for (let i = 0; i < term.length; i++) {
    const ch = term.charCodeAt(i);
    const next = term.charCodeAt(i + 1);
    if (ch === 0x21 && next === 0x3d) return { field: term.slice(0, i), operator: '!=', rest: term.slice(i + 2) };
    if (ch === 0x3d && next === 0x3d) return { field: term.slice(0, i), operator: '=', rest: term.slice(i + 2) };
    if (ch === 0x3d) return { field: term.slice(0, i), operator: '=', rest: term.slice(i + 1) };
  }
  return undefined;
}

/** fields.UnescapeValue, with its errors (an unescaped rune is printed as its number, as Go's %v does). */
export function unescapeValue(text: string): string {
  let out = '';
  let escaped = false;
  for (const rune of text) {
    if (escaped) {
      if (rune !== '\\' && rune !== ',' && rune !== '=') {
        throw new SelectorError(`invalid field selector: invalid escape sequence: \\${rune}`);
      }
      out += rune;
      escaped = false;
    } else if (rune === '\\') {
      escaped = true;
    } else if (rune === ',' || rune === '=') {
      throw new SelectorError(`invalid field selector: unescaped character in value: ${rune.codePointAt(0) ?? 0}`);
    } else {
      out += rune;
    }
  }
  if (escaped) throw new SelectorError('invalid field selector: invalid escape sequence: \\');
  return out;
}

/** fields.EscapeValue: the inverse of unescapeValue, for writing a selector string. */
export function escapeValue(value: string): string {
  return value.replace(/[\\,=]/g, (ch) => `\\${ch}`);
}
