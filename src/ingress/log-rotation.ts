// Bounded NGINX logs: NGINX appends to access.log and error.log forever, and
// the access log gets a line per request (≈ 350 bytes; 10k req/s is 3.5 MB/s).
// As logrotate's `rotate N` + `postrotate nginx -s reopen` does, a file that
// passed its size limit is renamed (access.log → access.log.1 → … → .N, the
// oldest overwritten) and the master is told to reopen its logs (SIGUSR1,
// http://nginx.org/en/docs/control.html: "re-opening log files"; the master
// reopens them, chowns them to the worker user and has the workers reopen
// theirs, flushing buffered access-log lines first). Lines written between the
// rename and the reopen land at the end of the renamed file, so none is lost.
//
// Each file is thus at most `maxBytes` plus what is written in one check
// interval, and at most `keep + 1` files of it exist.

import { rename, stat } from 'node:fs/promises';

/** rotate a log once it passed this size (64 MiB ≈ 190k access-log lines) */
export const LOG_MAX_BYTES = 64 * 1024 * 1024;
/** rotated copies kept per log (access.log.1) */
export const LOG_KEEP = 1;
/** how often the sizes are checked: one stat(2) per log, nothing else */
export const LOG_CHECK_INTERVAL_MS = 10_000;

export interface RenameStep { from: string; to: string }

/**
 * The renames that rotate `file` keeping `keep` old copies, in the order they
 * must run: oldest first, so nothing is overwritten but the copy that falls off
 * the end (rename(2) replaces the target atomically). keep 0: none (never rotate).
 */
export function rotationSteps(file: string, keep: number): RenameStep[] {
  const steps: RenameStep[] = [];
  for (let i = keep - 1; i >= 1; i--) steps.push({ from: `${file}.${i}`, to: `${file}.${i + 1}` });
  if (keep >= 1) steps.push({ from: file, to: `${file}.1` });
  return steps;
}

/** The logs to rotate now: those whose size (undefined = missing) is at least `maxBytes`. */
export function logsToRotate(sizes: ReadonlyMap<string, number | undefined>, maxBytes: number): string[] {
  return [...sizes].filter(([, size]) => size !== undefined && size >= maxBytes).map(([file]) => file);
}

export interface LogRotationOptions {
  files: readonly string[];
  maxBytes?: number;
  keep?: number;
  intervalMs?: number;
  /** tell the writer to reopen its files (NGINX: SIGUSR1 to the master) */
  reopen: () => void;
}

export class LogRotator {
  private timer: NodeJS.Timeout | undefined;
  private checking = false;
  private readonly maxBytes: number;
  private readonly keep: number;

  constructor(private readonly o: LogRotationOptions) {
    this.maxBytes = o.maxBytes ?? LOG_MAX_BYTES;
    this.keep = o.keep ?? LOG_KEEP;
  }

  start(): void {
    if (this.timer || this.keep < 1) return;
    this.timer = setInterval(() => void this.check().catch((e: unknown) => {
      process.stderr.write(`ingress: could not rotate the nginx logs: ${(e as Error).message}\n`);
    }), this.o.intervalMs ?? LOG_CHECK_INTERVAL_MS);
    // the check must never keep the controller alive on its own
    this.timer.unref();
  }

  stop(): void {
    clearInterval(this.timer);
    this.timer = undefined;
  }

  /** Rotate the logs over the limit and ask for a reopen; resolves to the rotated files. */
  async check(): Promise<string[]> {
    if (this.checking) return [];
    this.checking = true;
    try {
      const sizes = new Map<string, number | undefined>();
      for (const f of this.o.files) sizes.set(f, (await stat(f).catch(() => undefined))?.size);
      const due = logsToRotate(sizes, this.maxBytes);
      if (due.length === 0) return [];
      for (const file of due) {
        for (const s of rotationSteps(file, this.keep)) {
          await rename(s.from, s.to).catch((e: NodeJS.ErrnoException) => {
            if (e.code !== 'ENOENT') throw new Error(`could not rename ${s.from} to ${s.to}: ${e.message}`);
          });
        }
      }
      this.o.reopen();
      return due;
    } finally {
      this.checking = false;
    }
  }
}
