// A check the daemon runs every few seconds beside its controllers (the node
// lifecycle, the pod GC): its errors are logged, never thrown, and its timer
// does not keep the process alive.

/** Runs check every ms; returns what stops it. */
export function runEvery(ms: number, name: string, check: () => Promise<unknown>): () => void {
  const timer = setInterval(() => { void check().catch((e) => process.stderr.write(`[${name}] ${(e as Error).message}\n`)); }, ms);
  timer.unref();
  return () => clearInterval(timer);
}
