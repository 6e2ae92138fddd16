// Writes the refusal log (refusal-log.ts) of the namespace this process runs
// in: a tcpdump bound to the namespace's log groups, its packets appended as
// JSON lines, a few at a time. The kernel copies a packet to a group only
// while someone listens, and only refused packets reach these rules, so an
// idle recorder costs a sleeping tcpdump.
//
// tcpdump runs under setpriv's parent-death signal (and -Z root, as a user
// switch would clear it): it ends with the agent, however the agent ends,
// and the agent started again binds the groups anew. A tcpdump that ends by
// itself is started again after a pause, so a group someone else held (a
// hand-run `tcpdump -i nflog:N`) is taken back once they let go.

import { spawn, type ChildProcess } from 'node:child_process';
import { appendFileSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { BoundedLog } from '../bounded-log.js';
import { parseNflogLine, recorderMarkerPath, REFUSAL_LOG_MAX_BYTES } from './refusal-log.js';

/** lines are written together at most this often: a flood of refused packets costs one write per interval */
const FLUSH_INTERVAL_MS = 50;
/** a tcpdump that ended is started again after this long, doubling up to RESTART_MAX_MS */
const RESTART_MIN_MS = 1_000;
const RESTART_MAX_MS = 30_000;
/**
 * the netlink socket's receive buffer (tcpdump -B, KiB): the kernel sends
 * each refused packet at once (queue-threshold 1), and a flood outruns the
 * default buffer before tcpdump reads it (bench:observe-history)
 */
const RECEIVE_BUFFER_KIB = 4096;

export interface RefusalRecorderOptions {
  /** the log file (refusalLogPath) */
  file: string;
  groups: readonly number[];
  /** where the recorder's own troubles are said (the agent's stderr) */
  say: (line: string) => void;
  maxBytes?: number;
  /** the command that prints tcpdump's lines, for tests (default: tcpdump on `groups` under setpriv's parent-death signal) */
  command?: readonly string[];
}

export class RefusalRecorder {
  private child: ChildProcess | undefined;
  private pending: string[] = [];
  private flushTimer: NodeJS.Timeout | undefined;
  private restartTimer: NodeJS.Timeout | undefined;
  private restartMs = RESTART_MIN_MS;
  /** the log, bounded; made at start() (it reads the file's size) */
  private log: BoundedLog | undefined;
  private stopped = false;
  private lastTrouble = '';
  /** the write error said last: said once, not every flush */
  private lastWriteError = '';

  constructor(private readonly options: RefusalRecorderOptions) {}

  start(): void {
    // a recorder that cannot write says so and keeps trying: the agent it runs in is the kubelet and the proxy
    this.guarded(() => mkdirSync(path.dirname(this.options.file), { recursive: true }));
    this.log = new BoundedLog(this.options.file, this.options.maxBytes ?? REFUSAL_LOG_MAX_BYTES);
    this.spawn();
  }

  stop(): void {
    this.stopped = true;
    clearTimeout(this.restartTimer);
    this.child?.kill('SIGTERM');
    this.flush();
    this.removeMarker();
  }

  /** Nobody listens any more: the marker that said someone did goes. */
  private removeMarker(): void {
    this.guarded(() => rmSync(recorderMarkerPath(this.options.file), { force: true }));
  }

  /** Runs a file operation; its failure is said (once while it repeats), never thrown. */
  private guarded(op: () => void): void {
    try {
      op();
      this.lastWriteError = '';
    } catch (err) {
      const message = (err as Error).message;
      if (message !== this.lastWriteError) this.options.say(`refusal log: ${message}`);
      this.lastWriteError = message;
    }
  }

  private spawn(): void {
    const [command, ...args] = this.options.command ?? ['setpriv', '--pdeathsig', 'TERM', '--', 'tcpdump', '-Z', 'root', '-B', String(RECEIVE_BUFFER_KIB), '-n', '-tt', '-l', '-e', '-i', `nflog:${this.options.groups.join(',')}`];
    const child = spawn(command!, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    this.child = child;
    createInterface({ input: child.stdout! }).on('line', (line) => {
      const refusal = parseNflogLine(line);
      if (refusal) this.record(JSON.stringify(refusal));
    });
    /** tcpdump's last line on stderr that was not its start: why it ended */
    let lastStderrLine = '';
    createInterface({ input: child.stderr! }).on('line', (line) => {
      if (/listening on/.test(line)) {
        this.restartMs = RESTART_MIN_MS;
        this.lastTrouble = '';
        // the log exists from the moment packets can reach it, the marker names who writes it
        this.guarded(() => {
          mkdirSync(path.dirname(this.options.file), { recursive: true });
          appendFileSync(this.options.file, '');
          writeFileSync(recorderMarkerPath(this.options.file), `${child.pid}\n`);
        });
      } else if (line.trim()) lastStderrLine = line;
    });
    child.once('error', (err) => { lastStderrLine = err.message; });
    child.once('close', (code, signal) => {
      this.removeMarker();
      if (this.stopped) return;
      const trouble = `tcpdump on ${this.options.groups.join(',')} ended (${signal ?? `exit ${code}`})${lastStderrLine ? `: ${lastStderrLine}` : ''}`;
      // the same trouble again (a group someone else holds) is said once
      if (trouble !== this.lastTrouble) this.options.say(`refusal log: ${trouble}; starting it again`);
      this.lastTrouble = trouble;
      this.restartTimer = setTimeout(() => this.spawn(), this.restartMs);
      this.restartMs = Math.min(this.restartMs * 2, RESTART_MAX_MS);
    });
  }

  private record(line: string): void {
    this.pending.push(line);
    this.flushTimer ??= setTimeout(() => this.flush(), FLUSH_INTERVAL_MS);
  }

  private flush(): void {
    clearTimeout(this.flushTimer);
    this.flushTimer = undefined;
    if (this.pending.length === 0) return;
    const text = `${this.pending.join('\n')}\n`;
    this.pending = [];
    this.guarded(() => this.log?.append(text));
  }
}
