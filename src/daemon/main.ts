// `podnet daemon`: runs in the background, started by `podnet up`.

import { existsSync } from 'node:fs';
import { clusterPaths } from '../config.js';
import { agentArgv, Supervisor } from './agent-supervisor.js';
import { makeClusterDirs } from './cluster-dirs.js';
import { acquireDaemonLock, DAEMON_LOCKED_EXIT } from './instance-lock.js';
import { buildNetwork, newClusterNodes } from './node-names.js';
import type { ApplyResult } from '../topology/index.js';
import { StartupTrace } from '../startup-trace.js';
import { raiseDaemonPriority } from './priority.js';

export async function runDaemon(cluster: string, nodes: number, addons: boolean): Promise<number> {
  const paths = clusterPaths(cluster);
  // before anything else: a second daemon would build the same network and open the same store
  if (!(await acquireDaemonLock(paths.dir))) {
    process.stderr.write(`[daemon] another podnet daemon of cluster "${cluster}" is running (state ${paths.dir}); not starting a second one\n`);
    return DAEMON_LOCKED_EXIT;
  }
  raiseDaemonPriority();
  // A new cluster (no store yet) knows its nodes without the store, so its
  // sealed network is built while the API server, the store and the
  // controllers load — about 90 modules and SQLite, the daemon's longest
  // step before it can do anything (docs/architecture.md, start-up) — and
  // its node agents start the moment the network is there: their own Node
  // start and module load then overlap the daemon's, and they wait for the
  // API server and their podCIDR themselves (src/agent/main.ts). A restarted
  // daemon reads its nodes from the store first (Daemon.start).
  let topology: Promise<ApplyResult> | undefined;
  let supervisor: Supervisor | undefined;
  if (!existsSync(paths.database)) {
    const trace = StartupTrace.open(paths.dir, 'daemon');
    trace.mark('topology started');
    makeClusterDirs(paths);
    const specs = newClusterNodes(nodes);
    const early = new Supervisor(paths);
    supervisor = early;
    // The agents start as soon as their namespaces exist, while the network is
    // still being configured: an agent can do nothing before its Node has a
    // podCIDR, and the daemon registers the Nodes only once the whole network
    // is built (Daemon.start), as a kubelet registers once its machine is up.
    const onNamespaces = () => {
      // An agent that cannot be spawned now is not a network failure: the
      // daemon ensures every node's agent again once it runs (Daemon.start).
      try {
        for (const n of specs) { const a = agentArgv(cluster, n.name, addons); early.ensure(a.name, a.netns, a.argv, a.identity); }
      } catch (err) {
        process.stderr.write(`[daemon] early agent start failed, retried later: ${(err as Error).message}\n`);
      }
      trace.mark('namespaces created, agents spawned');
    };
    topology = buildNetwork(cluster, specs, { onNamespaces, workDir: paths.dir });
    // Awaited in Daemon.start; until then a failure must not count as unhandled.
    topology.catch(() => undefined);
  }
  let Daemon: typeof import('./daemon.js').Daemon;
  try {
    ({ Daemon } = await import('./daemon.js'));
  } catch (err) {
    await supervisor?.stopAll();
    throw err;
  }
  const daemon = new Daemon({ cluster, nodes, addons, ...(topology ? { topology } : {}), ...(supervisor ? { supervisor } : {}) });
  let stopping = false;
  const stop = async () => {
    if (stopping) return;
    stopping = true;
    await daemon.stop().catch((e) => process.stderr.write(`[daemon] stop: ${(e as Error).message}\n`));
    process.exit(0);
  };
  process.on('SIGTERM', () => void stop());
  process.on('SIGINT', () => void stop());
  try {
    await daemon.start();
  } catch (err) {
    process.stderr.write(`[daemon] start failed: ${(err as Error).stack ?? err}\n`);
    await daemon.stop().catch(() => undefined);
    return 1;
  }
  process.stderr.write(`[daemon] cluster "${cluster}" running (pid ${process.pid})\n`);
  await new Promise<never>(() => { /* serve until signalled */ });
  return 0;
}
