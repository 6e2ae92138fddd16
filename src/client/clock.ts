// Time as control loops see it: injected so that tests drive schedulers,
// health checks and retries with a fake clock instead of waiting.

export interface Clock {
  now(): number;
  setTimeout(fn: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

export const realClock: Clock = {
  now: () => Date.now(),
  setTimeout: (fn, ms) => setTimeout(fn, ms),
  clearTimeout: (h) => clearTimeout(h as NodeJS.Timeout),
};

/**
 * The real clock for background work that must never keep a process alive
 * (its owner finishes that work when it closes): its timers are unref'd.
 */
export const backgroundClock: Clock = {
  ...realClock,
  setTimeout: (fn, ms) => setTimeout(fn, ms).unref(),
};
