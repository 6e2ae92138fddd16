// The kube-proxy half of the node agent: feeds Services and EndpointSlices
// to the service proxy, syncing only after both have been listed (as
// kube-proxy does) and coalescing bursts of changes into one transaction.
// A change after a quiet spell is applied COALESCE_MS later; during a burst
// (a 2,000-object apply, a rollout) syncs start at most every
// MIN_SYNC_INTERVAL_MS, like kube-proxy's minSyncPeriod (1 s upstream; shorter
// here because one sync of a changed Service costs milliseconds), and never
// queue up behind each other. While changes come in a burst (BURST.triggers
// or more since the previous sync started) the gap stretches to
// BURST.factor times the last sync's duration, at most BURST.maxGapMs
// (kube-proxy's default minSyncPeriod), so that the proxy takes a bounded
// share of the machine: each sync is one `nft` process whose cost grows with
// the table, and 2,000 objects synced every 250 ms cost the two node agents
// as much CPU as the daemon serving them. A few changes (a pod turning Ready)
// keep the short gap.

import type { EndpointSlice, Service } from '../api/types.js';
import type { Client } from '../client/client.js';
import { POD_NETWORK, SERVICE_NETWORK } from '../config.js';
import type { EventRecorder } from '../controllers/events.js';
import type { InformerFactory } from '../controllers/informer-factory.js';
import type { Runner } from '../net/runner.js';
import { SyncScheduler } from '../client/sync-scheduler.js';
import { ServiceProxy } from '../proxy/service-proxy.js';
import { ProxyHealth, serveProxyStatus } from '../proxy/proxy-status.js';

const COALESCE_MS = 10;
const MIN_SYNC_INTERVAL_MS = 250;
const BURST = { triggers: 50, factor: 10, maxGapMs: 1000 };

export interface ProxyLoopOptions {
  informers: InformerFactory;
  client: Client;
  nodeName: string;
  nodeIP: string;
  podCIDR: string;
  runner: Runner;
  events: EventRecorder;
}

export function startServiceProxy(o: ProxyLoopOptions): { firstSync: Promise<void>; stop(): void } {
  const services = o.informers.informer<Service>('services');
  const slices = o.informers.informer<EndpointSlice>('endpointslices');
  const proxy = new ServiceProxy({ runner: o.runner, nodeName: o.nodeName, nodeIP: o.nodeIP, podCIDR: o.podCIDR, clusterCIDR: POD_NETWORK, serviceCIDR: SERVICE_NETWORK, serveHealthChecks: true });
  const health = new ProxyHealth();
  const status = serveProxyStatus(health, (line) => process.stderr.write(`[agent ${o.nodeName}] ${line}\n`));
  let synced = false;
  let changedDuringFirstSync = false;
  const sync = async () => {
    const startedAt = Date.now();
    try {
      await proxy.sync(services.list(), slices.list());
      health.synced(Date.now() - startedAt, startedAt);
    } catch (err) {
      const message = (err as Error).message;
      process.stderr.write(`[agent ${o.nodeName}] service proxy: ${message}\n`);
      const culprit = (err as { service?: { namespace: string; name: string } }).service;
      const svc = culprit ? services.get(culprit.namespace, culprit.name) : undefined;
      if (svc) o.events.warning(svc, 'FailedToSyncRules', `node ${o.nodeName} kept its last good ruleset: ${message}`);
    }
  };
  const scheduler = new SyncScheduler(sync, { debounceMs: COALESCE_MS, minIntervalMs: MIN_SYNC_INTERVAL_MS, burst: BURST, name: 'service proxy sync' });
  const schedule = () => { health.queued(); if (synced) scheduler.trigger(); else changedDuringFirstSync = true; };
  services.addHandlers({ add: schedule, update: schedule, delete: schedule });
  slices.addHandlers({ add: schedule, update: schedule, delete: schedule });
  const firstSync = o.informers.waitForSync().then(async () => {
    changedDuringFirstSync = false;
    await sync();
    synced = true;
    if (changedDuringFirstSync) scheduler.trigger();
  });
  return {
    firstSync,
    stop() { void scheduler.stop(); void proxy.stop(); status.stop(); },
  };
}
