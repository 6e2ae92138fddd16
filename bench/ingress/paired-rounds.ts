// Paired A/B rounds on a shared machine (pure): the order sides run in, and the
// spread of per-round ratios. Background load on this box changes from second
// to second, so a ratio of two medians taken minutes apart says little; a
// ratio of two runs taken back to back, repeated and summarised by its median
// and quartiles, says how much of the difference is the thing measured.

/**
 * The order of `sides` (indices) in each of `rounds` rounds: rotated by one
 * each round and reversed every other round (A B C, C B A... for 2 sides the
 * ABBA pattern), so no side always runs first, last or right after the same
 * neighbour, and slow drift in the load hits every side alike.
 */
export function roundOrder(sides: number, rounds: number): number[][] {
  const out: number[][] = [];
  for (let r = 0; r < rounds; r++) {
    const rotated = Array.from({ length: sides }, (_, i) => (i + Math.floor(r / 2)) % sides);
    out.push(r % 2 === 0 ? rotated : rotated.reverse());
  }
  return out;
}

/** The q-quantile (0..1) by linear interpolation between closest ranks (numpy's default). */
export function quantile(xs: readonly number[], q: number): number {
  if (xs.length === 0) return NaN;
  const s = [...xs].sort((a, b) => a - b);
  const pos = (s.length - 1) * q;
  const lo = Math.floor(pos);
  const hi = Math.ceil(pos);
  return s[lo]! + (s[hi]! - s[lo]!) * (pos - lo);
}

export interface Spread { median: number; q1: number; q3: number; min: number; max: number; n: number }

export function spread(xs: readonly number[]): Spread {
  return { median: quantile(xs, 0.5), q1: quantile(xs, 0.25), q3: quantile(xs, 0.75), min: Math.min(...xs), max: Math.max(...xs), n: xs.length };
}

/** `0.74 (IQR 0.70–0.78, range 0.62–0.81, 8 rounds)` */
export function formatSpread(s: Spread, digits = 2): string {
  const f = (x: number) => x.toFixed(digits);
  return `${f(s.median)} (IQR ${f(s.q1)}–${f(s.q3)}, range ${f(s.min)}–${f(s.max)}, ${s.n} rounds)`;
}
