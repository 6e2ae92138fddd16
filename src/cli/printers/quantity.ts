// Just enough of resource.Quantity for describe node's request/limit totals:
// parse "100m", "1", "128Mi", "1G" and print a sum the way Quantity.String()
// prints a canonical value (millicores as "m", binary sizes as Ki/Mi/Gi).

const DECIMAL: Record<string, number> = { '': 1, k: 1e3, M: 1e6, G: 1e9, T: 1e12, P: 1e15, E: 1e18 };
const BINARY: Record<string, number> = { Ki: 2 ** 10, Mi: 2 ** 20, Gi: 2 ** 30, Ti: 2 ** 40, Pi: 2 ** 50, Ei: 2 ** 60 };
const BINARY_DESCENDING = ['Ei', 'Pi', 'Ti', 'Gi', 'Mi', 'Ki'] as const;

/** A quantity in its base unit scaled by 1000 (milli-units), or NaN when unparsable. */
export function parseMilli(q: string | undefined): number {
  if (!q) return 0;
  const m = /^([+-]?\d+(?:\.\d+)?)(m|Ki|Mi|Gi|Ti|Pi|Ei|k|M|G|T|P|E)?$/.exec(q.trim());
  if (!m) return NaN;
  const n = Number(m[1]);
  const suffix = m[2] ?? '';
  if (suffix === 'm') return Math.round(n);
  return Math.round(n * (BINARY[suffix] ?? DECIMAL[suffix] ?? 1) * 1000);
}

/** Formats milli-units: `250m`, `2`; byte sizes also as `128Mi` when exact. */
export function formatMilli(milli: number, bytes = false): string {
  if (milli === 0) return '0';
  if (milli % 1000 !== 0) return `${milli}m`;
  const units = milli / 1000;
  if (bytes) for (const s of BINARY_DESCENDING) if (units >= BINARY[s]! && units % BINARY[s]! === 0) return `${units / BINARY[s]!}${s}`;
  return String(units);
}
