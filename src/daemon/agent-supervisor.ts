// Starts podnet's long-running processes inside their network namespaces —
// one node agent per node, the external DNS server, the load balancer agent —
// and restarts each when it dies, with back-off, as systemd would.

import { spawn, type ChildProcess } from 'node:child_process';
import { openSync, closeSync, readFileSync, writeFileSync, rmSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { netnsNames, type ClusterPaths } from '../config.js';
import { WATCHER_V8_FLAGS } from '../v8-flags.js';
import { processArgs } from '../net/process.js';

const AGENT_MAIN = fileURLToPath(new URL('../agent/main.js', import.meta.url));
const LB_AGENT_MAIN = fileURLToPath(new URL('../cloud/lb-agent-main.js', import.meta.url));
const MIN_BACKOFF_MS = 200;
const MAX_BACKOFF_MS = 10_000;

interface Managed { netns: string; argv: string[]; child?: ChildProcess; backoff: number; stopped: boolean; timer?: NodeJS.Timeout }

export class Supervisor {
  private readonly procs = new Map<string, Managed>();
  /** after stopAll nothing starts any more (a start queued behind the network build must not outlive the daemon) */
  private stopping = false;

  constructor(private readonly paths: ClusterPaths) {}

  /**
   * Runs argv inside netns under this name (log: <state>/<name>.log), unless
   * already running. `identity` (default: argv without the program) is what a
   * leftover process's command line must contain to be this one's.
   */
  ensure(name: string, netns: string, argv: string[], identity: string[] = argv.slice(1)): void {
    if (this.stopping || this.procs.has(name)) return;
    const m: Managed = { netns, argv, backoff: MIN_BACKOFF_MS, stopped: false };
    this.procs.set(name, m);
    stopLeftover(path.join(this.paths.procs, `${name}.pid`), identity);
    this.start(name, m);
  }

  private start(name: string, m: Managed): void {
    const log = openSync(path.join(this.paths.dir, `${name}.log`), 'a');
    // nsenter, not `ip netns exec`: the latter gives the process a private
    // mount namespace, and netns files it then creates under /run/netns
    // would be invisible to the CLI and to `podnet down`. Detached: a session
    // of its own, so that it does not share the daemon's scheduling group
    // (src/daemon/priority.ts), as a kubelet does not share the API server's
    // cgroup.
    const child = spawn('nsenter', [`--net=/run/netns/${m.netns}`, '--', ...m.argv], {
      stdio: ['ignore', log, log], env: { ...process.env, PODNET_STATE_DIR: path.dirname(this.paths.dir) }, detached: true,
    });
    closeSync(log);
    m.child = child;
    const started = Date.now();
    if (child.pid) writeFileSync(path.join(this.paths.procs, `${name}.pid`), String(child.pid));
    child.on('exit', () => {
      m.child = undefined;
      if (m.stopped) return;
      // A process that ran for a while and died starts over with a short delay.
      if (Date.now() - started > MAX_BACKOFF_MS) m.backoff = MIN_BACKOFF_MS;
      m.timer = setTimeout(() => this.start(name, m), m.backoff);
      m.backoff = Math.min(m.backoff * 2, MAX_BACKOFF_MS);
    });
  }

  async stopAll(): Promise<void> {
    this.stopping = true;
    const exits: Promise<void>[] = [];
    for (const [name, m] of this.procs) {
      m.stopped = true;
      if (m.timer) clearTimeout(m.timer);
      const child = m.child;
      if (child && child.exitCode === null) {
        exits.push(new Promise((resolve) => {
          const kill = setTimeout(() => child.kill('SIGKILL'), 5_000);
          child.once('exit', () => { clearTimeout(kill); resolve(); });
          child.kill('SIGTERM');
        }));
      }
      rmSync(path.join(this.paths.procs, `${name}.pid`), { force: true });
    }
    await Promise.all(exits);
  }
}

/** earlyCniServer: pods are scheduled the moment the node is Ready (the system pods), see src/agent/main.ts */
export function agentArgv(cluster: string, node: string, earlyCniServer = false): { name: string; netns: string; argv: string[]; identity: string[] } {
  // The identity leaves the option (and node's flags) out: a daemon restarted
  // with or without --bare must still find the node's leftover agent (never two per node).
  const identity = [AGENT_MAIN, '--cluster', cluster, '--node', node];
  return { name: `agent-${node}`, netns: netnsNames.node(cluster, node), argv: [process.execPath, ...WATCHER_V8_FLAGS, ...identity, ...(earlyCniServer ? ['--early-cni-server'] : [])], identity };
}

/** The cloud load balancer's data path and health checks, in the router namespace. */
export function lbAgentArgv(cluster: string): { name: string; netns: string; argv: string[]; identity: string[] } {
  // node's flags are not part of what identifies a leftover agent (one started with others)
  const identity = [LB_AGENT_MAIN, '--cluster', cluster];
  return { name: 'lb-agent', netns: netnsNames.router(cluster), argv: [process.execPath, ...WATCHER_V8_FLAGS, ...identity], identity };
}

/**
 * A daemon killed with -9 leaves its children running (a node agent keeps its
 * pods). Before starting a successor, stop the leftover so that a node never
 * has two agents; only a process whose command line is the expected one.
 */
function stopLeftover(pidFile: string, identity: string[]): void {
  let pid = 0;
  try { pid = Number(readFileSync(pidFile, 'utf8')); } catch { return; }
  if (!pid) return;
  const args = processArgs(pid);
  if (!args || !args.join(' ').includes(identity.join(' '))) return;
  try { process.kill(pid, 'SIGKILL'); } catch { /* already gone */ }
}
