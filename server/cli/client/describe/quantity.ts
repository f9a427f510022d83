/**
 * resource.Quantity as kubectl describe adds and prints them: the API's exact parser and
 * canonical String() ("1500m", "128Mi"), sums that keep the first addend's format, and
 * Value()/MilliValue() rounded up.
 */
import { quantityFromJson, quantityString, type Quantity } from '../../../api/index.ts';

export { quantityString, type Quantity };

const NANO = 1_000_000_000n;

export const ZERO: Quantity = { nanos: 0n, format: 'DecimalSI' };

const ceilDiv = (n: bigint, d: bigint) => (n % d === 0n ? n / d : n > 0n ? n / d + 1n : n / d);

/** A quantity from its JSON form (a string or a bare number); undefined when malformed. */
export const parseQuantity = (input: unknown): Quantity | undefined => quantityFromJson(typeof input === 'string' ? input.trim() : input);

/** Quantity.Add: the sum keeps the receiver's format unless the receiver is zero. */
export function add(a: Quantity, b: Quantity): Quantity {
  return { nanos: a.nanos + b.nanos, format: a.nanos === 0n ? b.format : a.format };
}

export const value = (q: Quantity): bigint => ceilDiv(q.nanos, NANO);
export const milliValue = (q: Quantity): bigint => ceilDiv(q.nanos, 1_000_000n);

/** A JSON quantity printed canonically; unparsable text as it is. */
export const canonical = (input: unknown): string => {
  const q = parseQuantity(input);
  return q ? quantityString(q) : String(input ?? '');
};
