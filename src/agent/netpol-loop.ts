// The node agent's NetworkPolicy enforcement (what a CNI's policy agent,
// Calico's Felix or Cilium's agent, does on each node): watches the policies,
// and once there is one, every pod and namespace of the cluster (a peer may be
// on any node); renders the node's table (src/netpol) and replaces it in one
// `nft` transaction when it changed. A cluster without policies costs one
// watch and no rules. Syncs are coalesced as the service proxy's are.

import type { Namespace, NetworkPolicy, Pod } from '../api/types.js';
import type { Client } from '../client/client.js';
import { IDLE_SYNC, SyncScheduler } from '../client/sync-scheduler.js';
import { InformerFactory } from '../controllers/informer-factory.js';
import type { SharedInformer } from '../controllers/informers.js';
import type { Runner } from '../net/runner.js';
import { deepEqual } from '../store/deep-equal.js';
import { nodePolicies, podViews } from '../netpol/model.js';
import { netpolTransaction, renderNetpol } from '../netpol/render.js';

const DEBOUNCE_MS = 10;
const MIN_SYNC_INTERVAL_MS = 100;
const FIRST_CLEAR_DELAY_MS = 2_000;
/** the longest a starting pod waits for its rules */
const POD_READY_TIMEOUT_MS = 2_000;
/** a starting pod's own address is used until the API shows it, at most this long after its creation */
const STARTING_FORGET_MS = 120_000;

export interface NetpolLoopOptions {
  client: Client;
  nodeName: string;
  runner: Runner;
  log: (line: string) => void;
}

export interface NetworkPolicies {
  /**
   * A pod of this node has its address and no container has started yet:
   * resolves once the node's table covers it (at once without policies; at
   * worst after POD_READY_TIMEOUT_MS, so a stuck sync never holds a pod).
   * Upstream requires a pod a policy selects to be isolated from the first
   * instant any of its containers runs, and status.podIP, which the table
   * is otherwise made from, is written only after they start.
   */
  podStarting(pod: Pod, ip: string): Promise<void>;
  stop(): void;
}

export function startNetworkPolicies(o: NetpolLoopOptions): NetworkPolicies {
  const policyWatch = new InformerFactory(o.client);
  const policies = policyWatch.informer<NetworkPolicy>('networkpolicies');
  let cluster: { factory: InformerFactory; pods: SharedInformer<Pod>; namespaces: SharedInformer<Namespace> } | undefined;
  /** the table as last applied; undefined until the first sync, which also clears one a previous agent left */
  let applied: string | undefined;
  /** pods starting on this node, by uid, with the address the API does not show yet */
  const starting = new Map<string, Pod>();
  /** podStarting calls waiting for a sync that began after them */
  let requests = 0;
  let waiters: { request: number; resolve: () => void }[] = [];

  const sync = async () => {
    const covering = requests;
    const list = policies.list();
    let table = '';
    if (list.length > 0) {
      cluster ??= watchCluster(o.client, () => scheduler.trigger());
      await cluster.factory.waitForSync();
      const known = cluster.pods.list();
      for (const [uid, p] of starting) {
        const seen = known.find((k) => k.metadata.uid === uid);
        if (seen?.status?.podIP || Date.now() - Date.parse(p.metadata.creationTimestamp ?? '') > STARTING_FORGET_MS) starting.delete(uid);
      }
      const pods = [...known.filter((k) => !starting.has(k.metadata.uid!)), ...starting.values()];
      table = renderNetpol(nodePolicies(o.nodeName, list, podViews(pods), cluster.namespaces.list()));
    }
    try {
      if (table === applied) return IDLE_SYNC;
      await o.runner.run(['nft', '-f', '-'], { input: netpolTransaction(table) });
      applied = table;
      return undefined;
    } finally {
      if (table === applied) {
        for (const w of waiters) if (w.request <= covering) w.resolve();
        waiters = waiters.filter((w) => w.request > covering);
      }
    }
  };
  const scheduler = new SyncScheduler(sync, { debounceMs: DEBOUNCE_MS, minIntervalMs: MIN_SYNC_INTERVAL_MS, name: 'network policy sync', log: o.log });
  const trigger = () => scheduler.trigger();
  policies.addHandlers({ add: trigger, update: trigger, delete: trigger });
  policyWatch.start();
  // Without policies the first sync only clears a table an earlier agent may
  // have left (the node's namespace outlives its agent): not while the node starts.
  void policyWatch.waitForSync().then(() => setTimeout(trigger, policies.list().length > 0 ? 0 : FIRST_CLEAR_DELAY_MS).unref());
  return {
    async podStarting(pod, ip) {
      await policyWatch.waitForSync();
      if (policies.list().length === 0) return;
      starting.set(pod.metadata.uid!, { ...pod, status: { ...pod.status, podIP: ip } });
      const request = ++requests;
      await new Promise<void>((resolve) => {
        waiters.push({ request, resolve });
        setTimeout(resolve, POD_READY_TIMEOUT_MS).unref();
        trigger();
      });
    },
    stop() { void scheduler.stop(); policyWatch.stop(); cluster?.factory.stop(); },
  };
}

function watchCluster(client: Client, changed: () => void): { factory: InformerFactory; pods: SharedInformer<Pod>; namespaces: SharedInformer<Namespace> } {
  const factory = new InformerFactory(client);
  const pods = factory.informer<Pod>('pods');
  const namespaces = factory.informer<Namespace>('namespaces');
  // what a policy reads of a pod that can change: its labels, address, node and phase (its ports are fixed)
  const sameLabels = (a: { metadata: { labels?: Record<string, string> } }, b: { metadata: { labels?: Record<string, string> } }) => deepEqual(a.metadata.labels ?? {}, b.metadata.labels ?? {});
  const podMatters = (a: Pod, b: Pod) => a.status?.podIP !== b.status?.podIP || a.status?.phase !== b.status?.phase || a.spec.nodeName !== b.spec.nodeName || !sameLabels(a, b);
  pods.addHandlers({ add: changed, update: (a, b) => { if (podMatters(a, b)) changed(); }, delete: changed });
  namespaces.addHandlers({ add: changed, update: (a, b) => { if (!sameLabels(a, b)) changed(); }, delete: changed });
  factory.start();
  return { factory, pods, namespaces };
}
