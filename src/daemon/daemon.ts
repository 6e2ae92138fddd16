// The per-cluster daemon: the API server, the controllers, the sealed network
// and one node agent per node. Restartable: everything it builds is derived
// from the store, so a daemon started after a crash finds its cluster again.

import { readFileSync, renameSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { KubeObject, Node } from '../api/types.js';
import { nowRFC3339 } from '../api/pod-helpers.js';
import { resourceForKind } from '../api/resources.js';
import { ApiServer } from '../apiserver/server.js';
import type { Client } from '../client/client.js';
import { clusterPaths, type ClusterPaths } from '../config.js';
import { ApiEventRecorder } from '../controllers/events.js';
import { DeploymentController } from '../controllers/deployment.js';
import { DisruptionController } from '../controllers/disruption.js';
import { ReplicaSetController } from '../controllers/replicaset.js';
import { EndpointSliceController } from '../controllers/endpointslice.js';
import { EndpointsController } from '../controllers/endpoints.js';
import { EndpointSliceMirroringController } from '../controllers/endpointslice-mirroring.js';
import { GarbageCollector } from '../controllers/garbage-collector.js';
import { HorizontalPodAutoscalerController } from '../controllers/horizontal-pod-autoscaler.js';
import { NamespaceController } from '../controllers/namespace.js';
import { CLAIM_DIRECTORY_PROVISIONER, PersistentVolumeController } from '../controllers/persistent-volume.js';
import { InformerFactory } from '../controllers/informer-factory.js';
import type { SharedInformer } from '../controllers/informers.js';
import { NodeIpamController } from '../controllers/node-ipam.js';
import { NodeLifecycleController } from '../controllers/node-lifecycle.js';
import { PodGarbageCollector } from '../controllers/pod-gc.js';
import { RootCACertPublisher } from '../controllers/root-ca-publisher.js';
import { isNodeReady, Scheduler } from '../controllers/scheduler.js';
import { ServiceAccountsController, wakeWorkloadsOnServiceAccount } from '../controllers/service-account.js';
import { StatefulSetController } from '../controllers/statefulset.js';
import { DaemonSetController } from '../controllers/daemonset.js';
import { JobController } from '../controllers/job.js';
import { CronJobController } from '../controllers/cronjob.js';
import { TTLAfterFinishedController } from '../controllers/ttl-after-finished.js';
import { isApiError } from '../errors.js';
import { defaultRunner } from '../net/runner.js';
import { nodeIndex, nodeIP, syncPodRoutes, type ApplyResult, type InstalledRoute } from '../topology/index.js';
import { ServiceLoadBalancerController } from '../cloud/service-lb-controller.js';
import { agentArgv, lbAgentArgv, Supervisor } from './agent-supervisor.js';
import { ensureClusterCA } from './cluster-ca.js';
import { makeClusterDirs } from './cluster-dirs.js';
import { startOutsideWorld } from './outside-world.js';
import { defaultStorageClass, systemManifests } from './system-manifests.js';
import { buildNetwork, newClusterNodes } from './node-names.js';
import { StartupTrace } from '../startup-trace.js';
import type { Pod } from '../api/types.js';

export interface DaemonOptions {
  cluster: string;
  nodes: number;
  /** cluster DNS, ingress controller, load balancer and external DNS */
  addons: boolean;
  /**
   * The sealed network of a new cluster (no store yet: its nodes are
   * newClusterNodes(nodes)), already being built by the caller while this
   * module and the API server loaded; without it start() builds it from the store.
   */
  topology?: Promise<ApplyResult>;
  /**
   * The supervisor of the processes the caller already started (a new
   * cluster's node agents, spawned the moment its network was built); the
   * daemon adopts it and stops them with everything else.
   */
  supervisor?: Supervisor;
}

const ADDONS_WAIT_FOR_NODES_MS = 10_000;
/** how long route syncs wait for every registered node's podCIDR (the allocator needs milliseconds) */
const PODCIDR_WAIT_MS = 5_000;
const debug = process.env.PODNET_DEBUG?.split(',').some((c) => c === 'daemon' || c === '*');

/** Resolves when every Node is Ready (as the informer sees it), or after timeoutMs in any case. */
export function allNodesReady(nodes: SharedInformer<Node>, timeoutMs: number): Promise<void> {
  const done = () => nodes.list().length > 0 && nodes.list().every((n) => isNodeReady(n));
  if (done()) return Promise.resolve();
  return new Promise((resolve) => {
    let settled = false;
    const finish = () => { if (!settled) { settled = true; clearTimeout(timer); resolve(); } };
    const timer = setTimeout(finish, timeoutMs);
    // Handlers cannot be removed from an informer; after finishing this one is a no-op.
    const check = () => { if (!settled && done()) finish(); };
    nodes.addHandlers({ add: check, update: check });
  });
}

export class Daemon {
  readonly paths: ClusterPaths;
  private api: ApiServer | undefined;
  private informers: InformerFactory | undefined;
  private readonly stoppers: (() => void | Promise<void>)[] = [];
  private routeSync: Promise<unknown> = Promise.resolve();
  /** the host-gw routes each node namespace holds: the daemon is their one writer, so it never reads them back */
  private readonly podRoutes = new Map<string, InstalledRoute[]>();
  /** until then a route sync waits for nodes without a podCIDR (see scheduleRouteSync) */
  private podCIDRWaitUntil = 0;

  constructor(private readonly options: DaemonOptions) {
    this.paths = clusterPaths(options.cluster);
  }

  private log(msg: string): void { if (debug) process.stderr.write(`[daemon] ${msg}\n`); }

  async start(): Promise<void> {
    const t0 = performance.now();
    makeClusterDirs(this.paths);
    const supervisor = this.options.supervisor ?? new Supervisor(this.paths);
    this.stoppers.push(() => supervisor.stopAll());
    const trace = StartupTrace.open(this.paths.dir, 'daemon');
    trace.mark('start');
    // Written whole and renamed: `podnet up` polls this file while we start.
    writeFileSync(`${this.paths.daemonPid}.tmp`, String(process.pid));
    renameSync(`${this.paths.daemonPid}.tmp`, this.paths.daemonPid);
    // Made (or found) while the API server starts, not before: only the
    // root-CA publisher needs it, and its syncs wait for it.
    const rootCA = ensureClusterCA(this.paths.dir, defaultRunner).then((ca) => { trace.mark('cluster CA ready'); return ca.certificate; });
    rootCA.catch((e) => process.stderr.write(`[daemon] ${(e as Error).message}\n`));

    this.api = new ApiServer({ databasePath: this.paths.database, socketPath: this.paths.listenSocket, podsDir: this.paths.pods });
    await this.api.start();
    rmSync(this.paths.socket, { force: true });
    symlinkSync(path.relative(this.paths.dir, this.paths.listenSocket), this.paths.socket);
    const client = this.api.localClient();
    this.log(`api server up in ${(performance.now() - t0).toFixed(0)} ms`);
    trace.mark('api server listening');

    // A restarted daemon keeps the nodes it had; a new cluster gets --nodes of them.
    const stored = (await client.list<Node>('nodes')).items;
    const specs = stored.length > 0
      ? stored.map((n) => ({ name: n.metadata.name!, ...(n.spec?.podCIDR ? { podCIDR: n.spec.podCIDR } : {}) }))
      : newClusterNodes(this.options.nodes);
    const names = specs.map((n) => n.name);
    const early = stored.length === 0 ? this.options.topology : undefined;
    const topology = early ?? buildNetwork(this.options.cluster, specs, { workDir: this.paths.dir });
    // Awaited below, after the controllers start: a rejection meanwhile must
    // not count as unhandled (which kills the daemon before its cleanup).
    topology.catch(() => undefined);

    this.startControllers(client, rootCA);
    await this.informers!.waitForSync();
    trace.mark('informers synced');
    for (const [netns, routes] of (await topology).podRoutes) this.podRoutes.set(netns, routes);
    this.log(`topology up in ${(performance.now() - t0).toFixed(0)} ms`);
    trace.mark('topology applied');
    // The Node objects once the network is built, as a kubelet registers when
    // its machine is up: a node agent started early (runDaemon) waits for its
    // Node's podCIDR, so it can report Ready only on a finished network.
    this.podCIDRWaitUntil = Date.now() + PODCIDR_WAIT_MS;
    await Promise.all(names.map((name) => this.registerNode(client, name)));
    trace.mark('nodes registered');
    if (trace.enabled) this.tracePods(trace);

    const nodes = this.informers!.informer<Node>('nodes');
    const onNode = (n: Node) => {
      // At once, also before the node has its podCIDR: the agent's Node
      // start and module load (the longest part of its way to Ready) then
      // overlap the allocation, and the agent waits for the podCIDR itself.
      // With the system pods to come right after Ready, the agents start their CNI server early.
      const a = agentArgv(this.options.cluster, n.metadata.name!, this.options.addons);
      supervisor.ensure(a.name, a.netns, a.argv, a.identity);
      this.scheduleRouteSync(nodes.list());
    };
    // Heartbeats update Nodes every 2 s; routes change only with podCIDRs and addresses.
    const routing = (n: Node) => JSON.stringify([n.spec?.podCIDR, n.status?.addresses]);
    nodes.addHandlers({ add: onNode, update: (o, n) => { if (routing(o) !== routing(n)) onNode(n); }, delete: () => this.scheduleRouteSync(nodes.list()) });
    // The node agents first: they are on the way to `podnet up`'s answer
    // (every node Ready, then the system pods on them); the outside world and
    // the LB agent are not, and on a 2-core box every process started
    // before an agent delays it.
    for (const n of nodes.list()) onNode(n);
    trace.mark('agents spawned');
    this.stoppers.push(await startOutsideWorld(this.options.cluster, this.paths, supervisor, this.informers!));
    if (this.options.addons) { const lb = lbAgentArgv(this.options.cluster); supervisor.ensure(lb.name, lb.netns, lb.argv, lb.identity); }
    trace.mark('outside world started');
    // kind's `standard`, made with the cluster: a cluster that has any class (the user replaced or kept it) gets no second one
    if ((await client.list('storageclasses')).items.length === 0) await this.createOnce(client, [defaultStorageClass()]);
    if (this.options.addons) {
      // Every node Ready first, so the scheduler spreads the system pods.
      await allNodesReady(nodes, ADDONS_WAIT_FOR_NODES_MS);
      trace.mark('all nodes Ready (daemon sees)');
      await this.createOnce(client, systemManifests());
      trace.mark('system objects created');
    }
    this.log(`started in ${(performance.now() - t0).toFixed(0)} ms`);
  }

  /** Start-up tracing only: each pod's way to Ready as the daemon's watch sees it. */
  private tracePods(trace: StartupTrace): void {
    const seen = new Map<string, string>();
    const note = (p: Pod) => {
      const ready = p.status?.conditions?.find((c) => c.type === 'Ready')?.status === 'True';
      const step = ready ? 'Ready' : p.status?.phase === 'Running' ? 'Running' : p.status?.podIP ? 'has IP' : p.spec.nodeName ? `bound to ${p.spec.nodeName}` : 'created';
      const key = `${p.metadata.namespace}/${p.metadata.name}`;
      if (seen.get(key) === step) return;
      seen.set(key, step);
      trace.mark(`pod ${key} ${step}`);
    };
    this.informers!.informer<Pod>('pods').addHandlers({ add: note, update: (_o, p) => note(p) });
    const nodes = this.informers!.informer<Node>('nodes');
    nodes.addHandlers({ update: (o, n) => { if (isNodeReady(n) && !isNodeReady(o)) trace.mark(`node ${n.metadata.name} Ready`); } });
  }

  private startControllers(client: Client, rootCA: Promise<string>): void {
    const informers = new InformerFactory(client);
    this.informers = informers;
    // Events wait for a moment when the store takes no other write (src/controllers/events.ts);
    // the recorders' own Event writes do not count, or each would wait out the others' drains
    const store = this.api!.store;
    let eventWrites = 0;
    this.stoppers.push(store.watch('events', undefined, () => { eventWrites++; }, { uncommitted: true }));
    const recorderOptions = { activity: () => store.latestRv - eventWrites };
    // each controller's events under its upstream component name, as `describe` shows them on a real cluster
    const recorders: ApiEventRecorder[] = [];
    const recorder = (component: string) => { const r = new ApiEventRecorder(client, component, recorderOptions); recorders.push(r); return r; };
    const schedulerEvents = recorder('default-scheduler');
    const lbEvents = this.options.addons ? recorder('service-lb-controller') : undefined;
    // a claim's resize is told by upstream's two sources: the expand controller and the CSI resizer
    const resizeEvents = { expander: recorder('volume_expand'), resizer: recorder(`external-resizer ${CLAIM_DIRECTORY_PROVISIONER}`) };
    const replicaSets = new ReplicaSetController(informers, client, recorder('replicaset-controller'));
    const statefulSets = new StatefulSetController(informers, client, recorder('statefulset-controller'));
    const jobs = new JobController(informers, client, recorder('job-controller'));
    const daemonSets = new DaemonSetController(informers, client, recorder('daemonset-controller'));
    // pods refused for a missing ServiceAccount are tried again the moment it is made
    wakeWorkloadsOnServiceAccount(informers, [
      { plural: 'replicasets', enqueue: (key) => replicaSets.enqueue(key) },
      { plural: 'statefulsets', enqueue: (key) => statefulSets.enqueue(key) },
      { plural: 'jobs', enqueue: (key) => jobs.enqueue(key) },
      { plural: 'daemonsets', enqueue: (key) => daemonSets.enqueue(key) },
    ]);
    const controllers = [
      new DeploymentController(informers, client, recorder('deployment-controller')),
      replicaSets,
      statefulSets,
      daemonSets,
      jobs,
      new CronJobController(informers, client, recorder('cronjob-controller')),
      new TTLAfterFinishedController(informers, client),
      // upstream's disruption controller records its Events as "controllermanager"
      new DisruptionController(informers, client, recorder('controllermanager')),
      new HorizontalPodAutoscalerController(informers, client, recorder('horizontal-pod-autoscaler')),
      new EndpointSliceController(informers, client),
      new EndpointsController(informers, client),
      new EndpointSliceMirroringController(informers, client),
      new Scheduler(informers, client, schedulerEvents),
      new NodeIpamController(informers, client, recorder('cidrAllocator')),
      new NamespaceController(informers, client),
      new PersistentVolumeController(informers, client, recorder('persistentvolume-controller'), this.paths.claims, resizeEvents),
      new GarbageCollector(informers, client),
      new RootCACertPublisher(informers, client, rootCA),
      new ServiceAccountsController(informers, client),
      ...(lbEvents ? [new ServiceLoadBalancerController(informers, client, lbEvents)] : []),
    ];
    const lifecycle = new NodeLifecycleController(informers, client, recorder('node-controller'));
    const podGc = new PodGarbageCollector(informers, client);
    informers.start();
    void informers.waitForSync().then(() => {
      for (const c of controllers) c.run();
      lifecycle.run();
      podGc.run();
    });
    this.stoppers.push(async () => {
      for (const c of controllers) c.stop();
      lifecycle.stop(); podGc.stop(); informers.stop();
      await Promise.all(recorders.map((r) => r.close()));
    });
  }

  /** What a kubelet does at registration: the Node object, addresses and labels. */
  private async registerNode(client: Client, name: string): Promise<void> {
    const index = nodeIndex(name)!;
    const node: Node = {
      apiVersion: 'v1', kind: 'Node',
      metadata: { name, labels: { 'kubernetes.io/hostname': name, 'kubernetes.io/os': 'linux', 'kubernetes.io/arch': process.arch === 'x64' ? 'amd64' : process.arch } },
      spec: {},
      status: {
        addresses: [{ type: 'InternalIP', address: nodeIP(index) }, { type: 'Hostname', address: name }],
        conditions: [{ type: 'Ready', status: 'Unknown', reason: 'NodeStatusNeverUpdated', message: 'Kubelet never posted node status.', lastHeartbeatTime: nowRFC3339(), lastTransitionTime: nowRFC3339() }],
      },
    };
    try {
      const created = await client.create(node);
      await client.update<Node>({ ...created, status: node.status! }, { subresource: 'status' });
    } catch (err) {
      if (!isApiError(err, 'AlreadyExists')) throw err;
    }
  }

  /** Created once; afterwards they are the user's to scale or edit. Independent of each other, so all at once. */
  private async createOnce(client: Client, objects: KubeObject[]): Promise<void> {
    await Promise.all(objects.map(async (obj) => {
      const plural = resourceForKind(obj.apiVersion, obj.kind)!.plural;
      // Look first: a kube-dns that exists would fail on its clusterIP before its name.
      try { await client.get(plural, obj.metadata.namespace, obj.metadata.name!); return; } catch (err) { if (!isApiError(err, 'NotFound')) throw err; }
      try { await client.create(obj); } catch (err) { if (!isApiError(err, 'AlreadyExists')) throw err; }
    }));
  }

  /**
   * Host-gw routes follow the Node objects; syncs are serialized. Not while a
   * node still waits for its podCIDR (the allocator hands them all out within
   * milliseconds of the nodes' registration): a sync then would delete the
   * routes the network was built with (newClusterNodes) only to put them
   * back a moment later. A podCIDR never changes once set. Only for a few
   * seconds after registration: a node whose podCIDR cannot be allocated
   * (CIDRNotAvailable) must not stop every later sync, deletes included;
   * such a node is then simply nobody's route destination.
   */
  private scheduleRouteSync(nodes: Node[]): void {
    if (!nodes.every((n) => n.spec?.podCIDR) && Date.now() < this.podCIDRWaitUntil) return;
    const routeNodes = nodes.map((n) => ({
      name: n.metadata.name!,
      ip: n.status?.addresses?.find((a) => a.type === 'InternalIP')?.address ?? nodeIP(nodeIndex(n.metadata.name!)!),
      ...(n.spec?.podCIDR ? { podCIDR: n.spec.podCIDR } : {}),
    }));
    this.routeSync = this.routeSync
      .then(() => syncPodRoutes(this.options.cluster, routeNodes, defaultRunner, this.podRoutes))
      .catch((e) => process.stderr.write(`[daemon] ${(e as Error).message}\n`));
  }

  async stop(): Promise<void> {
    for (const s of this.stoppers.reverse()) await s();
    await this.api?.stop();
    // only our own: a pid file is never another daemon's to remove
    try { if (Number(readFileSync(this.paths.daemonPid, 'utf8')) === process.pid) rmSync(this.paths.daemonPid, { force: true }); } catch { /* none */ }
  }
}
