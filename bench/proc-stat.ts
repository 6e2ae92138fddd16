// CPU time of processes from /proc/<pid>/stat, for "CPU per request" and "CPU
// per pod" figures that hold on a shared machine (wall-clock throughput does
// not: other load takes the cores, but it does not add CPU time to our
// processes).

import { readdirSync, readFileSync } from 'node:fs';

/** USER_HZ: /proc reports utime/stime in clock ticks of 1/100 s on Linux (proc(5)). */
const CLOCK_TICKS_PER_S = 100;

export interface ProcStat {
  ppid: number;
  comm: string;
  /** utime + stime, ms */
  cpuMs: number;
  /** utime alone, ms: the process's own code, without its syscalls (batching changes mostly the latter) */
  userMs: number;
  /** cutime + cstime: the children it has waited for, ms */
  childrenCpuMs: number;
}

/** ppid, comm and CPU times of a process (proc(5): fields 2, 4, 14–17), or undefined when it is gone; `file` may name a thread's (/proc/PID/task/TID/stat). */
export function procStat(pid: number, file = `/proc/${pid}/stat`): ProcStat | undefined {
  let text: string;
  try { text = readFileSync(file, 'utf8'); } catch { return undefined; }
  // comm (field 2) may contain spaces and ')': the fields after it start at the last ") ".
  const close = text.lastIndexOf(') ');
  const f = text.slice(close + 2).split(' ');
  const ms = (i: number) => (Number(f[i]) * 1000) / CLOCK_TICKS_PER_S;
  return { ppid: Number(f[1]), comm: text.slice(text.indexOf('(') + 1, close), cpuMs: ms(11) + ms(12), userMs: ms(11), childrenCpuMs: ms(13) + ms(14) };
}

/** Every live process. */
function allPids(): number[] {
  return readdirSync('/proc').filter((name) => /^\d+$/.test(name)).map(Number);
}

/** utime+stime of one process in ms (0 when it is gone). */
export function cpuMs(pid: number): number {
  return procStat(pid)?.cpuMs ?? 0;
}

/** The pids whose parent is `pid` (e.g. an NGINX master's workers). */
export function childPids(pid: number): number[] {
  return allPids().filter((p) => procStat(p)?.ppid === pid);
}

/** `root` and every process below it, with their stats. */
export function processTree(root: number): Map<number, ProcStat> {
  const all = new Map<number, ProcStat>();
  for (const pid of allPids()) { const s = procStat(pid); if (s) all.set(pid, s); }
  const tree = new Map<number, ProcStat>();
  const rootStat = all.get(root);
  if (rootStat) tree.set(root, rootStat);
  for (let grew = true; grew;) {
    grew = false;
    for (const [pid, s] of all) if (!tree.has(pid) && tree.has(s.ppid)) { tree.set(pid, s); grew = true; }
  }
  return tree;
}

/** The CPU time (ms) of `root` and every process below it now. */
export function treeCpuMs(root: number): number {
  return [...processTree(root).values()].reduce((sum, p) => sum + p.cpuMs, 0);
}

/** Resident memory of a process in KiB (/proc/PID/status VmRSS; 0 when it is gone). */
export function rssKb(pid: number): number {
  try {
    const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) : 0;
  } catch { return 0; }
}

/** The command line of a process, arguments joined by spaces ('' when it is gone). */
export function cmdline(pid: number): string {
  try { return readFileSync(`/proc/${pid}/cmdline`, 'utf8').replace(/\0/g, ' '); } catch { return ''; }
}

/**
 * The main thread's time on a CPU and its time runnable but waiting for one,
 * in ns (proc(5) /proc/PID/schedstat: the thread group leader's thread
 * only): exact, where utime/stime count 10-ms ticks. Right for
 * single-threaded processes such as NGINX workers.
 */
export function schedNs(pid: number): { onCpu: number; waiting: number } {
  try {
    const [onCpu, waiting] = readFileSync(`/proc/${pid}/schedstat`, 'utf8').split(' ').map(Number);
    return { onCpu: onCpu ?? 0, waiting: waiting ?? 0 };
  } catch { return { onCpu: 0, waiting: 0 }; }
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

/** Busy and softirq ms of the whole machine (proc(5) /proc/stat "cpu" line, USER_HZ = 100). */
export function machineMs(): { busy: number; softirq: number; idle: number } {
  const f = readFileSync('/proc/stat', 'utf8').split('\n')[0]!.trim().split(/\s+/).slice(1).map(Number);
  const [user, nice, system, idle, iowait, irq, softirq, steal] = f as [number, number, number, number, number, number, number, number];
  const ms = 1000 / CLOCK_TICKS_PER_S;
  return { busy: (user + nice + system + irq + softirq + steal) * ms, softirq: softirq * ms, idle: (idle + iowait) * ms };
}
