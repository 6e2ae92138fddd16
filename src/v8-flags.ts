// V8 flags for podnet's own Node processes.
//
// Tiering (every process: the daemon, the CLI, the watchers). A burst of API
// changes (a 2,000-object apply) runs for a few seconds in processes that
// have just started, so V8 meets much of their code for the first time
// during the burst and hands it to TurboFan after a little use: in a `perf`
// profile of the control-plane bench, optimizing compiles were 17 % of the
// whole machine's CPU (1.6 s in the daemon's worker threads alone, 273
// compiles, the largest 100-160 ms each), on two cores that the apply
// already keeps busy. A function must now run 16 × V8's default amount of
// bytecode (`--interrupt-budget`, default 66 KiB) before it is considered
// for optimization: the code that stays hot (a DNS server's query path, the
// API server's write path) is still optimized within the first thousands of
// calls, the rest runs in the baseline tiers. Measured in the bench's apply,
// alternating runs: daemon 2.8-3.0 → 2.0-2.1 s of CPU with 16 requests in
// flight, node agents ~15 % less (docs/bench-controlplane.md (a10)).
//
// Watchers only (the node agents, the LB agent, the cluster DNS and the
// ingress controller), `--single-threaded`: each holds a small heap (tens of
// MB) and receives thousands of watch events during a burst. V8 then
// garbage-collects and compiles on the process's own thread instead of
// posting that work to its platform worker threads (four per process in
// Node 20). On a saturated 2-core box that work does not run for free beside
// the main thread: every posted task is a thread wake-up and context switch,
// and a parallel scavenge waits for helpers that the scheduler has not run
// yet. A profile of a watcher during the burst showed ~40 % of its CPU
// samples on those worker threads (GC, concurrent marking, TurboFan). With
// the flag, on a busy box (load 8-11) the node agents spent 28-32 % less CPU
// in the bench's apply and the cluster DNS 10-26 %; on a quiet one the agents
// ~14 % less and the DNS about the same (docs/bench-controlplane.md (a8)).
// Pod starts through a node agent were no slower (bench:pod-start, two
// alternating pairs). The price is that GC pauses and optimizing compiles
// happen on the main thread: short for heaps this small. The daemon keeps
// its helper threads: on its one busy thread the GC pauses of a ~100 MB heap
// cost more than the helpers do ((a8)).

import v8 from 'node:v8';

/** 16 × V8's default (67,584 bytes of bytecode run per tiering decision) */
const TIERING_V8_FLAGS: readonly string[] = ['--interrupt-budget=1081344'];

export const WATCHER_V8_FLAGS: readonly string[] = ['--single-threaded', ...TIERING_V8_FLAGS];

/**
 * For the CLI (however it is run) and the daemon (`podnet up` or `podnet
 * daemon`): set by src/tiering.ts before most of their code is compiled. V8
 * reads the budget whenever it resets a function's, so it holds for
 * everything loaded afterwards.
 */
export function applyTieringFlags(): void {
  for (const flag of TIERING_V8_FLAGS) v8.setFlagsFromString(flag);
}
