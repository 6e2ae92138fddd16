// wrk's text report, read the same way by every benchmark that drives it.

export interface WrkResult { rps: number; requests: number; p99ms: number; errors: number }

const SCALE_TO_MS = { us: 0.001, ms: 1, s: 1000 } as const;

/** "Requests/sec:", "N requests in", the 99% line of --latency (in ms), and socket errors plus non-2xx/3xx responses. */
export function parseWrk(out: string): WrkResult {
  const p99 = /\s99%\s+([\d.]+)(us|ms|s)\b/.exec(out);
  const errs = /Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)/.exec(out);
  const non2xx = Number(/Non-2xx or 3xx responses: (\d+)/.exec(out)?.[1] ?? 0);
  return {
    rps: Number(/Requests\/sec:\s+([\d.]+)/.exec(out)?.[1] ?? NaN),
    requests: Number(/(\d+) requests in/.exec(out)?.[1] ?? NaN),
    p99ms: p99 ? Number(p99[1]) * SCALE_TO_MS[p99[2] as keyof typeof SCALE_TO_MS] : NaN,
    errors: (errs ? errs.slice(1).reduce((a, b) => a + Number(b), 0) : 0) + non2xx,
  };
}
