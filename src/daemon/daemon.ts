// The per-cluster daemon: the API server, the controllers, the sealed network
// and one node agent per node. Restartable: everything it builds is derived
// from the store, so a daemon started after a crash finds its cluster again.

import { mkdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import type { Node } from '../api/types.js';
import { nowRFC3339 } from '../api/pod-helpers.js';
import { resourceForKind } from '../api/resources.js';
import { ApiServer } from '../apiserver/server.js';
import type { Client } from '../client/client.js';
import { clusterPaths, type ClusterPaths } from '../config.js';
import { ApiEventRecorder } from '../controllers/events.js';
import { DeploymentController } from '../controllers/deployment.js';
import { EndpointSliceController } from '../controllers/endpointslice.js';
import { GarbageCollector, NamespaceController } from '../controllers/garbage-collector.js';
import { InformerFactory } from '../controllers/informer-factory.js';
import { NodeIpamController } from '../controllers/node-ipam.js';
import { NodeLifecycleController } from '../controllers/node-lifecycle.js';
import { isNodeReady, Scheduler } from '../controllers/scheduler.js';
import { StatefulSetController } from '../controllers/statefulset.js';
import { isApiError } from '../errors.js';
import { defaultRunner } from '../net/runner.js';
import { applyTopology, nodeIndex, nodeIP, planTopology, syncPodRoutes } from '../topology/index.js';
import { ServiceLoadBalancerController } from '../cloud/service-lb-controller.js';
import { agentArgv, lbAgentArgv, Supervisor } from './agent-supervisor.js';
import { startOutsideWorld } from './outside-world.js';
import { systemManifests } from './system-manifests.js';

export interface DaemonOptions {
  cluster: string;
  nodes: number;
  /** cluster DNS, ingress controller, load balancer and external DNS */
  addons: boolean;
}

const ADDONS_WAIT_FOR_NODES_MS = 10_000;
const debug = process.env.PODNET_DEBUG?.split(',').some((c) => c === 'daemon' || c === '*');

export function nodeNames(count: number): string[] {
  return Array.from({ length: count }, (_, i) => `node-${i + 1}`);
}

export class Daemon {
  readonly paths: ClusterPaths;
  private api: ApiServer | undefined;
  private informers: InformerFactory | undefined;
  private readonly stoppers: (() => void | Promise<void>)[] = [];
  private routeSync: Promise<unknown> = Promise.resolve();

  constructor(private readonly options: DaemonOptions) {
    this.paths = clusterPaths(options.cluster);
  }

  private log(msg: string): void { if (debug) process.stderr.write(`[daemon] ${msg}\n`); }

  async start(): Promise<void> {
    const t0 = performance.now();
    for (const dir of [this.paths.dir, this.paths.pods, this.paths.ipam, this.paths.cniConf, this.paths.procs]) mkdirSync(dir, { recursive: true });
    // Written whole and renamed: `podnet up` polls this file while we start.
    writeFileSync(`${this.paths.daemonPid}.tmp`, String(process.pid));
    renameSync(`${this.paths.daemonPid}.tmp`, this.paths.daemonPid);

    this.api = new ApiServer({ databasePath: this.paths.database, socketPath: this.paths.socket });
    await this.api.start();
    const client = this.api.localClient();
    this.log(`api server up in ${(performance.now() - t0).toFixed(0)} ms`);

    // A restarted daemon keeps the nodes it had; a new cluster gets --nodes of them.
    const existing = (await client.list<Node>('nodes')).items.map((n) => n.metadata.name!);
    const names = existing.length > 0 ? existing : nodeNames(this.options.nodes);
    const topology = applyTopology(planTopology({ cluster: this.options.cluster, nodes: names.map((name) => ({ name })) }), defaultRunner);

    this.startControllers(client);
    await this.informers!.waitForSync();
    await topology;
    this.log(`topology up in ${(performance.now() - t0).toFixed(0)} ms`);
    for (const name of names) await this.registerNode(client, name);

    const supervisor = new Supervisor(this.paths);
    this.stoppers.push(() => supervisor.stopAll());
    this.stoppers.push(await startOutsideWorld(this.options.cluster, this.paths, supervisor, this.informers!));
    if (this.options.addons) { const lb = lbAgentArgv(this.options.cluster); supervisor.ensure(lb.name, lb.netns, lb.argv); }
    const nodes = this.informers!.informer<Node>('nodes');
    const onNode = (n: Node) => {
      if (n.spec?.podCIDR) { const a = agentArgv(this.options.cluster, n.metadata.name!); supervisor.ensure(a.name, a.netns, a.argv); }
      this.scheduleRouteSync(nodes.list());
    };
    // Heartbeats update Nodes every 2 s; routes change only with podCIDRs and addresses.
    const routing = (n: Node) => JSON.stringify([n.spec?.podCIDR, n.status?.addresses]);
    nodes.addHandlers({ add: onNode, update: (o, n) => { if (routing(o) !== routing(n)) onNode(n); }, delete: () => this.scheduleRouteSync(nodes.list()) });
    for (const n of nodes.list()) onNode(n);
    if (this.options.addons) {
      // Wait for every node so the scheduler spreads the system pods.
      const deadline = Date.now() + ADDONS_WAIT_FOR_NODES_MS;
      while (Date.now() < deadline && !nodes.list().every((n) => isNodeReady(n))) await new Promise((r) => setTimeout(r, 20));
      await this.createSystemObjects(client);
    }
    this.log(`started in ${(performance.now() - t0).toFixed(0)} ms`);
  }

  private startControllers(client: Client): void {
    const informers = new InformerFactory(client);
    this.informers = informers;
    const events = new ApiEventRecorder(client, 'podnet-controller-manager');
    const schedulerEvents = new ApiEventRecorder(client, 'default-scheduler');
    const controllers = [
      new DeploymentController(informers, client, events),
      new StatefulSetController(informers, client, events),
      new EndpointSliceController(informers, client),
      new Scheduler(informers, client, schedulerEvents),
      new NodeIpamController(informers, client, events),
      new NamespaceController(informers, client),
      ...(this.options.addons ? [new ServiceLoadBalancerController(informers, client, new ApiEventRecorder(client, 'service-lb-controller'))] : []),
    ];
    const gc = new GarbageCollector(informers, client);
    const lifecycle = new NodeLifecycleController(informers, client, events);
    informers.start();
    void informers.waitForSync().then(() => {
      for (const c of controllers) c.run();
      gc.run();
      lifecycle.run();
    });
    this.stoppers.push(() => { for (const c of controllers) c.stop(); gc.stop(); lifecycle.stop(); informers.stop(); });
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

  /** Created once; afterwards they are the user's to scale or edit. */
  private async createSystemObjects(client: Client): Promise<void> {
    for (const obj of systemManifests()) {
      const plural = resourceForKind(obj.apiVersion, obj.kind)!.plural;
      // Look first: a kube-dns that exists would fail on its clusterIP before its name.
      try { await client.get(plural, obj.metadata.namespace, obj.metadata.name!); continue; } catch (err) { if (!isApiError(err, 'NotFound')) throw err; }
      try { await client.create(obj); } catch (err) { if (!isApiError(err, 'AlreadyExists')) throw err; }
    }
  }

  /** Host-gw routes follow the Node objects; syncs are serialized and coalesced. */
  private scheduleRouteSync(nodes: Node[]): void {
    const routeNodes = nodes.map((n) => ({
      name: n.metadata.name!,
      ip: n.status?.addresses?.find((a) => a.type === 'InternalIP')?.address ?? nodeIP(nodeIndex(n.metadata.name!)!),
      ...(n.spec?.podCIDR ? { podCIDR: n.spec.podCIDR } : {}),
    }));
    this.routeSync = this.routeSync
      .then(() => syncPodRoutes(this.options.cluster, routeNodes, defaultRunner))
      .catch((e) => process.stderr.write(`[daemon] ${(e as Error).message}\n`));
  }

  async stop(): Promise<void> {
    for (const s of this.stoppers.reverse()) await s();
    await this.api?.stop();
    rmSync(this.paths.daemonPid, { force: true });
  }
}
