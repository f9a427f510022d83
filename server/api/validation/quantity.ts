/**
 * Kubernetes' resource.Quantity: `<sign><digits>[.<digits>]<suffix>` where the suffix is a binary
 * SI unit (Ki…Ei), a decimal SI unit (n u m "" k M G T P E) or an exponent (e3, E-2). Values are
 * held exactly as nano-units in a bigint because requests/limits comparisons and canonical
 * rendering ("1.5" is shown as "1500m", "1024Mi" as "1Gi") must not suffer float rounding.
 */

export type QuantityFormat = 'DecimalSI' | 'BinarySI' | 'DecimalExponent';

export interface Quantity {
  /** The value in billionths of the base unit, rounded away from zero as Kubernetes does. */
  readonly nanos: bigint;
  readonly format: QuantityFormat;
}

export const QUANTITY_FORMAT_ERROR = "quantities must match the regular expression '^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$'";

const DECIMAL_SUFFIXES: Record<string, number> = { n: -9, u: -6, m: -3, '': 0, k: 3, M: 6, G: 9, T: 12, P: 15, E: 18 };
const BINARY_SUFFIXES: Record<string, number> = { Ki: 10, Mi: 20, Gi: 30, Ti: 40, Pi: 50, Ei: 60 };
const BINARY_NAMES = ['', 'Ki', 'Mi', 'Gi', 'Ti', 'Pi', 'Ei'];
const DECIMAL_NAMES: Record<number, string> = { [-9]: 'n', [-6]: 'u', [-3]: 'm', 0: '', 3: 'k', 6: 'M', 9: 'G', 12: 'T', 15: 'P', 18: 'E' };

const NANO = 1_000_000_000n;
const MAX_INT64 = 2n ** 63n - 1n;
// Exponents beyond this only make numbers nobody can schedule; clamping keeps bigint math cheap.
const EXPONENT_CLAMP = 1000;

// Mirrors apimachinery's scanner: sign, digits, optional fraction, suffix letters, optional signed digits.
const SHAPE = /^([+-]?)([0-9]*)(?:\.([0-9]*))?([eEinumkKMGTP]*)([-+]?[0-9]*)$/;

interface Suffix {
  base: 2 | 10;
  exponent: number;
  format: QuantityFormat;
}

function interpretSuffix(suffix: string): Suffix | undefined {
  const dec = DECIMAL_SUFFIXES[suffix];
  if (dec !== undefined) return { base: 10, exponent: dec, format: 'DecimalSI' };
  const bin = BINARY_SUFFIXES[suffix];
  if (bin !== undefined) return { base: 2, exponent: bin, format: 'BinarySI' };
  if (suffix.length > 1 && (suffix[0] === 'e' || suffix[0] === 'E') && /^[+-]?[0-9]+$/.test(suffix.slice(1))) {
    const exponent = Number(suffix.slice(1));
    // Go parses the exponent as an int32.
    if (Math.abs(exponent) > 2 ** 31 - 1) return undefined;
    return { base: 10, exponent, format: 'DecimalExponent' };
  }
  return undefined;
}

function divideAwayFromZero(n: bigint, d: bigint): bigint {
  const q = n / d;
  return n % d === 0n ? q : q + 1n;
}

function toNanos(digits: string, fraction: string, suffix: Suffix): bigint {
  const mantissa = BigInt(`${digits || '0'}${fraction}`);
  let exp10 = -fraction.length + 9;
  let value = mantissa;
  if (suffix.base === 2) value *= 2n ** BigInt(suffix.exponent);
  else exp10 += Math.max(-EXPONENT_CLAMP, Math.min(EXPONENT_CLAMP, suffix.exponent));
  return exp10 >= 0 ? value * 10n ** BigInt(exp10) : divideAwayFromZero(value, 10n ** BigInt(-exp10));
}

export function parseQuantityExact(text: string): Quantity | undefined {
  if (typeof text !== 'string' || text.length === 0) return undefined;
  if (text === '0') return { nanos: 0n, format: 'DecimalSI' };
  const m = SHAPE.exec(text);
  if (!m) return undefined;
  const [, sign = '', digits = '', fraction = '', letters = '', tail = ''] = m;
  // Digits after the suffix letters only belong to an exponent ("e3"), never to a unit ("Mi5").
  const suffix = interpretSuffix(letters + tail);
  if (!suffix) return undefined;
  let nanos = toNanos(digits, fraction, suffix);
  let format = suffix.format;
  if (format === 'BinarySI') {
    if (nanos > MAX_INT64 * NANO) nanos = MAX_INT64 * NANO;
    if (nanos > 0n && nanos < NANO) format = 'DecimalSI';
  }
  return { nanos: sign === '-' ? -nanos : nanos, format };
}

/** A quantity from JSON: Kubernetes also accepts bare numbers (`cpu: 2`). */
export function quantityFromJson(value: unknown): Quantity | undefined {
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) return undefined;
    return parseQuantityExact(Number.isInteger(value) ? BigInt(value).toString() : String(value));
  }
  return typeof value === 'string' ? parseQuantityExact(value) : undefined;
}

export function parseQuantity(text: string): { value: number; milli: number } | undefined {
  const q = parseQuantityExact(text);
  if (!q) return undefined;
  const milli = q.nanos >= 0n ? divideAwayFromZero(q.nanos, 1_000_000n) : -divideAwayFromZero(-q.nanos, 1_000_000n);
  return { value: Number(q.nanos) / 1e9, milli: Number(milli) };
}

export function compareQuantity(a: Quantity, b: Quantity): number {
  return a.nanos === b.nanos ? 0 : a.nanos < b.nanos ? -1 : 1;
}

export function isInteger(q: Quantity): boolean {
  return q.nanos % NANO === 0n;
}

function decimalString(abs: bigint, format: QuantityFormat): string {
  let mantissa = abs;
  let exponent = -9;
  while (mantissa % 1000n === 0n && mantissa !== 0n) {
    mantissa /= 1000n;
    exponent += 3;
  }
  if (format === 'DecimalExponent') return exponent === 0 ? `${mantissa}` : `${mantissa}e${exponent}`;
  const name = DECIMAL_NAMES[exponent];
  return name !== undefined ? `${mantissa}${name}` : `${mantissa}e${exponent}`;
}

function binaryString(abs: bigint): string {
  let units = abs / NANO;
  let step = 0;
  while (step < BINARY_NAMES.length - 1 && units % 1024n === 0n) {
    units /= 1024n;
    step++;
  }
  return `${units}${BINARY_NAMES[step]}`;
}

/** Quantity.String(): the canonical form Kubernetes prints in messages and stores. */
export function quantityString(q: Quantity): string {
  if (q.nanos === 0n) return '0';
  const abs = q.nanos < 0n ? -q.nanos : q.nanos;
  const sign = q.nanos < 0n ? '-' : '';
  // Binary units only where they are exact and at least 1Ki; otherwise decimal keeps precision.
  const binary = q.format === 'BinarySI' && abs >= 1024n * NANO && abs % NANO === 0n;
  return sign + (binary ? binaryString(abs) : decimalString(abs, q.format === 'BinarySI' ? 'DecimalSI' : q.format));
}
