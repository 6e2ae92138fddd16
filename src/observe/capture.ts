// One capture of `podnet observe`: a tool (conntrack, tcpdump) run in one of
// the cluster's namespaces, its stdout read line by line. `ip netns exec`
// and setpriv exec in place, so the tool is the CLI's own child, and the
// parent-death signal ends it when the CLI ends, however it ends (kill -9
// too): a conntrack or tcpdump left behind would cost every connection or
// DNS packet of its namespace with nobody reading. (tcpdump runs with
// -Z root: switching to its own user would clear that signal.)

import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { PodnetError } from '../errors.js';

/** conntrack -E says nothing once it has subscribed: the time that takes, with a margin for a loaded machine */
const SUBSCRIBE_SETTLE_MS = 300;
/** how many of a tool's last stderr lines are kept */
const STDERR_LINES_KEPT = 20;
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
  private listened = false;

  constructor(readonly spec: CaptureSpec) {
    this.tool = spec.argv[0] === 'stdbuf' ? spec.argv.find((a, i) => i > 0 && !a.startsWith('-'))! : spec.argv[0]!;
    this.child = spawn('ip', ['netns', 'exec', spec.netns, 'setpriv', '--pdeathsig', 'TERM', '--', ...spec.argv], { stdio: ['ignore', 'pipe', 'pipe'] });
    createInterface({ input: this.child.stdout! }).on('line', spec.onLine);
    // the tool's last stderr lines (a reason to give if it ends), bounded: conntrack repeats its warnings
    const said: string[] = [];
    let heard!: () => void;
    const listening = new Promise<void>((resolve) => { heard = resolve; });
    createInterface({ input: this.child.stderr! }).on('line', (line) => {
      said.push(line);
      if (said.length > STDERR_LINES_KEPT) said.shift();
      if (spec.readyPattern?.test(line)) heard();
      if (spec.warningPattern?.test(line)) spec.onWarning?.(line);
    });
    let ended!: (why: string) => void;
    const end = new Promise<string>((resolve) => { ended = resolve; });
    this.child.once('error', (err) => ended(err.message));
    this.child.once('exit', (code, signal) => ended(signal ? `signal ${signal}` : `exit ${code}`));
    this.stopped = end.then(async (why) => {
      if (this.stopping) return new Promise<never>(() => undefined);
      // `podnet down` ends the tools first and removes the namespaces next; a tool that never listened failed by itself
      const gone = await namespaceGone(spec.netns, this.listened ? GONE_WAIT_MS : 0);
      // the last line that says something (not tcpdump's `listening on`, not conntrack's buffer NOTICE)
      const last = said.filter((l) => l && !/^(listening on|tcpdump: verbose output suppressed|NOTICE:)/.test(l)).pop();
      throw new PodnetError('EOBSERVE', gone
        ? `the namespace ${spec.netns} is gone: the cluster went down`
        : `${this.tool} in ${spec.netns} stopped (${why})${last ? `: ${last}` : ''}`);
    });
    this.stopped.catch(() => undefined);
    // a tool that ends before it listens fails its start at once (the reason follows in `stopped`)
    this.ready = Promise.race([
      spec.readyPattern ? listening : new Promise<void>((resolve) => setTimeout(resolve, SUBSCRIBE_SETTLE_MS)),
      end.then((why) => { throw new PodnetError('EOBSERVE', `${this.tool} in ${spec.netns} ended before it listened (${why})`); }),
    ]);
    this.ready.then(() => { this.listened = true; }, () => undefined);
  }

  /** Ends the tool; its end is then no failure. */
  stop(): void {
    this.stopping = true;
    this.child.kill('SIGTERM');
  }
}
