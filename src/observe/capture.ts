// One capture of `podnet observe`: a tool (conntrack, tcpdump) run in one of
// the cluster's namespaces, its stdout read line by line. `ip netns exec`
// and setpriv exec in place, so the tool is the CLI's own child, and the
// parent-death signal ends it when the CLI ends, however it ends (kill -9
// too): a tcpdump left behind would hold its log group from the next
// observer. (tcpdump runs with -Z root: switching to its own user would clear
// that signal.)

import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { PodnetError } from '../errors.js';

/** conntrack -E says nothing once it has subscribed: the time that takes, with a margin for a loaded machine */
const SUBSCRIBE_SETTLE_MS = 300;
/** how long a tool's end waits for its namespace to go, which says the cluster is going down */
const GONE_WAIT_MS = 1_000;

async function namespaceGone(netns: string, waitMs: number): Promise<boolean> {
  const deadline = performance.now() + waitMs;
  for (;;) {
    if (!existsSync(`/run/netns/${netns}`)) return true;
    if (performance.now() > deadline) return false;
    await new Promise((r) => setTimeout(r, 50));
  }
}

export interface CaptureSpec {
  netns: string;
  argv: string[];
  onLine: (line: string) => void;
  /** what the tool writes on stderr once it listens (tcpdump's `listening on`); none: SUBSCRIBE_SETTLE_MS */
  readyPattern?: RegExp;
  /** a stderr line worth the user's attention (conntrack's ENOBUFS: events lost) */
  onWarning?: (line: string) => void;
  warningPattern?: RegExp;
}

export class Capture {
  readonly child: ChildProcess;
  /** resolves once the tool listens; rejects if it ends first */
  readonly ready: Promise<void>;
  /** rejects when the tool ends, unless stop() ended it */
  readonly stopped: Promise<never>;
  /** the tool's name, as messages say it (not stdbuf's) */
  readonly tool: string;
  private stopping = false;

  constructor(readonly spec: CaptureSpec) {
    this.tool = spec.argv[0] === 'stdbuf' ? spec.argv.find((a, i) => i > 0 && !a.startsWith('-'))! : spec.argv[0]!;
    this.child = spawn('ip', ['netns', 'exec', spec.netns, 'setpriv', '--pdeathsig', 'TERM', '--', ...spec.argv], { stdio: ['ignore', 'pipe', 'pipe'] });
    createInterface({ input: this.child.stdout! }).on('line', spec.onLine);
    let stderr = '';
    createInterface({ input: this.child.stderr! }).on('line', (line) => {
      stderr += `${line}\n`;
      if (spec.warningPattern?.test(line)) spec.onWarning?.(line);
    });
    this.stopped = new Promise<never>((_, reject) => {
      const fail = async (why: string) => {
        if (this.stopping) return;
        // `podnet down` ends the tools first and removes the namespaces next
        const gone = await namespaceGone(spec.netns, GONE_WAIT_MS);
        // the last stderr line that says something (not tcpdump's `listening on`, not conntrack's buffer NOTICE)
        const last = stderr.trim().split('\n').filter((l) => l && !/^(listening on|tcpdump: verbose output suppressed|NOTICE:)/.test(l)).pop();
        reject(new PodnetError('EOBSERVE', gone
          ? `the namespace ${spec.netns} is gone: the cluster went down`
          : `${this.tool} in ${spec.netns} stopped (${why})${last ? `: ${last}` : ''}`));
      };
      this.child.once('error', (err) => void fail(err.message));
      this.child.once('exit', (code, signal) => void fail(signal ? `signal ${signal}` : `exit ${code}`));
    });
    this.stopped.catch(() => undefined);
    this.ready = new Promise<void>((resolve, reject) => {
      if (!spec.readyPattern) setTimeout(resolve, SUBSCRIBE_SETTLE_MS);
      this.child.stderr!.on('data', () => { if (spec.readyPattern?.test(stderr)) resolve(); });
      this.stopped.catch(reject);
    });
    this.ready.catch(() => undefined);
  }

  /** Ends the tool; its end is then no failure. */
  stop(): void {
    this.stopping = true;
    this.child.kill('SIGTERM');
  }
}
