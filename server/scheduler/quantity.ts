/**
 * Kubernetes resource quantities (`500m`, `1.5Gi`, `2e3`, `128974848`) read as integers for the
 * scheduler's arithmetic. The scheduler keeps its own parser because it may not reach into the
 * API's validation internals; exact bigint math keeps "0.1" from becoming 101m through floats.
 */

export interface Quantity {
  /** The value in base units (bytes, cores, …), rounded up as resource.Quantity.Value() does. */
  value: number;
  /** The value in thousandths, rounded up as resource.Quantity.MilliValue() does. */
  milli: number;
}

const DECIMAL: Record<string, number> = { n: -9, u: -6, m: -3, '': 0, k: 3, K: 3, M: 6, G: 9, T: 12, P: 15, E: 18 };
const BINARY: Record<string, number> = { Ki: 10, Mi: 20, Gi: 30, Ti: 40, Pi: 50, Ei: 60 };
const SHAPE = /^([+-]?)(\d*)(?:\.(\d*))?(?:([eE][+-]?\d+)|([a-zA-Z]*))$/;
// Exponents past this only describe numbers no node has; the clamp keeps bigint powers small.
const EXPONENT_LIMIT = 40;

interface Exact {
  /** sign × mantissa × 2^binary × 10^decimal */
  negative: boolean;
  mantissa: bigint;
  binary: number;
  decimal: number;
}

function parseExact(text: string): Exact | undefined {
  const match = SHAPE.exec(text);
  if (!match) return undefined;
  const [, sign = '', digits = '', fraction = '', exponent, suffix = ''] = match;
  if (digits === '' && fraction === '') return undefined;
  let binary = 0;
  let decimal = -fraction.length;
  if (exponent !== undefined) decimal += Number(exponent.slice(1));
  else if (DECIMAL[suffix] !== undefined) decimal += DECIMAL[suffix]!;
  else if (BINARY[suffix] !== undefined) binary = BINARY[suffix]!;
  else return undefined;
  if (Math.abs(decimal) > EXPONENT_LIMIT) return undefined;
  return { negative: sign === '-', mantissa: BigInt(`${digits}${fraction}` || '0'), binary, decimal };
}

/** ceil(exact × 10^scale) as a number: Kubernetes rounds quantities up, away from zero. */
function scaled(exact: Exact, scale: number): number {
  const whole = exact.mantissa * 2n ** BigInt(exact.binary);
  const power = exact.decimal + scale;
  let result: bigint;
  if (power >= 0) result = whole * 10n ** BigInt(power);
  else {
    const divisor = 10n ** BigInt(-power);
    result = whole / divisor + (whole % divisor === 0n ? 0n : 1n);
  }
  return Number(exact.negative ? -result : result);
}

/** A quantity from its JSON form (a string, or a bare number from YAML); undefined if malformed. */
export function parseQuantity(input: unknown): Quantity | undefined {
  if (typeof input === 'number') {
    if (!Number.isFinite(input)) return undefined;
    input = String(input);
  }
  if (typeof input !== 'string') return undefined;
  const exact = parseExact(input.trim());
  if (!exact) return undefined;
  return { value: scaled(exact, 0), milli: scaled(exact, 3) };
}
