// A lock shared by concurrent plugin *processes*: whoever creates the lock
// file with O_CREAT|O_EXCL holds it. Node has no flock(2), and O_EXCL is
// atomic on local filesystems, which is all we need for one node's IPAM.
//
// A holder killed mid-operation leaves the file behind, so a waiter breaks a
// lock whose owner pid is gone (or that is older than STALE_AFTER_MS: pids get
// reused). Breaking is itself guarded by a second O_EXCL file, so two waiters
// cannot both break the same stale lock and then delete each other's fresh
// one: only the breaker removes a lock it did not create, and only after
// re-reading, under the guard, that it is still the stale one.

import fs from 'node:fs';

/** back-off between attempts doubles from RETRY_MIN_MS to RETRY_MAX_MS, with jitter so waiters spread out */
const RETRY_MIN_MS = 1;
const RETRY_MAX_MS = 32;
/** our IPAM operations take milliseconds; a lock this old belongs to a hung or dead process */
const STALE_AFTER_MS = 30_000;
/** an empty lock file is one whose creator died between open and write */
const EMPTY_GRACE_MS = 1_000;
const BREAK_GUARD_SUFFIX = '.break';

export class LockTimeoutError extends Error {
  constructor(readonly path: string, readonly holder: string) {
    super(`timed out waiting for lock ${path} (held by ${holder || 'unknown'})`);
  }
}

const sleeper = new Int32Array(new SharedArrayBuffer(4));
function sleepSync(ms: number): void {
  Atomics.wait(sleeper, 0, 0, ms);
}

function readOrEmpty(path: string): string | undefined {
  try {
    return fs.readFileSync(path, 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw e;
  }
}

function ageMs(path: string): number {
  try {
    return Date.now() - fs.statSync(path).mtimeMs;
  } catch {
    return 0;
  }
}

function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** `pid:nonce` → is it stale? */
function isStale(content: string, age: number): boolean {
  if (age > STALE_AFTER_MS) return true;
  const pid = Number(content.split(':')[0]);
  if (!content || !Number.isInteger(pid) || pid <= 0) return age > EMPTY_GRACE_MS;
  return !pidAlive(pid);
}

function tryCreate(path: string, content: string): boolean {
  let fd: number;
  try {
    fd = fs.openSync(path, 'wx', 0o600);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw e;
  }
  try {
    fs.writeSync(fd, content);
  } finally {
    fs.closeSync(fd);
  }
  return true;
}

/** Removes the lock if it still holds `staleContent`; false when another waiter is already at it. */
function breakIfStill(path: string, staleContent: string): boolean {
  const guard = path + BREAK_GUARD_SUFFIX;
  if (!tryCreate(guard, `${process.pid}`)) {
    // a guard outliving its breaker is itself stale
    const guardContent = readOrEmpty(guard);
    if (guardContent !== undefined && isStale(guardContent, ageMs(guard))) fs.rmSync(guard, { force: true });
    return false;
  }
  try {
    if (readOrEmpty(path) === staleContent) fs.rmSync(path, { force: true });
  } finally {
    fs.rmSync(guard, { force: true });
  }
  return true;
}

/** Runs `fn` holding the lock at `path`; waits up to `timeoutMs`. */
export function withFileLock<T>(path: string, timeoutMs: number, fn: () => T): T {
  const token = `${process.pid}:${Math.random().toString(36).slice(2)}`;
  const deadline = Date.now() + timeoutMs;
  let backoff = RETRY_MIN_MS;
  for (;;) {
    if (tryCreate(path, token)) break;
    const holder = readOrEmpty(path);
    if (holder === undefined) continue; // released between our create and read
    if (isStale(holder, ageMs(path)) && breakIfStill(path, holder)) continue;
    if (Date.now() > deadline) throw new LockTimeoutError(path, holder);
    sleepSync(backoff / 2 + Math.random() * backoff);
    backoff = Math.min(RETRY_MAX_MS, backoff * 2);
  }
  try {
    return fn();
  } finally {
    // only remove what is still ours (a breaker may have judged us stale after STALE_AFTER_MS)
    if (readOrEmpty(path) === token) fs.rmSync(path, { force: true });
  }
}
