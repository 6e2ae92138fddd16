// The node agent's hostPorts (the CNI portmap plugin's job, src/cni/portmap.ts):
// watches the node's own pods and replaces the node's table in one `nft`
// transaction when the mappings changed. A node whose pods take no hostPort
// has no table (the first sync clears one an earlier agent left).

import type { Pod } from '../api/types.js';
import { IDLE_SYNC, SyncScheduler } from '../client/sync-scheduler.js';
import type { SharedInformer } from '../controllers/informers.js';
import type { Runner } from '../net/runner.js';
import { hostPortMappings, hostPortTransaction, renderHostPorts } from '../cni/portmap.js';

const DEBOUNCE_MS = 10;
const MIN_SYNC_INTERVAL_MS = 100;

export interface HostPortLoopOptions {
  /** the node's own pods (the agent's informer) */
  pods: SharedInformer<Pod>;
  /** resolves once the informer has listed: a restarted agent must not clear its running pods' ports with an empty first list */
  synced: Promise<unknown>;
  runner: Runner;
  log: (line: string) => void;
}

export function startHostPorts(o: HostPortLoopOptions): { stop(): void } {
  /** the table as last applied; undefined until the first sync */
  let applied: string | undefined;
  let udpApplied = new Set<string>();
  const sync = async () => {
    const mappings = hostPortMappings(o.pods.list());
    const table = renderHostPorts(mappings);
    if (table === applied) return IDLE_SYNC;
    await o.runner.run(['nft', '-f', '-'], { input: hostPortTransaction(table) });
    applied = table;
    // as portmap on ADD: a UDP flow conntrack keeps for a hostPort that is new or goes elsewhere now
    // would keep going to the old place (or nowhere) while its client keeps sending
    const udp = new Set(mappings.filter((m) => m.protocol === 'udp').map((m) => `${m.hostPort} ${m.podIP}:${m.containerPort}`));
    for (const entry of udp) {
      if (!udpApplied.has(entry)) await o.runner.run(['conntrack', '-D', '-p', 'udp', '--orig-port-dst', entry.split(' ')[0]!], { allowFailure: true });
    }
    udpApplied = udp;
    return undefined;
  };
  const scheduler = new SyncScheduler(sync, { debounceMs: DEBOUNCE_MS, minIntervalMs: MIN_SYNC_INTERVAL_MS, name: 'hostPort sync', log: o.log });
  const trigger = () => scheduler.trigger();
  // what a mapping reads of a pod: its address, phase and deletion (its ports are fixed)
  const matters = (a: Pod, b: Pod) => a.status?.podIP !== b.status?.podIP || a.status?.phase !== b.status?.phase || a.metadata.deletionTimestamp !== b.metadata.deletionTimestamp;
  void o.synced.then(() => {
    o.pods.addHandlers({ add: trigger, update: (a, b) => { if (matters(a, b)) trigger(); }, delete: trigger });
    trigger();
  });
  return { stop() { void scheduler.stop(); } };
}
