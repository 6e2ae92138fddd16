// The one way podnet runs ip, nft, nginx, conntrack and friends: argv arrays,
// never a shell string; a failure carries the command and its stderr. Tests of
// code above this layer use RecordingRunner instead of touching the kernel.

import { spawn } from 'node:child_process';
import { CommandError } from '../errors.js';

export interface RunOptions {
  /** bytes for the command's stdin (e.g. an `nft -f -` transaction) */
  input?: string;
  /** run inside this named network namespace (ip netns exec) */
  netns?: string;
  /** resolve instead of throwing on a non-zero exit */
  allowFailure?: boolean;
  env?: NodeJS.ProcessEnv;
  timeoutMs?: number;
  /** keep only this many characters of stdout (the rest is read and dropped): for a command whose output a peer controls */
  maxStdoutLength?: number;
}

export interface RunResult { stdout: string; stderr: string; code: number | null }

export interface Runner {
  run(argv: readonly string[], options?: RunOptions): Promise<RunResult>;
}

const DEFAULT_TIMEOUT_MS = 30_000;
const debug = process.env.PODNET_DEBUG?.split(',').some((c) => c === 'runner' || c === '*');

export function inNetns(netns: string | undefined, argv: readonly string[]): string[] {
  if (!netns) return [...argv];
  // `ip -n` avoids one exec for ip itself; everything else goes through ip netns exec.
  if (argv[0] === 'ip') return ['ip', '-n', netns, ...argv.slice(1)];
  return ['ip', 'netns', 'exec', netns, ...argv];
}

export class ExecRunner implements Runner {
  run(argv: readonly string[], options: RunOptions = {}): Promise<RunResult> {
    const full = inNetns(options.netns, argv);
    if (debug) process.stderr.write(`[runner] ${full.join(' ')}\n`);
    return new Promise((resolve, reject) => {
      const child = spawn(full[0]!, full.slice(1), {
        stdio: ['pipe', 'pipe', 'pipe'],
        env: options.env ?? process.env,
        timeout: options.timeoutMs ?? DEFAULT_TIMEOUT_MS,
      });
      let stdout = '';
      let stderr = '';
      const max = options.maxStdoutLength ?? Infinity;
      child.stdout.setEncoding('utf8').on('data', (d: string) => { if (stdout.length < max) stdout += d.slice(0, max - stdout.length); });
      child.stderr.setEncoding('utf8').on('data', (d: string) => { stderr += d; });
      child.on('error', (err) => reject(new CommandError(full, null, err.message)));
      child.on('close', (code) => {
        if (code === 0 || options.allowFailure) resolve({ stdout, stderr, code });
        else reject(new CommandError(full, code, stderr, stdout));
      });
      child.stdin.on('error', () => { /* the command may exit before reading stdin */ });
      child.stdin.end(options.input ?? '');
    });
  }
}

/** Records every command and answers from a script; for unit tests. */
export class RecordingRunner implements Runner {
  readonly calls: { argv: string[]; input?: string }[] = [];
  constructor(private readonly answer: (argv: string[], input?: string) => Partial<RunResult> | undefined = () => undefined) {}
  async run(argv: readonly string[], options: RunOptions = {}): Promise<RunResult> {
    const full = inNetns(options.netns, argv);
    this.calls.push({ argv: full, ...(options.input !== undefined ? { input: options.input } : {}) });
    const a = this.answer(full, options.input) ?? {};
    const result = { stdout: a.stdout ?? '', stderr: a.stderr ?? '', code: a.code ?? 0 };
    if (result.code !== 0 && !options.allowFailure) throw new CommandError(full, result.code, result.stderr, result.stdout);
    return result;
  }
}

export const defaultRunner: Runner = new ExecRunner();
