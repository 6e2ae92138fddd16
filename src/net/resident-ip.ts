// One long-lived `ip -o -force -batch -` that runs the ip(8) scripts of many
// calls, so a busy caller (the node's resident CNI server) does not fork and
// exec a fresh `ip` per CNI ADD and DEL (~10 ms of CPU each on the 2-core
// box, plus the spawn in the Node parent).
//
// How a call's output is told apart in one endless stream (iproute2 6.1,
// ip/ip.c batch()): ip numbers every line it reads from 1, on a failed line
// prints the error and then "Command failed -:LINE" to stderr, and with
// -force reads on; stdout is flushed after every command. stderr goes into
// the same pipe as stdout (2>&1), so the stream is in the order ip wrote it.
// After every line of a call we send a sentinel, an unknown object that
// always fails without touching the kernel; the output between two sentinels
// is exactly one command's: its stdout, or its error ending in its own
// "Command failed" line. A call resolves with the stdout, stderr and exit
// status a one-shot `ip -o -force -batch -` would have given, its line
// numbers counted from 1 as callers expect (links.ts).
//
// Only the exact argv shapes below go this way; everything else, and every
// call while the process cannot be started, runs one-shot through the
// fallback runner. If ip dies mid-call the call fails like a crashed one-shot
// ip (code null) and the next call starts a new process. It exits on its own
// when its stdin closes, so it never outlives its owner (not even a kill -9).

import { spawn, type ChildProcess } from 'node:child_process';
import { CommandError } from '../errors.js';
import type { Runner, RunOptions, RunResult } from './runner.js';

/** an ip "object" no ip(8) command starts with: fails at once with this line and no syscall */
export const SENTINEL = 'podnet-end';
export const SENTINEL_MESSAGE = `Object "${SENTINEL}" is unknown, try "ip help".`;
const BATCH_ARGV = ['ip', '-o', '-force', '-batch', '-'] as const;
/** stderr into stdout's pipe, so both arrive in ip's order; no interpolation: the argv follows "$0" */
const MERGE_SCRIPT = 'exec "$0" "$@" 2>&1';
const DEFAULT_TIMEOUT_MS = 30_000;
const debug = process.env.PODNET_DEBUG?.split(',').some((c) => c === 'runner' || c === '*');

/**
 * The batch lines a call stands for, or undefined when it must run one-shot:
 * `ip -o -force -batch -` with its script on stdin, and `ip link del dev NAME`
 * (a one-line batch: the same netlink request, the same error text). Lines
 * that ip's line reader would join, cut or skip (a trailing backslash, `#`,
 * blank lines) would shift the numbering, so such scripts run one-shot too.
 */
export function residentLines(argv: readonly string[], options: RunOptions = {}): string[] | undefined {
  if (options.netns !== undefined || options.env !== undefined) return undefined;
  let lines: string[];
  if (argv.length === BATCH_ARGV.length && argv.every((a, i) => a === BATCH_ARGV[i])) {
    const input = options.input ?? '';
    if (!input.endsWith('\n')) return undefined;
    lines = input.slice(0, -1).split('\n');
  } else if (argv.length === 5 && argv[0] === 'ip' && argv[1] === 'link' && argv[2] === 'del' && argv[3] === 'dev' && /^[\w.@-]+$/.test(argv[4]!)) {
    lines = [argv.slice(1).join(' ')];
  } else {
    return undefined;
  }
  if (lines.length === 0 || lines.some((l) => !l.trim() || /[#\\\r]/.test(l))) return undefined;
  return lines;
}

/** The text sent for a call: each of its lines followed by a sentinel. */
export function interleave(lines: readonly string[]): string {
  return lines.map((l) => `${l}\n${SENTINEL}\n`).join('');
}

interface Pending {
  /** ip's number of the call's first line */
  first: number;
  count: number;
  /** index of the command whose output is being read */
  index: number;
  block: string[];
  stdout: string[];
  stderr: string[];
  failed: boolean;
  done: (r: RunResult) => void;
}

/**
 * Splits ip's merged output into the results of the calls in flight, in
 * order. Pure: fed text, it completes calls; the process handling is below.
 */
export class BatchDemux {
  private readonly pending: Pending[] = [];
  private partial = '';
  /** ip's number for the next line we send */
  private nextLine = 1;

  /** Registers a call of `count` lines; returns the text to write to ip. */
  add(lines: readonly string[], done: (r: RunResult) => void): string {
    this.pending.push({ first: this.nextLine, count: lines.length, index: 0, block: [], stdout: [], stderr: [], failed: false, done });
    this.nextLine += 2 * lines.length;
    return interleave(lines);
  }

  get inFlight(): number { return this.pending.length; }

  feed(text: string): void {
    const parts = (this.partial + text).split('\n');
    this.partial = parts.pop()!;
    for (const line of parts) this.line(line);
  }

  /** ip is gone: every call in flight fails as a one-shot ip killed mid-way would. */
  fail(why: string): void {
    for (const p of this.pending.splice(0)) p.done({ stdout: p.stdout.map((l) => `${l}\n`).join(''), stderr: `${[...p.stderr, ...p.block].map((l) => `${l}\n`).join('')}${why}\n`, code: null });
  }

  private line(line: string): void {
    const p = this.pending[0];
    if (!p) return; // nothing asked for it (cannot happen: ip only answers lines we sent)
    const command = p.first + 2 * p.index;
    if (line !== `Command failed -:${command + 1}`) { p.block.push(line); return; }
    // the sentinel's own message is the block's last line; the rest is the command's
    const block = p.block.at(-1) === SENTINEL_MESSAGE ? p.block.slice(0, -1) : p.block;
    p.block = [];
    const ownFailure = `Command failed -:${command}`;
    if (block.includes(ownFailure)) {
      p.failed = true;
      for (const l of block) p.stderr.push(l === ownFailure ? `Command failed -:${p.index + 1}` : l);
    } else {
      p.stdout.push(...block);
    }
    p.index++;
    if (p.index < p.count) return;
    this.pending.shift();
    const text = (ls: string[]) => ls.map((l) => `${l}\n`).join('');
    p.done({ stdout: text(p.stdout), stderr: text(p.stderr), code: p.failed ? 1 : 0 });
  }
}

export class ResidentIpRunner implements Runner {
  private child: ChildProcess | undefined;
  private demux = new BatchDemux();
  private closed = false;

  constructor(private readonly fallback: Runner) {}

  run(argv: readonly string[], options: RunOptions = {}): Promise<RunResult> {
    const lines = this.closed ? undefined : residentLines(argv, options);
    if (!lines) return this.fallback.run(argv, options);
    const child = this.child ?? this.start();
    if (!child) return this.fallback.run(argv, options);
    if (debug) process.stderr.write(`[runner] (resident ip) ${argv.join(' ')}\n${options.input ?? ''}`);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => child.kill('SIGKILL'), options.timeoutMs ?? DEFAULT_TIMEOUT_MS);
      const text = this.demux.add(lines, (r) => {
        clearTimeout(timer);
        if (r.code === 0 || options.allowFailure) resolve(r);
        else reject(new CommandError(argv, r.code, r.stderr, r.stdout));
      });
      child.stdin!.write(text);
    });
  }

  /** Ends ip (EOF on its stdin); calls after this run one-shot. */
  close(): void {
    this.closed = true;
    this.child?.stdin?.end();
  }

  private start(): ChildProcess | undefined {
    const child = spawn('sh', ['-c', MERGE_SCRIPT, ...BATCH_ARGV], { stdio: ['pipe', 'pipe', 'ignore'] });
    if (!child.pid) return undefined;
    const demux = this.demux;
    child.stdout!.setEncoding('utf8').on('data', (d: string) => demux.feed(d));
    child.stdin!.on('error', () => { /* ip is gone; its exit fails the calls in flight */ });
    child.on('error', () => { /* reported through exit */ });
    // 'close', not 'exit': the output ip wrote before it died is read first
    child.on('close', (code, signal) => {
      if (this.child === child) { this.child = undefined; this.demux = new BatchDemux(); }
      demux.fail(`resident ip -batch exited (${signal ?? `exit ${code}`})`);
    });
    this.child = child;
    return child;
  }
}
