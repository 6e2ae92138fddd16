// CPU time of processes from /proc/<pid>/stat, for "CPU per request" figures
// that hold on a shared machine (wall-clock throughput does not: other load
// takes the cores, but it does not add CPU time to our processes).

import { readdirSync, readFileSync } from 'node:fs';

/** USER_HZ: /proc reports utime/stime in clock ticks of 1/100 s on Linux (proc(5)). */
const CLOCK_TICKS_PER_S = 100;

interface Stat { ppid: number; cpuMs: number }

/** ppid and utime+stime of a process (proc(5): fields 4, 14 and 15), or undefined when it is gone. */
function stat(pid: number): Stat | undefined {
  let text: string;
  try { text = readFileSync(`/proc/${pid}/stat`, 'utf8'); } catch { return undefined; }
  // comm (field 2) may contain spaces and ')': the fields after it start at the last ") ".
  const f = text.slice(text.lastIndexOf(') ') + 2).split(' ');
  return { ppid: Number(f[1]), cpuMs: ((Number(f[11]) + Number(f[12])) * 1000) / CLOCK_TICKS_PER_S };
}

/** utime+stime of one process in ms (0 when it is gone). */
export function cpuMs(pid: number): number {
  return stat(pid)?.cpuMs ?? 0;
}

/** The pids whose parent is `pid` (e.g. an NGINX master's workers). */
export function childPids(pid: number): number[] {
  const out: number[] = [];
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    if (stat(Number(name))?.ppid === pid) out.push(Number(name));
  }
  return out;
}

/** CPU ms of each pid now; `since(before)` gives what each used in between. */
export function snapshot(pids: readonly number[]): Map<number, number> {
  return new Map(pids.map((p) => [p, cpuMs(p)]));
}

export function since(before: ReadonlyMap<number, number>): number {
  let sum = 0;
  for (const [pid, ms] of before) sum += cpuMs(pid) - ms;
  return sum;
}
