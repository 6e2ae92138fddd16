// `podnet daemon`: runs in the background, started by `podnet up`.

import { existsSync } from 'node:fs';
import { clusterPaths } from '../config.js';
import { buildNetwork, newClusterNodes } from './node-names.js';
import type { ApplyResult } from '../topology/index.js';
import { StartupTrace } from '../startup-trace.js';

export async function runDaemon(cluster: string, nodes: number, addons: boolean): Promise<number> {
  // A new cluster (no store yet) knows its nodes without the store, so its
  // sealed network is built while the API server, the store and the
  // controllers load — about 90 modules and SQLite, the daemon's longest
  // step before it can do anything (docs/architecture.md, start-up). A
  // restarted daemon reads its nodes from the store first (Daemon.start).
  let topology: Promise<ApplyResult> | undefined;
  if (!existsSync(clusterPaths(cluster).database)) {
    StartupTrace.open(clusterPaths(cluster).dir, 'daemon').mark('topology started');
    topology = buildNetwork(cluster, newClusterNodes(nodes));
    // Awaited in Daemon.start; until then a failure must not count as unhandled.
    topology.catch(() => undefined);
  }
  const { Daemon } = await import('./daemon.js');
  const daemon = new Daemon({ cluster, nodes, addons, ...(topology ? { topology } : {}) });
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
