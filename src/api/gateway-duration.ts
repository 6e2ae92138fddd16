// The Gateway API's Duration (GEP-2257): up to four number-unit pairs of h,
// m, s or ms, e.g. "1h30m", "500ms"; "0s" is zero. Read by the CRD's rules
// (validation/gateway.ts) and by the controller that applies the timeouts.

const UNIT_MS: Readonly<Record<string, number>> = { h: 3_600_000, m: 60_000, s: 1000, ms: 1 };

/** Milliseconds of a Duration the schema's pattern accepted. */
export function gatewayDurationMs(value: string): number {
  let total = 0;
  for (const m of value.matchAll(/([0-9]+)(ms|h|m|s)/g)) total += Number(m[1]) * UNIT_MS[m[2]!]!;
  return total;
}
