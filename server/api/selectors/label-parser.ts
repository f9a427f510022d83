/**
 * The label selector grammar, a port of apimachinery's labels.Parser (recursive descent over the
 * lexer's tokens), with its error messages:
 *
 *   selector    ::= requirement | requirement "," selector
 *   requirement ::= ["!"] KEY [ ("in" | "notin") "(" VALUES ")" | ("=" | "==" | "!=" | ">" | "<") VALUE ]
 */
import { SelectorError } from './errors.ts';
import { goCompare } from './go-format.ts';
import { lex, type Token, type TokenKind } from './label-lexer.ts';
import { matcherOf, type Matcher } from './matcher.ts';
import { keyErrors, newRequirement, sortByKey, type Operator, type Requirement } from './requirement.ts';

interface Parser {
  readonly tokens: readonly Token[];
  position: number;
}

// Where values are expected `in` and `notin` are plain words: `x in (in,notin)` is valid.
type Context = 'operator' | 'values';

const binaryOperators: ReadonlyMap<TokenKind, Operator> = new Map<TokenKind, Operator>([
  ['in', 'in'],
  ['=', '='],
  ['==', '=='],
  ['>', 'gt'],
  ['<', 'lt'],
  ['notin', 'notin'],
  ['!=', '!='],
]);

/** The requirements of a `labelSelector` string, sorted by key; [] for an empty selector. */
export function parseRequirements(text: string): Requirement[] {
  const parser: Parser = { tokens: lex(text), position: 0 };
  const requirements: Requirement[] = [];
  for (;;) {
    const next = lookahead(parser, 'values');
    if (next.kind === 'end') return sortByKey(requirements);
    if (!startsRequirement(next)) throw new SelectorError(`found '${next.literal}', expected: !, identifier, or 'end of string'`);
    requirements.push(parseRequirementWithContext(parser));
    const after = consume(parser, 'values');
    if (after.kind === 'end') return sortByKey(requirements);
    if (after.kind !== ',') throw new SelectorError(`found '${after.literal}', expected: ',' or 'end of string'`);
    const following = lookahead(parser, 'values');
    if (!startsRequirement(following)) {
      throw new SelectorError(`found '${following.literal}', expected: identifier after ','`);
    }
  }
}

function startsRequirement(token: Token): boolean {
  return token.kind === 'identifier' || token.kind === '!';
}

function parseRequirementWithContext(parser: Parser): Requirement {
  try {
    return parseRequirement(parser);
  } catch (error) {
    if (error instanceof SelectorError) throw new SelectorError(`unable to parse requirement: ${error.message}`);
    throw error;
  }
}

function parseRequirement(parser: Parser): Requirement {
  const { key, unary } = parseKey(parser);
  if (unary !== undefined) return newRequirement(key, unary, []);
  const operator = parseOperator(parser);
  const values = operator === 'in' || operator === 'notin' ? parseValueSet(parser) : parseExactValue(parser);
  // Go collects values in a set and hands NewRequirement its sorted list.
  return newRequirement(key, operator, [...values].sort(goCompare));
}

/** The key, and `exists`/`!` when no binary operator follows. */
function parseKey(parser: Parser): { key: string; unary?: 'exists' | '!' } {
  let token = consume(parser, 'values');
  const negated = token.kind === '!';
  if (negated) token = consume(parser, 'values');
  if (token.kind !== 'identifier') throw new SelectorError(`found '${token.literal}', expected: identifier`);
  // The parser validates the key with a nil field path, which Go prints as "<nil>".
  const [keyError] = keyErrors(token.literal, '<nil>');
  if (keyError !== undefined) throw new SelectorError(keyError);
  if (negated) return { key: token.literal, unary: '!' };
  const next = lookahead(parser, 'values').kind;
  return next === 'end' || next === ',' ? { key: token.literal, unary: 'exists' } : { key: token.literal };
}

function parseOperator(parser: Parser): Operator {
  const token = consume(parser, 'operator');
  const operator = binaryOperators.get(token.kind);
  if (operator === undefined) {
    throw new SelectorError(`found '${token.literal}', expected: in, notin, =, ==, !=, gt, lt`);
  }
  return operator;
}

/** `(a,b)`; `()` and empty items stand for the empty value. */
function parseValueSet(parser: Parser): Set<string> {
  const open = consume(parser, 'values');
  if (open.kind !== '(') throw new SelectorError(`found '${open.literal}' expected: '('`);
  const next = lookahead(parser, 'values');
  if (next.kind === ')') {
    consume(parser, 'values');
    return new Set(['']);
  }
  if (next.kind !== 'identifier' && next.kind !== ',') {
    throw new SelectorError(`found '${next.literal}', expected: ',', ')' or identifier`);
  }
  const values = parseIdentifierList(parser);
  // Unreachable in practice (the list stops only before ")"), kept as Go has it.
  if (consume(parser, 'values').kind !== ')') throw new SelectorError(`found '${next.literal}', expected: ')'`);
  return values;
}

function parseIdentifierList(parser: Parser): Set<string> {
  const values = new Set<string>();
  for (;;) {
    const token = consume(parser, 'values');
    if (token.kind === 'identifier') {
      values.add(token.literal);
      const next = lookahead(parser, 'values');
      if (next.kind === ')') return values;
      if (next.kind !== ',') throw new SelectorError(`found '${next.literal}', expected: ',' or ')'`);
    } else if (token.kind === ',') {
      if (values.size === 0) values.add(''); // "(,"
      const next = lookahead(parser, 'values').kind;
      if (next === ')') return values.add(''); // ",)"
      if (next === ',') {
        consume(parser, 'values');
        values.add(''); // ",,"
      }
    } else {
      throw new SelectorError(`found '${token.literal}', expected: ',', or identifier`);
    }
  }
}

/** The value after `=`, `==`, `!=`, `>` or `<`; nothing before `,` or the end means "". */
function parseExactValue(parser: Parser): Set<string> {
  const next = lookahead(parser, 'values').kind;
  if (next === 'end' || next === ',') return new Set(['']);
  const token = consume(parser, 'values');
  if (token.kind === 'identifier') return new Set([token.literal]);
  throw new SelectorError(`found '${token.literal}', expected: identifier`);
}

function lookahead(parser: Parser, context: Context): Token {
  return inContext(tokenAt(parser, parser.position), context);
}

function consume(parser: Parser, context: Context): Token {
  const token = tokenAt(parser, parser.position);
  parser.position++;
  return inContext(token, context);
}

// The token list always ends with `end`; reading past it keeps answering `end`.
function tokenAt(parser: Parser, position: number): Token {
  return parser.tokens[Math.min(position, parser.tokens.length - 1)] ?? { kind: 'end', literal: '' };
}

function inContext(token: Token, context: Context): Token {
  if (context === 'values' && (token.kind === 'in' || token.kind === 'notin')) {
    return { kind: 'identifier', literal: token.literal };
  }
  return token;
}

/** A `?labelSelector=` string as a Matcher; "" and blanks select everything. */
export function parseLabelSelector(text: string): Matcher {
  // Callers hand over query parameters; anything but a string is refused, not coerced.
  if (typeof text !== 'string') throw new SelectorError('label selector must be a string');
  return matcherOf(parseRequirements(text));
}
