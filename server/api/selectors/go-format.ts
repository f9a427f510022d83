/**
 * Renders values the way Go's fmt and encoding/json do inside apimachinery's messages, so the
 * errors we answer with read exactly like kube-apiserver's (clients and tests compare them).
 */

const namedEscapes: ReadonlyMap<string, string> = new Map([
  ['\x07', '\\a'],
  ['\b', '\\b'],
  ['\f', '\\f'],
  ['\n', '\\n'],
  ['\r', '\\r'],
  ['\t', '\\t'],
  ['\v', '\\v'],
  ['\\', '\\\\'],
  ['"', '\\"'],
]);

// Go's strconv.IsPrint: letters, marks, numbers, punctuation, symbols and the ASCII space.
const printable = /^[\p{L}\p{M}\p{N}\p{P}\p{S} ]$/u;

/** Go's `%q` of a string (strconv.Quote). */
export function goQuote(text: string): string {
  let out = '"';
  for (const rune of text) out += escapeRune(rune);
  return `${out}"`;
}

function escapeRune(rune: string): string {
  const named = namedEscapes.get(rune);
  if (named !== undefined) return named;
  if (printable.test(rune)) return rune;
  const code = rune.codePointAt(0) ?? 0;
  if (code < 0x20 || code === 0x7f) return `\\x${hex(code, 2)}`;
  // A lone surrogate cannot come out of UTF-8; Go would show the replacement rune.
  if (code >= 0xd800 && code <= 0xdfff) return '\\ufffd';
  return code < 0x10000 ? `\\u${hex(code, 4)}` : `\\U${hex(code, 8)}`;
}

function hex(code: number, width: number): string {
  return code.toString(16).padStart(width, '0');
}

/** Go's json.Marshal of a string slice (nil → null), as field.Invalid prints non-string values. */
export function goJson(values: readonly string[] | null): string {
  // encoding/json escapes these for HTML safety; JSON.stringify does not.
  return JSON.stringify(values).replace(/[<>&\u2028\u2029]/g, (c) => `\\u${hex(c.charCodeAt(0), 4)}`);
}

/** Go's `<` on strings: byte order of UTF-8, which is code point order (UTF-16 units differ above U+FFFF). */
export function goCompare(a: string, b: string): number {
  const length = Math.min(a.length, b.length);
  for (let i = 0; i < length; i++) {
    const x = a.charCodeAt(i);
    const y = b.charCodeAt(i);
    if (x !== y) return codePointRank(a, i) - codePointRank(b, i);
  }
  return a.length - b.length;
}

// Surrogates encode code points above every BMP unit, so they must sort after 0xE000–0xFFFF.
function codePointRank(text: string, index: number): number {
  const unit = text.charCodeAt(index);
  return unit >= 0xd800 && unit <= 0xdfff ? unit + 0x10000 : unit;
}

/** Go's len() of a string: its UTF-8 byte length. */
export function goLength(text: string): number {
  return Buffer.byteLength(text, 'utf8');
}
