// The daemon's share of the CPU when the box is busy.
//
// Every other process of the cluster waits on the API server: the CLI for its
// answers, the controllers (inside it) and the watchers for its events. In a
// burst on this 2-core box its main thread, runnable, waited 0.42-0.58 s for
// a CPU during a 2-s apply (/proc/PID/schedstat; it ran 1.3-1.6 s), behind
// the CLI and the watchers it feeds (docs/bench-controlplane.md (a10)). A kube-apiserver gets its own
// cgroup and reserved CPU for the same reason.
//
// Here: a higher weight for the daemon's scheduling group. With autogroup
// (Linux's default on desktops and on this VM) the kernel first shares the
// CPU between sessions, so the weight that counts is the session group's, in
// /proc/self/autogroup. The daemon runs in a session of its own (`podnet up`
// starts it detached), and so do the node agents and the other processes it
// supervises, which therefore do not share the boost; its short-lived helpers
// (`ip`, `nft` for the topology) do, as they are its work. Not the process's
// own nice value: children inherit that, and the agents would with it.
// Nothing system-wide changes, and a kernel without autogroup only means no
// boost.

import fs from 'node:fs';

/** −10: weight 9,548 against a default group's 1,024 (sched_prio_to_weight) */
const DAEMON_GROUP_NICE = -10;

export function raiseDaemonPriority(): void {
  try { fs.writeFileSync('/proc/self/autogroup', String(DAEMON_GROUP_NICE)); } catch { /* no autogroup, or not allowed */ }
}
