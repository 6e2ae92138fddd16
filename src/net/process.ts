// Whether a process we started (a daemon, an agent, a pause process) is
// still there. Small on purpose: `podnet up` checks for a running daemon
// before anything else and should not load the sandbox or CNI code to do so.

import { readFileSync } from 'node:fs';

export function processAlive(pid: number | undefined): boolean {
  if (!pid) return false;
  try { process.kill(pid, 0); } catch { return false; }
  // A zombie is not alive for our purposes.
  try { return !/^\d+ \(.*\) Z/.test(readFileSync(`/proc/${pid}/stat`, 'utf8')); } catch { return false; }
}

/** A process's command line, one element per argument; undefined when it is gone. */
export function processArgs(pid: number): string[] | undefined {
  try { return readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0'); } catch { return undefined; }
}
