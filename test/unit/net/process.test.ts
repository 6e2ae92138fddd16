import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import {
  parseProcStat, processAlive, processRef, processRunning, processStartTicks, signalProcess, signalProcessGroup, type ProcessRef,
} from '../../../src/net/process.js';

const started: ChildProcess[] = [];
after(() => { for (const c of started) { try { process.kill(-c.pid!, 'SIGKILL'); } catch { /* gone */ } } });

/** a detached child (it leads a process group of its own, as a container does) */
function startDetached(script: string): ChildProcess {
  const child = spawn('sh', ['-c', script], { stdio: 'ignore', detached: true });
  started.push(child);
  return child;
}

const exited = (c: ChildProcess) => new Promise<void>((r) => { if (c.exitCode !== null || c.signalCode !== null) r(); else c.once('exit', () => r()); });

/** pids of the live processes whose command line is exactly argv */
function pidsRunning(argv: string[]): number[] {
  const want = `${argv.join('\0')}\0`;
  return readdirSync('/proc').filter((n) => /^\d+$/.test(n)).map(Number).filter((pid) => {
    try { return readFileSync(`/proc/${pid}/cmdline`, 'utf8') === want && processAlive(pid); } catch { return false; }
  });
}

async function until(what: string, cond: () => boolean, ms = 3_000): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) assert.fail(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

test('parseProcStat counts fields from the last parenthesis: a command name may hold spaces and parentheses', () => {
  const rest = 'S 1 4242 4242 0 -1 4194560 100 0 0 0 0 0 0 0 20 0 1 0 987654 1000 10 18446744073709551615';
  const rows: [string, ReturnType<typeof parseProcStat>][] = [
    [`123 (sleep) ${rest}`, { state: 'S', pgrp: 4242, startTicks: 987654 }],
    [`123 (a b) c) (d) ${rest}`, { state: 'S', pgrp: 4242, startTicks: 987654 }],
    [`123 (x) Z 1 7 7 0 -1 0 0 0 0 0 0 0 0 0 20 0 1 0 55 0 0`, { state: 'Z', pgrp: 7, startTicks: 55 }],
    ['123 (cut short) S 1', undefined],
    ['garbage', undefined],
  ];
  for (const [text, want] of rows) assert.deepEqual(parseProcStat(text), want, text);
});

test('a process is its pid and the start time the kernel keeps for it (field 22 of /proc/PID/stat)', () => {
  const ref = processRef(process.pid);
  const field22 = Number(readFileSync('/proc/self/stat', 'utf8').split(') ')[1]!.split(' ')[19]);
  assert.deepEqual(ref, { pid: process.pid, startTicks: field22 });
  assert.equal(processRunning(ref), true);
});

test('regression: a pid now another process\'s is not the process remembered (no longer running, never signalled)', async () => {
  const other = startDetached('sleep 30');
  const real = processRef(other.pid!)!;
  // the same pid, started at another time: what a reused pid looks like
  const remembered: ProcessRef = { pid: real.pid, startTicks: real.startTicks - 1 };
  assert.equal(processRunning(remembered), false);
  signalProcess(remembered, 'SIGKILL');
  signalProcessGroup(remembered, 'SIGKILL');
  await new Promise((r) => setTimeout(r, 50));
  assert.equal(processRunning(real), true, 'the process that has the pid now was signalled');
  signalProcess(real, 'SIGKILL');
  await exited(other);
  assert.equal(other.signalCode, 'SIGKILL');
});

test('regression: a thread id is never a process (kill(tid, 0) and /proc/TID answer for it)', () => {
  const threads = readdirSync('/proc/self/task').map(Number).filter((tid) => tid !== process.pid);
  assert.ok(threads.length > 0, 'node runs threads besides its main one');
  for (const tid of threads) {
    assert.doesNotThrow(() => process.kill(tid, 0), 'the kernel takes the thread id as a pid');
    assert.equal(processAlive(tid), false, `thread ${tid}`);
    assert.equal(processStartTicks(tid), undefined, `thread ${tid}`);
    assert.equal(processRef(tid), undefined, `thread ${tid}`);
  }
});

test('a zombie is not running, yet its pid is still its own (not reaped): processStartTicks still reads it', async () => {
  // the background sleep exits at once; its parent execs a sleep that never reaps it
  const parent = startDetached('sleep 0 & exec sleep 30');
  let zombie = 0;
  await until('the zombie', () => {
    const kids = readFileSync(`/proc/${parent.pid}/task/${parent.pid}/children`, 'utf8').trim().split(/\s+/).filter(Boolean).map(Number);
    zombie = kids.find((k) => readFileSync(`/proc/${k}/stat`, 'utf8').includes(') Z ')) ?? 0;
    return zombie !== 0;
  });
  const startTicks = processStartTicks(zombie);
  assert.notEqual(startTicks, undefined);
  assert.equal(processAlive(zombie), false);
  assert.equal(processRunning({ pid: zombie, startTicks: startTicks! }), false);
});

test('signalProcessGroup reaches what is left of a group whose leader is gone, and only that group', async () => {
  const MARK = ['sleep', '31.5'];
  const SIBLING = ['sleep', '32.5'];
  const sibling = startDetached(`exec ${SIBLING.join(' ')}`); // another container: a group of its own
  const leader = startDetached(`${MARK.join(' ')} & sleep 30`);
  const ref = processRef(leader.pid!)!;
  await until('the leader\'s child', () => pidsRunning(MARK).length === 1);
  // the leader alone goes (as a container's main process exits), its child stays in its group
  process.kill(leader.pid!, 'SIGKILL');
  await exited(leader);
  assert.equal(pidsRunning(MARK).length, 1, 'the child outlives the leader');
  signalProcessGroup(ref, 'SIGKILL');
  await until('the leader\'s child to go', () => pidsRunning(MARK).length === 0);
  assert.equal(pidsRunning(SIBLING).length, 1, 'another group was signalled');
  process.kill(sibling.pid!, 'SIGKILL');
});
