/**
 * The label selector lexer, a port of apimachinery's labels.Lexer. It mirrors Go's byte reader,
 * including its quirk that a NUL character reads like the end of the input, so that the
 * tokens (and therefore the error messages) match kube-apiserver's for any input.
 */

export type TokenKind =
  | 'end'
  | 'identifier'
  | '('
  | ')'
  | ','
  | '!'
  | '='
  | '=='
  | '!='
  | '>'
  | '<'
  | 'in'
  | 'notin';

export interface Token {
  readonly kind: TokenKind;
  readonly literal: string;
}

const literalTokens: ReadonlyMap<string, TokenKind> = new Map<string, TokenKind>([
  [')', ')'],
  [',', ','],
  ['!', '!'],
  ['==', '=='],
  ['=', '='],
  ['>', '>'],
  ['in', 'in'],
  ['<', '<'],
  ['!=', '!='],
  ['notin', 'notin'],
  ['(', '('],
]);

interface Reader {
  readonly text: string;
  pos: number;
}

/** Every token of `text`, ending with one `end` token. Linear in the input. */
export function lex(text: string): Token[] {
  const reader: Reader = { text, pos: 0 };
  const tokens: Token[] = [];
  for (;;) {
    const token = nextToken(reader);
    tokens.push(token);
    if (token.kind === 'end') return tokens;
  }
}

function nextToken(reader: Reader): Token {
  const ch = skipWhitespace(reader, read(reader));
  if (ch === 0) return { kind: 'end', literal: '' };
  reader.pos--;
  return isSpecial(ch) ? scanSpecialSymbol(reader) : scanIdentifierOrKeyword(reader);
}

/** Go's Lexer.read: 0 at the end (without moving) and for a NUL (moving past it). */
function read(reader: Reader): number {
  if (reader.pos >= reader.text.length) return 0;
  return reader.text.charCodeAt(reader.pos++);
}

function skipWhitespace(reader: Reader, first: number): number {
  let ch = first;
  while (isWhitespace(ch)) ch = read(reader);
  return ch;
}

function scanIdentifierOrKeyword(reader: Reader): Token {
  const { text } = reader;
  const start = reader.pos;
  while (reader.pos < text.length && !endsIdentifier(text.charCodeAt(reader.pos))) reader.pos++;
  const literal = text.slice(start, reader.pos);
  // Go's reader consumes a NUL that ends an identifier (but not a special or a blank).
  if (reader.pos < text.length && text.charCodeAt(reader.pos) === 0) reader.pos++;
  return { kind: literalTokens.get(literal) ?? 'identifier', literal };
}

function endsIdentifier(ch: number): boolean {
  return ch === 0 || isSpecial(ch) || isWhitespace(ch);
}

/** The longest operator spelled by the run of special characters ("!=" over "!"). */
function scanSpecialSymbol(reader: Reader): Token {
  let buffer = '';
  let last: Token | undefined;
  for (;;) {
    const ch = read(reader);
    if (ch === 0) break;
    if (!isSpecial(ch)) {
      reader.pos--;
      break;
    }
    buffer += String.fromCharCode(ch);
    const kind = literalTokens.get(buffer);
    if (kind !== undefined) {
      last = { kind, literal: buffer };
    } else if (last !== undefined) {
      reader.pos--;
      break;
    }
  }
  // Every special character is itself a token, so `last` is always set here.
  return last ?? { kind: 'end', literal: '' };
}

function isWhitespace(ch: number): boolean {
  return ch === 0x20 || ch === 0x09 || ch === 0x0d || ch === 0x0a;
}

function isSpecial(ch: number): boolean {
  return ch === 0x3d || ch === 0x21 || ch === 0x28 || ch === 0x29 || ch === 0x2c || ch === 0x3e || ch === 0x3c;
}
