// Starts one node agent per node inside that node's network namespace and
// restarts it when it dies, with back-off, as systemd would restart a kubelet.

import { spawn, type ChildProcess } from 'node:child_process';
import { openSync, closeSync, writeFileSync, rmSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { netnsNames, type ClusterPaths } from '../config.js';

const AGENT_MAIN = fileURLToPath(new URL('../agent/main.js', import.meta.url));
const MIN_BACKOFF_MS = 200;
const MAX_BACKOFF_MS = 10_000;

interface Managed { child?: ChildProcess; backoff: number; stopped: boolean; timer?: NodeJS.Timeout }

export class AgentSupervisor {
  private readonly agents = new Map<string, Managed>();

  constructor(private readonly cluster: string, private readonly paths: ClusterPaths) {}

  ensure(node: string): void {
    if (this.agents.has(node)) return;
    const m: Managed = { backoff: MIN_BACKOFF_MS, stopped: false };
    this.agents.set(node, m);
    this.start(node, m);
  }

  private start(node: string, m: Managed): void {
    const log = openSync(path.join(this.paths.dir, `agent-${node}.log`), 'a');
    // nsenter, not `ip netns exec`: the latter gives the agent a private mount
    // namespace, and netns files the agent then creates under /run/netns
    // would be invisible to the CLI and to `podnet down`.
    const argv = [`--net=/run/netns/${netnsNames.node(this.cluster, node)}`, '--', process.execPath, AGENT_MAIN, '--cluster', this.cluster, '--node', node];
    const child = spawn('nsenter', argv, { stdio: ['ignore', log, log], env: { ...process.env, PODNET_STATE_DIR: path.dirname(this.paths.dir) } });
    closeSync(log);
    m.child = child;
    const started = Date.now();
    if (child.pid) writeFileSync(path.join(this.paths.procs, `agent-${node}.pid`), String(child.pid));
    child.on('exit', () => {
      m.child = undefined;
      if (m.stopped) return;
      // An agent that ran for a while and died starts over with a short delay.
      if (Date.now() - started > MAX_BACKOFF_MS) m.backoff = MIN_BACKOFF_MS;
      m.timer = setTimeout(() => this.start(node, m), m.backoff);
      m.backoff = Math.min(m.backoff * 2, MAX_BACKOFF_MS);
    });
  }

  /** Lets tests and `podnet` simulate an agent crash: the supervisor restarts it. */
  pid(node: string): number | undefined { return this.agents.get(node)?.child?.pid; }

  async stopAll(): Promise<void> {
    const exits: Promise<void>[] = [];
    for (const [node, m] of this.agents) {
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
      rmSync(path.join(this.paths.procs, `agent-${node}.pid`), { force: true });
    }
    await Promise.all(exits);
  }
}
