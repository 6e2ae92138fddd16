// Start-up tracing across podnet's processes (`PODNET_TRACE_STARTUP=1 podnet
// up`): every process that takes part in a start — the CLI, the daemon, the
// node agents, the LB agent, the external DNS and the system pods — appends
// `<epoch ms> <component> <phase> <CPU ms>` lines to one file in the cluster's state
// directory, and `up` prints them as one timeline at the end. The file's
// existence is the switch (the CLI creates it), because system pods get only
// the environment their Pod spec gives them, but do know the cluster
// directory: it holds the API socket they are handed.
//
// Lines are appended with O_APPEND in one write each, so concurrent writers
// never interleave inside a line (write(2) on a regular file is atomic with
// respect to the file offset under O_APPEND). Off, the cost is one stat per
// process.

import { appendFileSync, existsSync, readFileSync } from 'node:fs';
import path from 'node:path';

export const TRACE_ENV = 'PODNET_TRACE_STARTUP';
export const TRACE_FILE_NAME = 'startup-trace.log';

/** cpuMs: the CPU this process had used by then (user + system), when the line says */
export interface TraceLine { at: number; component: string; phase: string; cpuMs?: number }

let processMarked = false;

function cpuSoFarMs(): number {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
}

export class StartupTrace {
  private constructor(private readonly file: string | undefined, private readonly component: string) {}

  /** Tracing for one process of the cluster whose state directory is clusterDir (the process's first open marks its start). */
  static open(clusterDir: string, component: string): StartupTrace {
    const file = path.join(clusterDir, TRACE_FILE_NAME);
    const t = new StartupTrace(existsSync(file) ? file : undefined, component);
    // performance.timeOrigin is when this process started: the gap to the next
    // line is the cost of Node's start and of loading our modules.
    if (!processMarked) t.mark('process start', performance.timeOrigin, 0);
    processMarked = t.enabled;
    return t;
  }

  static off(): StartupTrace { return new StartupTrace(undefined, ''); }

  get enabled(): boolean { return this.file !== undefined; }

  /** cpuMs: the process's CPU so far (start-up is CPU-bound on two cores, so it tells more than a loaded box's clock) */
  mark(phase: string, at?: number, cpuMs?: number): void {
    // Off, nothing is measured: the first process.cpuUsage() of a process is not free.
    if (!this.file) return;
    const when = at ?? performance.timeOrigin + performance.now();
    const cpu = cpuMs ?? cpuSoFarMs();
    try { appendFileSync(this.file, `${when.toFixed(1)}\t${this.component}\t${phase}\t${cpu.toFixed(0)}\n`); } catch { /* tracing never breaks a start */ }
  }
}

/** The lines of a trace file, in time order (pure apart from the read). */
export function readTrace(file: string): TraceLine[] {
  let text = '';
  try { text = readFileSync(file, 'utf8'); } catch { return []; }
  return parseTrace(text);
}

export function parseTrace(text: string): TraceLine[] {
  const lines: TraceLine[] = [];
  for (const l of text.split('\n')) {
    const [at, component, phase, cpu] = l.split('\t');
    if (at === undefined || component === undefined || phase === undefined || !Number.isFinite(Number(at))) continue;
    lines.push({ at: Number(at), component, phase, ...(cpu !== undefined && Number.isFinite(Number(cpu)) ? { cpuMs: Number(cpu) } : {}) });
  }
  return lines.sort((a, b) => a.at - b.at);
}

/** `  +1.234 s  (+0.012)  component  phase  [cpu 123 ms]` rows, relative to t0 (epoch ms). */
export function formatTrace(lines: readonly TraceLine[], t0: number): string {
  const width = Math.max(0, ...lines.map((l) => l.component.length));
  let prev = t0;
  return lines.map((l) => {
    const cpu = l.cpuMs !== undefined ? `  [cpu ${l.cpuMs} ms]` : '';
    const row = `${((l.at - t0) / 1000).toFixed(3).padStart(7)} s  (+${((l.at - prev) / 1000).toFixed(3)})  ${l.component.padEnd(width)}  ${l.phase}${cpu}`;
    prev = l.at;
    return row;
  }).join('\n');
}
