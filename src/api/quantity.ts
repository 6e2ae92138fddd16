// resource.Quantity as far as podnet reads it: "100m", "1.5", "128Mi", "1G",
// "5e3", "250u". Parsed exactly (bigint), because a byte count in thousandths
// passes 2^53 at 8 PiB and the downward API divides whole byte counts.
// Values are meant to be non-negative, as validation makes resource values.

/** each SI suffix's power of ten */
export const DECIMAL_EXPONENT: Readonly<Record<string, number>> = { n: -9, u: -6, m: -3, '': 0, k: 3, M: 6, G: 9, T: 12, P: 15, E: 18 };
const BINARY_EXPONENT: Record<string, number> = { Ki: 10, Mi: 20, Gi: 30, Ti: 40, Pi: 50, Ei: 60 };
const BINARY_DESCENDING = ['Ei', 'Pi', 'Ti', 'Gi', 'Mi', 'Ki'] as const;

/** sign, whole digits, fraction digits, then one suffix: SI, binary SI or a decimal exponent */
const QUANTITY = /^([+-]?)(\d*)(?:\.(\d*))?(n|u|m|k|M|G|T|P|E|Ki|Mi|Gi|Ti|Pi|Ei|[eE][+-]?\d+)?$/;
/** a decimal exponent beyond this is no resource anyone has, and 10n ** it would be costly */
const MAX_DECIMAL_EXPONENT = 1000;

/** A quantity as the exact fraction num / den of its base unit (cores, bytes); den > 0. */
interface Fraction { num: bigint; den: bigint }

function parseFraction(q: string | number): Fraction | undefined {
  const m = QUANTITY.exec(String(q).trim());
  if (!m) return undefined;
  const [, sign, whole = '', fraction = '', suffix = ''] = m;
  if (whole === '' && fraction === '') return undefined;
  let num = BigInt(`${whole}${fraction}` || '0');
  let den = 10n ** BigInt(fraction.length);
  const binary = BINARY_EXPONENT[suffix];
  if (binary !== undefined) {
    num <<= BigInt(binary);
  } else {
    const exponent = DECIMAL_EXPONENT[suffix] ?? Number(suffix.slice(1));
    if (Math.abs(exponent) > MAX_DECIMAL_EXPONENT) return undefined;
    if (exponent >= 0) num *= 10n ** BigInt(exponent);
    else den *= 10n ** BigInt(-exponent);
  }
  return { num: sign === '-' ? -num : num, den };
}

/** ⌈a / b⌉ for b ≠ 0 (bigint division truncates toward zero). */
export function ceilDiv(a: bigint, b: bigint): bigint {
  if (b < 0n) return ceilDiv(-a, -b);
  const q = a / b;
  return a % b > 0n ? q + 1n : q;
}

/** The quantity in whole base units, rounded up (Quantity.Value()); undefined when unparsable. */
export function quantityValue(q: string | number): bigint | undefined {
  const f = parseFraction(q);
  return f && ceilDiv(f.num, f.den);
}

/** The quantity in thousandths of its base unit, rounded up (Quantity.MilliValue()); undefined when unparsable. */
export function quantityMilliValue(q: string | number): bigint | undefined {
  const f = parseFraction(q);
  return f && ceilDiv(f.num * 1000n, f.den);
}

/** How a container resource is counted: cpu in thousandths of a core (Quantity.MilliValue), the rest in base units (Quantity.Value). */
export function resourceScale(resource: string): (q: string | number) => bigint | undefined {
  return resource === 'cpu' ? quantityMilliValue : quantityValue;
}

/**
 * A quantity in milli-units as a number, for printing sums (describe node):
 * 0 when absent, NaN when unparsable. Exact up to 2^53 milli-units (8 PiB).
 */
export function parseMilli(q: string | number | undefined): number {
  if (q === undefined || q === '') return 0;
  const milli = quantityMilliValue(q);
  return milli === undefined ? NaN : Number(milli);
}

/** Formats milli-units: `250m`, `2`; byte sizes also as `128Mi` when exact. */
export function formatMilli(milli: number, bytes = false): string {
  if (milli === 0) return '0';
  if (milli % 1000 !== 0) return `${milli}m`;
  const units = milli / 1000;
  if (bytes) {
    for (const s of BINARY_DESCENDING) {
      const size = 2 ** BINARY_EXPONENT[s]!;
      if (units >= size && units % size === 0) return `${units / size}${s}`;
    }
  }
  return String(units);
}
