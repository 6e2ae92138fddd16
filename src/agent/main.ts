// The node agent (kubelet + kube-proxy of one node). The daemon starts it
// inside the node's network namespace; it talks to the API server over the
// cluster's Unix socket like any other client.

import { existsSync, mkdirSync } from 'node:fs';
import { parseArgs } from 'node:util';
import path from 'node:path';
import type { ConfigMap, EndpointSlice, PersistentVolume, PersistentVolumeClaim, Pod, Secret, Service } from '../api/types.js';
import { HttpClient } from '../client/http-client.js';
import { clusterPaths, holdFifoPath, NODE_RESOLV_CONF } from '../config.js';
import { ApiEventRecorder } from '../controllers/events.js';
import { InformerFactory } from '../controllers/informer-factory.js';
import { timeConnections } from '../net/conntrack-timestamps.js';
import { NETNS_RUN_DIR } from '../net/netns.js';
import { NFLOG_GROUP } from '../net/nflog.js';
import { defaultRunner } from '../net/runner.js';
import { refusalLogPath } from '../observe/refusal-log.js';
import { RefusalRecorder } from '../observe/refusal-recorder.js';
import { CniServerProcess } from './cni-server-process.js';
import { NodeHeartbeat, nodeResources } from './node-heartbeat.js';
import { startServiceProxy } from './proxy-loop.js';
import { startNetworkPolicies } from './netpol-loop.js';
import { startHostPorts } from './hostport-loop.js';
import { StartupTrace } from '../startup-trace.js';
import { waitForPodCIDR } from './wait-for-node.js';

/** while the daemon's API server is not up yet (its agents start before it, src/daemon/main.ts) */
const API_RETRY_MS = 20;
/** an agent whose daemon never answers gives up (its supervisor, if any, starts it again) */
const API_WAIT_TIMEOUT_MS = 30_000;
/** sandboxes built at once per node: a burst of 100 pods otherwise starts 100 CNI processes on 2 cores */
const SANDBOX_CONCURRENCY = 4;

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { cluster: { type: 'string' }, node: { type: 'string' }, 'early-cni-server': { type: 'boolean' } } });
  const cluster = values.cluster!;
  const nodeName = values.node!;
  /** a line of this agent's own on stderr, which the daemon keeps as the agent's log */
  const log = (line: string) => { process.stderr.write(`[agent ${nodeName}] ${line}\n`); };
  const paths = clusterPaths(cluster);
  const trace = StartupTrace.open(paths.dir, `agent ${nodeName}`);
  trace.mark('main');
  const client = new HttpClient({ socketPath: paths.socket });
  // The informers list while the Node is read: neither needs the other, and
  // everything below waits for both (handlers added later still see the
  // whole cache: the kubelet and the proxy start from list()).
  const informers = new InformerFactory(client, { pods: { fieldSelector: `spec.nodeName=${nodeName}` } });
  const pods = informers.informer<Pod>('pods');
  const services = informers.informer<Service>('services');
  informers.informer<EndpointSlice>('endpointslices');
  // what containers' env and configMap/secret volumes read (the kubelet's watch-based manager)
  const configMaps = informers.informer<ConfigMap>('configmaps');
  const secrets = informers.informer<Secret>('secrets');
  // what persistentVolumeClaim volumes mount: the volume each claim is bound to
  const claims = informers.informer<PersistentVolumeClaim>('persistentvolumeclaims');
  const volumes = informers.informer<PersistentVolume>('persistentvolumes');

  // The informers start with the API server's first answer (before it they
  // would back off), then list while the Node gets its podCIDR.
  const node = await waitForPodCIDR(client, nodeName, {
    retryMs: API_RETRY_MS, timeoutMs: API_WAIT_TIMEOUT_MS, mayAnswer: () => existsSync(paths.socket),
    onApiUp: () => { informers.start(); trace.mark('API server answered'); },
  });
  trace.mark('podCIDR known');
  const nodeIP = node.status!.addresses!.find((a) => a.type === 'InternalIP')!.address;
  const resources = nodeResources(paths.dir);
  const podCIDR = node.spec.podCIDR;
  // The node's podnet-cni shim hands calls to the resident CNI server on this
  // socket (docs/cni.md): each pod is still an exec of the plugin per the CNI
  // protocol, but no Node start. Until the server listens, the shim runs the
  // plugin standalone, so the agent does not wait for it.
  const nodeCniDir = `${paths.cniConf}/${nodeName}`;
  // The server's socket lives here; the shim is installed here with the kubelet, possibly later.
  mkdirSync(nodeCniDir, { recursive: true });
  const cniServer = new CniServerProcess(`${nodeCniDir}/podnet-cni.sock`, log);
  // --early-cni-server (the daemon passes it when it creates the system pods
  // the moment every node is Ready): start the server now so it listens when
  // they come; otherwise their CNI ADDs each ran standalone (a Node start
  // apiece) beside the starting server, and the sandboxes of the node with
  // two system pods were the longest step of a full `up`. Measured back to
  // back (loaded box, 4 pairs): full `up` median 5.57 s early vs 6.08 s after
  // Ready, while `up --bare`, where no pod follows, was 0.4-0.6 s slower early.
  const earlyCniServer = values['early-cni-server'] === true;
  if (earlyCniServer) { cniServer.start(); trace.mark('CNI server started'); }

  const events = new ApiEventRecorder(client, 'kubelet', { host: nodeName });
  /**
   * The kubelet's modules (pod workers, sandboxes, probes, the CNI exec
   * protocol: ~30-45 ms of CPU here) load when it starts, so that an agent
   * without pods loads them after its Ready heartbeat instead of before.
   */
  const startKubelet = async (): Promise<{ podCount(): number }> => {
    const [{ Kubelet }, { Semaphore }, { nodeNetworkConfig }, { installPodnetCni }, { podRootBinds, canLayerPodRoots }] = await Promise.all([
      import('./kubelet.js'), import('./semaphore.js'), import('../cni/config.js'), import('../cni/exec-plugin.js'), import('./pod-root.js'),
    ]);
    const cniConfig = nodeNetworkConfig({ cluster, node: nodeName, podCIDR, dataDir: paths.ipam });
    const cniPath = [installPodnetCni(`${nodeCniDir}/bin`, { socket: cniServer.socketPath })];
    const layering = await canLayerPodRoots(defaultRunner, paths.dir);
    if (!layering.ok) process.stderr.write(`[agent ${nodeName}] pods use the machine's root filesystem: an overlay of / cannot be mounted here (${layering.reason})\n`);
    const kubelet = new Kubelet({
      cluster, nodeName, nodeIP, podsDir: paths.pods, runner: defaultRunner, client, events,
      cniConfig: () => cniConfig, cniPath, services: () => services.list(), nodeResolvConf: NODE_RESOLV_CONF, apiSocket: paths.listenSocket, podNetworkReady: (pod, ip) => networkPolicies.podStarting(pod, ip), sandboxSlots: new Semaphore(SANDBOX_CONCURRENCY),
      ...(layering.ok ? { podRoot: { binds: () => podRootBinds(), hidden: [paths.dir, NETNS_RUN_DIR], readOnlyBinds: [path.dirname(paths.listenSocket), path.dirname(holdFifoPath(paths.dir))] } } : {}),
      config: {
        configMap: (ns, name) => configMaps.get(ns, name), secret: (ns, name) => secrets.get(ns, name),
        claim: (ns, name) => claims.get(ns, name), volume: (name) => volumes.get(undefined, name),
        nodeAllocatable: resources,
      },
    });
    await kubelet.adopt(pods.list());
    // Pods that came meanwhile are in the cache: handlers for what follows, sync for what is there.
    pods.addHandlers({ add: (p) => kubelet.sync(p), update: (_o, p) => kubelet.sync(p), delete: (p) => kubelet.remove(p) });
    for (const [kind, informer] of [['configMap', configMaps], ['secret', secrets]] as const) {
      const changed = (o: ConfigMap | Secret) => kubelet.configChanged(kind, o.metadata.namespace!, o.metadata.name!);
      informer.addHandlers({ add: changed, update: (_o, o) => changed(o), delete: changed });
    }
    const current = pods.list();
    for (const p of current) kubelet.sync(p);
    kubelet.removeMissing(current);
    // Only now, with every surviving pod adopted and every current one
    // synced: CNI GC frees what no pod holds (leaked by a crash or a failed
    // DEL), then again every minute (Kubelet.collectGarbage says why a pod
    // being created meanwhile is safe).
    void kubelet.startHousekeeping();
    trace.mark('kubelet started');
    return kubelet;
  };
  const proxy = startServiceProxy({ informers, client, nodeName, nodeIP, podCIDR, runner: defaultRunner, events });
  const hostPorts = startHostPorts({ pods, synced: informers.waitForSync(), runner: defaultRunner, log });
  const networkPolicies = startNetworkPolicies({ client, nodeName, runner: defaultRunner, log });
  await informers.waitForSync();
  trace.mark('informers synced');
  // An agent restarted under running pods adopts them before it reports Ready
  // (as before any restart); a new node has none, and the scheduler binds no
  // pod to it before it is Ready, so its kubelet starts right after the
  // heartbeat — a pod bound in that instant waits in the informer's cache.
  const kubelet = pods.list().length > 0 ? await startKubelet() : undefined;

  const heartbeat = new NodeHeartbeat(client, nodeName, nodeIP, node, resources);
  await proxy.firstSync;
  trace.mark('proxy first sync');
  await heartbeat.beat();
  trace.mark('Ready heartbeat sent');
  heartbeat.run();
  const running = kubelet ?? await startKubelet();
  // Otherwise after the node is Ready: its start (a Node process) would take
  // CPU from this agent's way to Ready, and no pod can come before (docs/cni.md).
  if (!earlyCniServer) { cniServer.start(); trace.mark('CNI server started'); }
  // after Ready, as the CNI server: a tcpdump's start is no step on the way to it
  const refusals = new RefusalRecorder({
    file: refusalLogPath(paths.dir, nodeName), groups: Object.values(NFLOG_GROUP),
    say: log,
  });
  refusals.start();
  timeConnections(log);
  process.stderr.write(`[agent ${nodeName}] ready: podCIDR ${podCIDR}, ${running.podCount()} pods adopted\n`);

  const stop = () => {
    // Like a kubelet restart, stopping the agent leaves its pods running.
    heartbeat.stop();
    proxy.stop();
    networkPolicies.stop();
    hostPorts.stop();
    informers.stop();
    cniServer.stop();
    refusals.stop();
    process.exit(0);
  };
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
}

main().catch((err) => {
  process.stderr.write(`[agent] fatal: ${(err as Error).stack ?? err}\n`);
  process.exit(1);
});
