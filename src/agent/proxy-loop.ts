// The kube-proxy half of the node agent: feeds Services and EndpointSlices
// to the service proxy, syncing only after both have been listed (as
// kube-proxy does) and coalescing bursts of changes into one transaction.

import type { EndpointSlice, Service } from '../api/types.js';
import type { Client } from '../client/client.js';
import { POD_NETWORK, SERVICE_NETWORK } from '../config.js';
import type { EventRecorder } from '../controllers/events.js';
import type { InformerFactory } from '../controllers/informer-factory.js';
import type { Runner } from '../net/runner.js';
import { ServiceProxy } from '../proxy/service-proxy.js';

const COALESCE_MS = 10;

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
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<void> = Promise.resolve();
  let synced = false;
  const sync = async () => {
    try {
      await proxy.sync(services.list(), slices.list());
    } catch (err) {
      const message = (err as Error).message;
      process.stderr.write(`[agent ${o.nodeName}] service proxy: ${message}\n`);
      const culprit = (err as { service?: { namespace: string; name: string } }).service;
      const svc = culprit ? services.get(culprit.namespace, culprit.name) : undefined;
      if (svc) o.events.warning(svc, 'FailedToSyncRules', `node ${o.nodeName} kept its last good ruleset: ${message}`);
    }
  };
  const schedule = () => {
    if (!synced || timer) return;
    timer = setTimeout(() => { timer = undefined; running = running.then(sync); }, COALESCE_MS);
  };
  services.addHandlers({ add: schedule, update: schedule, delete: schedule });
  slices.addHandlers({ add: schedule, update: schedule, delete: schedule });
  const firstSync = o.informers.waitForSync().then(() => { synced = true; running = running.then(sync); return running; });
  return {
    firstSync,
    stop() { if (timer) clearTimeout(timer); void proxy.stop(); },
  };
}
