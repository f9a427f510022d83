/**
 * resource.Quantity as kubectl describe prints and adds them: canonical String() ("1500m",
 * "128Mi", "2"), sums that keep the first addend's format, and Value()/MilliValue() rounded up.
 * Exact bigint nano-units, because "0.1" must never print as "101m". (The API's own parser is
 * internal to server/api, so the client keeps this small one.)
 */

export type Format = 'DecimalSI' | 'BinarySI' | 'DecimalExponent';

export interface Quantity {
  nanos: bigint;
  format: Format;
}

const DECIMAL: Record<string, number> = { n: -9, u: -6, m: -3, '': 0, k: 3, M: 6, G: 9, T: 12, P: 15, E: 18 };
const BINARY: Record<string, number> = { Ki: 10, Mi: 20, Gi: 30, Ti: 40, Pi: 50, Ei: 60 };
const DECIMAL_NAMES: Record<number, string> = { [-9]: 'n', [-6]: 'u', [-3]: 'm', 0: '', 3: 'k', 6: 'M', 9: 'G', 12: 'T', 15: 'P', 18: 'E' };
const BINARY_NAMES = ['', 'Ki', 'Mi', 'Gi', 'Ti', 'Pi', 'Ei'];
const SHAPE = /^([+-]?)(\d*)(?:\.(\d*))?(?:[eE]([+-]?\d+)|([a-zA-Z]*))$/;
const NANO = 1_000_000_000n;

export const ZERO: Quantity = { nanos: 0n, format: 'DecimalSI' };

const ceilDiv = (n: bigint, d: bigint) => (n % d === 0n ? n / d : n > 0n ? n / d + 1n : n / d);

/** A quantity from its JSON form; undefined when malformed. */
export function parseQuantity(input: unknown): Quantity | undefined {
  const text = typeof input === 'number' ? String(input) : input;
  if (typeof text !== 'string') return undefined;
  const m = SHAPE.exec(text.trim());
  if (!m || (m[2] === '' && (m[3] ?? '') === '')) return undefined;
  const [, sign, digits, fraction = '', exponent, suffix = ''] = m;
  let mantissa = BigInt(`${digits}${fraction}` || '0') * NANO;
  let power = -fraction.length;
  let format: Format = 'DecimalSI';
  if (exponent !== undefined) [power, format] = [power + Number(exponent), 'DecimalExponent'];
  else if (BINARY[suffix] !== undefined) [mantissa, format] = [mantissa * 2n ** BigInt(BINARY[suffix]!), 'BinarySI'];
  else if (DECIMAL[suffix] !== undefined) power += DECIMAL[suffix]!;
  else return undefined;
  if (Math.abs(power) > 40) return undefined;
  const nanos = power >= 0 ? mantissa * 10n ** BigInt(power) : ceilDiv(mantissa, 10n ** BigInt(-power));
  return { nanos: sign === '-' ? -nanos : nanos, format };
}

/** Quantity.Add: the sum keeps the receiver's format unless the receiver is zero. */
export function add(a: Quantity, b: Quantity): Quantity {
  return { nanos: a.nanos + b.nanos, format: a.nanos === 0n ? b.format : a.format };
}

export const value = (q: Quantity): bigint => ceilDiv(q.nanos, NANO);
export const milliValue = (q: Quantity): bigint => ceilDiv(q.nanos, 1_000_000n);

function decimal(abs: bigint, exponentForm: boolean): string {
  let mantissa = abs;
  let exponent = -9;
  while (mantissa % 1000n === 0n) {
    mantissa /= 1000n;
    exponent += 3;
  }
  if (exponentForm) return exponent === 0 ? `${mantissa}` : `${mantissa}e${exponent}`;
  return `${mantissa}${DECIMAL_NAMES[exponent] ?? `e${exponent}`}`;
}

function binary(abs: bigint): string {
  let units = abs / NANO;
  let step = 0;
  while (step < BINARY_NAMES.length - 1 && units % 1024n === 0n) {
    units /= 1024n;
    step++;
  }
  return `${units}${BINARY_NAMES[step]}`;
}

/** Quantity.String(): the canonical form. */
export function quantityString(q: Quantity): string {
  if (q.nanos === 0n) return '0';
  const abs = q.nanos < 0n ? -q.nanos : q.nanos;
  const sign = q.nanos < 0n ? '-' : '';
  // Binary suffixes only where exact and at least 1Ki, as apimachinery falls back to decimal.
  if (q.format === 'BinarySI' && abs >= 1024n * NANO && abs % NANO === 0n) return sign + binary(abs);
  return sign + decimal(abs, q.format === 'DecimalExponent');
}

/** A JSON quantity printed canonically; unparsable text as it is. */
export const canonical = (input: unknown): string => {
  const q = parseQuantity(input);
  return q ? quantityString(q) : String(input ?? '');
};
