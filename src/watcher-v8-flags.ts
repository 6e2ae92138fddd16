// V8 flags for podnet's long-running watchers: the node agents, the LB agent,
// the cluster DNS and the ingress controller. Each holds a small heap (tens of
// MB) and, during a burst of API changes, receives thousands of watch events
// on a box whose cores the daemon, the CLI and the other watchers already
// keep busy.
//
// `--single-threaded`: V8 garbage-collects and compiles on the process's own
// thread instead of posting that work to its platform worker threads (four
// per process in Node 20). On a saturated 2-core box that work does not run
// for free beside the main thread: every posted task is a thread wake-up and
// context switch, and a parallel scavenge waits for helpers that the
// scheduler has not run yet. A profile of a watcher during the burst showed
// ~40 % of its CPU samples on those worker threads (GC, concurrent marking,
// TurboFan). With the flag, on a busy box (load 8-11) the node agents spent
// 28-32 % less CPU in the bench's apply and the cluster DNS 10-26 %; on a
// quiet one the agents ~14 % less and the DNS about the same
// (docs/bench-controlplane.md (a8)). Pod starts through a node agent were no
// slower (bench:pod-start, two alternating pairs). The price is that GC pauses and
// optimizing compiles happen on the main thread: short for heaps this small.

export const WATCHER_V8_FLAGS: readonly string[] = ['--single-threaded'];
