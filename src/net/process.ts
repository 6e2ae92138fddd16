// Whether a process we started (a daemon, an agent, a pause process) is
// still there. Small on purpose: `podnet up` checks for a running daemon
// before anything else and should not load the sandbox or CNI code to do so.
//
// A pid alone does not name a process for long: once it exits and is
// reaped, the kernel hands its number to the next process (or thread) that
// needs one. Whatever is remembered across time (a pause's pid in a pod's
// state.json, a container's) is a ProcessRef: the pid and the process's
// start time, which the kernel keeps for the life of the process (exec
// keeps it) and which a later process with the same number cannot share.

import { readdirSync, readFileSync } from 'node:fs';

/** A process told apart from any later one that gets the same pid. */
export interface ProcessRef {
  pid: number;
  /** when it started, in clock ticks after boot (/proc/PID/stat field 22, `starttime` in proc(5)) */
  startTicks: number;
}

/** What podnet reads of /proc/PID/stat. */
export interface ProcStat {
  /** R, S, D, Z (zombie), T, … */
  state: string;
  /** the process group (field 5) */
  pgrp: number;
  startTicks: number;
}

/**
 * /proc/PID/stat's fields. The command name (field 2) is in parentheses and
 * may itself hold spaces and parentheses, so the fields are counted from the
 * last ')'.
 */
export function parseProcStat(text: string): ProcStat | undefined {
  const close = text.lastIndexOf(')');
  if (close < 0) return undefined;
  // fields 3, 4, 5, … from here on
  const f = text.slice(close + 2).split(' ');
  const pgrp = Number(f[2]);
  const startTicks = Number(f[19]);
  if (!f[0] || !Number.isInteger(pgrp) || !Number.isInteger(startTicks)) return undefined;
  return { state: f[0], pgrp, startTicks };
}

function readStat(pid: number): ProcStat | undefined {
  try { return parseProcStat(readFileSync(`/proc/${pid}/stat`, 'utf8')); } catch { return undefined; }
}

/**
 * Whether pid is a process (a thread-group leader: Tgid == pid in
 * /proc/PID/status) rather than a thread of one. kill(pid, 0) and
 * /proc/PID answer for a thread id too, and thread ids come from the same
 * numbers as pids, so a remembered pid may now be some process's thread.
 */
function isThreadGroupLeader(pid: number): boolean {
  try { return new RegExp(`^Tgid:\\s*${pid}$`, 'm').test(readFileSync(`/proc/${pid}/status`, 'utf8')); } catch { return false; }
}

export function processAlive(pid: number | undefined): boolean {
  if (!pid) return false;
  try { process.kill(pid, 0); } catch { return false; }
  // A zombie is not alive for our purposes.
  const stat = readStat(pid);
  return stat !== undefined && stat.state !== 'Z' && isThreadGroupLeader(pid);
}

/**
 * The start time of the process that has `pid` now, zombie or not; undefined
 * when there is none (or pid is a thread's). Read right after spawning a
 * child, it is the child's: a child's pid is not freed before its parent
 * reaps it.
 */
export function processStartTicks(pid: number): number | undefined {
  const stat = readStat(pid);
  return stat && isThreadGroupLeader(pid) ? stat.startTicks : undefined;
}

/** The ref of the process that has `pid` now (see processStartTicks). */
export function processRef(pid: number): ProcessRef | undefined {
  const startTicks = processStartTicks(pid);
  return startTicks === undefined ? undefined : { pid, startTicks };
}

/** A ref from a pid and start time kept earlier; undefined unless both are there (a pid kept without its start time was never verified). */
export function recordedRef(pid: number | undefined, startTicks: number | undefined): ProcessRef | undefined {
  return pid && startTicks !== undefined ? { pid, startTicks } : undefined;
}

/** Whether pid still names ref's process (a zombie included: it has not been reaped, so its pid is still its own). */
function isSameProcess(ref: ProcessRef): boolean {
  return processStartTicks(ref.pid) === ref.startTicks;
}

/** Whether ref's process still runs: not gone, not a zombie, and its pid not handed to another process. */
export function processRunning(ref: ProcessRef | undefined): boolean {
  if (!ref) return false;
  const stat = readStat(ref.pid);
  return stat !== undefined && stat.state !== 'Z' && stat.startTicks === ref.startTicks && isThreadGroupLeader(ref.pid);
}

/** Sends sig to ref's process, never to a later process with its pid. */
export function signalProcess(ref: ProcessRef, sig: NodeJS.Signals): void {
  if (!isSameProcess(ref)) return;
  try { process.kill(ref.pid, sig); } catch { /* gone meanwhile */ }
}

/**
 * Sends sig to the process group ref's process leads (it was started in one
 * of its own), which outlives the leader while any member is left: a
 * container's children after its main process exited. The group's id is the
 * leader's pid, and the kernel hands a number to a new process only once no
 * process has it as its pid or its group: so when pid names another process
 * now, the group is empty and nothing is sent; when nothing has it, the
 * members left (if any) are the group's. A leader that never led a group
 * (one adopted from before groups) gets the signal alone.
 */
export function signalProcessGroup(ref: ProcessRef, sig: NodeJS.Signals): void {
  const now = processStartTicks(ref.pid);
  if (now !== undefined && now !== ref.startTicks) return;
  if (now === undefined && readStat(ref.pid)) return; // a thread of another process has the number
  try { process.kill(-ref.pid, sig); } catch { if (now !== undefined) signalProcess(ref, sig); }
}

/** A process's command line, one element per argument; undefined when it is gone. */
export function processArgs(pid: number): string[] | undefined {
  try { return readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0'); } catch { return undefined; }
}

/** The process group pid is in now; undefined when it is gone. */
export function processGroupOf(pid: number): number | undefined {
  return readStat(pid)?.pgrp;
}

/** Every process (not thread) in process group pgid, as refs. */
export function processGroupMembers(pgid: number): ProcessRef[] {
  const members: ProcessRef[] = [];
  // (/proc lists processes only: a thread's directory is there but not listed)
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    const stat = readStat(Number(name));
    if (stat?.pgrp === pgid) members.push({ pid: Number(name), startTicks: stat.startTicks });
  }
  return members;
}

/** A process's command name (/proc/PID/comm: its program's file name, cut to 15 bytes); undefined when it is gone. */
export function processName(pid: number): string | undefined {
  try { return readFileSync(`/proc/${pid}/comm`, 'utf8').replace(/\n$/, ''); } catch { return undefined; }
}
