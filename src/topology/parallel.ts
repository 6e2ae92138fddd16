// Bounded parallelism: the box has 2 cores and every step is a short-lived
// ip/nft/sysctl process, so a few at a time is as fast as many and gentler.

export const DEFAULT_PARALLELISM = 6;

export async function mapLimit<T, R>(items: readonly T[], limit: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const results = new Array<R>(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const i = next++;
      results[i] = await fn(items[i]!);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return results;
}
