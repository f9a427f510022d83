import type { StatusCause } from '../objects/types.ts';
import { formatValue, goQuote, type BadValue } from './gofmt.ts';

/**
 * Field-level causes built the way apimachinery's `field.Error.ErrorBody()` renders them, because
 * kubectl prints `<field>: <message>` verbatim and users (and tests written against real clusters)
 * match on that text.
 */
export type Causes = StatusCause[];

export const child = (path: string, name: string): string => (path ? `${path}.${name}` : name);
export const index = (path: string, i: number): string => `${path}[${i}]`;
export const key = (path: string, k: string): string => `${path}[${k}]`;

function cause(reason: string, field: string, message: string): StatusCause {
  return { reason, message, field };
}

const withDetail = (body: string, detail: string): string => (detail ? `${body}: ${detail}` : body);

export function required(field: string, detail = ''): StatusCause {
  return cause('FieldValueRequired', field, withDetail('Required value', detail));
}

export function invalid(field: string, value: BadValue, detail: string): StatusCause {
  return cause('FieldValueInvalid', field, withDetail(`Invalid value: ${formatValue(value)}`, detail));
}

export function notSupported(field: string, value: BadValue, valid: readonly string[]): StatusCause {
  const detail = valid.length ? `supported values: ${valid.map(goQuote).join(', ')}` : '';
  return cause('FieldValueNotSupported', field, withDetail(`Unsupported value: ${formatValue(value)}`, detail));
}

export function duplicate(field: string, value: BadValue): StatusCause {
  return cause('FieldValueDuplicate', field, `Duplicate value: ${formatValue(value)}`);
}

export function forbidden(field: string, detail: string): StatusCause {
  return cause('FieldValueForbidden', field, withDetail('Forbidden', detail));
}

export function notFound(field: string, value: BadValue): StatusCause {
  return cause('FieldValueNotFound', field, `Not found: ${formatValue(value)}`);
}

export function tooLong(field: string, max: number): StatusCause {
  return cause('FieldValueTooLong', field, `Too long: must have at most ${max} bytes`);
}

/** Worded like the OpenAPI schema check kube-apiserver applies to custom resources. */
export function typeInvalid(field: string, actual: string, expected: string): StatusCause {
  const where = field ? `${field} in body` : 'body';
  return cause('FieldValueTypeInvalid', field, `Invalid value: "${actual}": ${where} must be of type ${expected}: "${actual}"`);
}

export function internal(field: string, detail: string): StatusCause {
  return cause('InternalError', field, `Internal error: ${detail}`);
}

/** A type error already reported for `field` makes further complaints about it noise. */
export function hasTypeError(errs: Causes, field: string): boolean {
  return errs.some((e) => e.field === field && e.reason === 'FieldValueTypeInvalid');
}

/** `Required` unless the field was present with the wrong JSON type. */
export function requireField(errs: Causes, field: string, detail = ''): void {
  if (!hasTypeError(errs, field)) errs.push(required(field, detail));
}

export const IMMUTABLE = 'field is immutable';
export const NEGATIVE = 'must be greater than or equal to 0';

export function rangeError(lo: number, hi: number): string {
  return `must be between ${lo} and ${hi}, inclusive`;
}

export function nonNegative(errs: Causes, value: number | undefined, field: string): void {
  if (value !== undefined && value < 0) errs.push(invalid(field, value, NEGATIVE));
}
