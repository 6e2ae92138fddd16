// One pod on this node, from sandbox to deletion: creates the network
// namespace through CNI, starts and restarts the containers, runs the probes,
// reports status, and on deletion stops everything gracefully and frees the
// IP. Everything it must find again after an agent crash is in state.json:
// the netns name is written before the pause creates the namespace, and
// whatever lives inside it (pause, containers, the IP CNI handed out) can be
// found from that name alone; the sandbox's pid and IP are written with the
// first container's pid, and every container's pid the moment it is spawned.
// A pid is kept with its process's start time (ProcessRef, net/process.ts):
// a pid whose process is gone may name another pod's process by the time it
// is read again, and is then neither joined nor signalled.

import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, existsSync, mkdirSync, openSync, readFileSync, readlinkSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { ConfigMap, Container, ContainerState, LifecycleHandler, Pod, PodStatus, Secret, Service } from '../api/types.js';
import { stableJson } from '../api/stable-json.js';
import { isTerminal, nowRFC3339 } from '../api/pod-helpers.js';
import type { Client } from '../client/client.js';
import { CLUSTER_DOMAIN, holdFifoPath, KUBE_DNS_SERVICE_IP, netnsNames } from '../config.js';
import type { EventRecorder } from '../controllers/events.js';
import { isApiError } from '../errors.js';
import type { Runner } from '../net/runner.js';
import { containerEnv, containerResourceValue, expandCommandAndArgs, hostsFile, nodeHostsFile, podDns, renderResolvConf, resolveCommand } from './container-spec.js';
import { type ClaimSources, FailedMount, podReferences, PodVolumes, referencedConfig } from './pod-volumes.js';
import type { VolumeSources } from './volume-files.js';
import { podFiles, type PodFiles } from './pod-files.js';
import { computePodStatus, KUBELET_CONDITIONS, podPhase, type ContainerFacts } from './pod-status.js';
import { isSidecar, nextInitStep } from './init-containers.js';
import { ProbeState, runProbe, type ProbeTarget } from './probes.js';
import { runLifecycleHook, type HookContext } from './lifecycle-hooks.js';
import { cniAdd, cniDel, deleteNetns, ensureHoldFifo, inPodMountNamespace, joinPodArgv, launchPause, rebindArgv, sameFile, type PauseMount, type PodRoot } from './sandbox.js';
import { asIdentity, containerIdentity, nonRootViolation, readPodUsers, unenforcedSecurityFields, type ProcessIdentity } from './security-context.js';
import { processRunning, processStartTicks, recordedRef, signalProcess, signalProcessGroup, type ProcessRef } from '../net/process.js';
import { freshPodRoot } from './pod-root.js';
import { writeFileAtomic } from '../atomic-file.js';
import type { Semaphore } from './semaphore.js';

/** podnet restarts crashed containers after 1 s, doubling to 60 s (the kubelet: 10 s to 300 s), so CrashLoopBackOff is visible in seconds. */
export const BACKOFF_INITIAL_MS = 1_000;
export const BACKOFF_MAX_MS = 60_000;
/** a container that ran this long without crashing starts its back-off over */
const BACKOFF_RESET_MS = 60_000;
const ADOPTED_POLL_MS = 500;
const SANDBOX_RETRY_MS = 2_000;
/** the FIFO pause processes wait on (sandbox.ts), in the cluster's state directory next to pods/ (never inside it: every entry there is a pod) */
/** readiness re-probe interval before a container's first success */
const STARTING_PROBE_MS = 100;
/** how the kubelet names each kind of probe in its events */
const PROBE_KIND = { readiness: 'Readiness', liveness: 'Liveness', startup: 'Startup' } as const;

export interface AgentContext {
  cluster: string;
  nodeName: string;
  nodeIP: string;
  podsDir: string;
  runner: Runner;
  client: Client;
  events: EventRecorder;
  cniConfig(): Record<string, unknown> | undefined;
  cniPath: string[];
  services(): Service[];
  /** the ConfigMaps and Secrets the agent watches, and the node's allocatable: what env and volumes read */
  config: ConfigSources;
  nodeResolvConf: string;
  /** bounds how many sandboxes the node builds at once (CNI and pause are processes on 2 cores) */
  sandboxSlots: Semaphore;
  /**
   * With it, every pod gets a root filesystem of its own (pod-root.ts), with
   * these of the machine's paths bound in; without, pods use the machine's.
   */
  podRoot?: { binds(): readonly string[]; hidden: readonly string[]; readOnlyBinds: readonly string[] };
  /** resolves once the node's NetworkPolicy rules cover a new sandbox's address (netpol-loop.ts podStarting) */
  podNetworkReady?: (pod: Pod, ip: string) => Promise<void>;
  /** handed to containers as PODNET_API_SOCKET: podnet's in-cluster config, as KUBERNETES_SERVICE_HOST is upstream's */
  apiSocket: string;
  /** a pod's sandbox could not be torn down; its state.json was kept for a retry (Kubelet.housekeep) */
  teardownFailed?: () => void;
}

export interface ConfigSources extends ClaimSources {
  configMap(namespace: string, name: string): ConfigMap | undefined;
  secret(namespace: string, name: string): Secret | undefined;
  /** the Node's status.allocatable: the limits of a container that sets none */
  nodeAllocatable: Record<string, string>;
}

/** how soon a container that waits for a ConfigMap or Secret is tried again without an event about it */
const CONFIG_RETRY_MS = 10_000;

export interface PersistedState {
  uid: string;
  namespace: string;
  name: string;
  node: string;
  netns?: string;
  containerId: string;
  podIP?: string;
  sandboxPid?: number;
  /**
   * the pause's start time (ProcessRef): without it (state of a build
   * before it, whose pause loadState could not verify) the pid is never
   * joined or signalled, and the sandbox is made again
   */
  sandboxStartTicks?: number;
  hostNetwork: boolean;
  startTime: string;
  containers: Record<string, SavedContainer>;
  /**
   * The init containers, and the exit code of each that terminated for good
   * (0: completed, never run again; else failed under restartPolicy Never),
   * so a restarted agent resumes initialization where it stopped.
   */
  initContainers?: Record<string, SavedContainer & { exitCode?: number }>;
  /** the pod ended (Succeeded or Failed) and its sandbox was torn down: an agent started again runs nothing of it */
  terminal?: boolean;
}

interface SavedContainer {
  pid?: number;
  /** the process's start time (ProcessRef); a pid without it is not adopted, nor signalled */
  startTicks?: number;
  restartCount: number;
  startedAt?: string;
  /** the instance before this one, as the runtime keeps it: `lastState`, and what `logs --previous` reads */
  lastTerminated?: ContainerState['terminated'];
  /** how this instance ended, once it has: a finished pod's status is rebuilt from it by an agent started again */
  terminated?: ContainerState['terminated'];
}

interface ContainerRuntime extends ContainerFacts {
  spec: Container;
  pid?: number;
  /** the start time of pid's process (ProcessRef) */
  startTicks?: number;
  child?: ChildProcess;
  poll?: NodeJS.Timeout;
  backoffMs: number;
  /** a failure since the last reset was restarted at once: the next ones wait backoffMs (the kubelet's doBackOff) */
  backoffArmed?: boolean;
  restartTimer?: NodeJS.Timeout;
  probeTimers: NodeJS.Timeout[];
  readiness?: ProbeState;
  /** the readiness probe has succeeded once since the container started */
  everReady?: boolean;
  liveness?: ProbeState;
  startup?: ProbeState;
  /** the stop in progress (preStop, SIGTERM, SIGKILL), which a second stop of the same instance waits for */
  killing?: Promise<void>;
  /** the instance that stop is for */
  killingPid?: number;
  /**
   * Its postStart hook runs: the container's process runs, but the kubelet
   * reports it ContainerCreating, probes nothing and starts no later
   * container until the hook has completed. Holds the instance's start time.
   */
  postStartingSince?: string;
  /** ends this instance's postStart hook when the instance ends (its processes would outlive it) */
  hookAbort?: AbortController;
  /** an init container: runs to completion before the regular containers start */
  init?: boolean;
  /** an init container with restartPolicy Always (KEP-753): started, not waited for, restarted whenever it exits */
  sidecar?: boolean;
  /** the user and groups its process runs as (securityContext), which its exec probes and hooks run as too; none: root, as the agent */
  identity?: ProcessIdentity;
}

export class PodWorker {
  pod: Pod;
  private readonly files: PodFiles;
  private state: PersistedState;
  private readonly containers = new Map<string, ContainerRuntime>();
  /** the init containers, in spec order */
  private readonly inits: ContainerRuntime[] = [];
  private sandboxReady = false;
  private sandboxWatch: NodeJS.Timeout | undefined;
  private sandboxError: string | undefined;
  private busy: Promise<void> = Promise.resolve();
  private statusTimer: NodeJS.Timeout | undefined;
  private retryTimer: NodeJS.Timeout | undefined;
  private terminating = false;
  private finished = false;
  /** Succeeded or Failed: nothing runs again, the sandbox is gone (finishTerminal) */
  private terminal = false;
  /** the IP a terminal pod had: its status keeps it after the sandbox gave it back, as the kubelet's does */
  private releasedPodIP: string | undefined;
  /** the pod's directory exists (persist makes it once) */
  private dirMade = false;
  /** the podIP the last state.json write carried */
  private persistedPodIP: string | undefined;
  /** the node's hold FIFO, once this worker has made sure it exists (pause processes and pause-image containers wait on it) */
  private holdFifo: string | undefined;
  private readonly volumes: PodVolumes;
  /** Warning events said once for this pod (volume and env warnings would repeat on every retry) */
  private readonly said = new Set<string>();
  /** ConfigMaps and Secrets read from the API for one ensureRunning (fetchUnseenConfig) */
  private readonly fetched = new Map<string, ConfigMap | Secret>();
  /** the labels and annotations the volumes were last refreshed for */
  private shownMetadata: string | undefined;
  /** the sandbox's last failure was a FailedMount (a ConfigMap or Secret event may be what it waits for) */
  private failedMount = false;
  /** when the sandbox was last tried: events do not retry it faster than every SANDBOX_RETRY_MS / 2 */
  private sandboxTriedAt = 0;

  constructor(private readonly ctx: AgentContext, pod: Pod, adopted?: PersistedState) {
    this.pod = pod;
    this.files = podFiles(ctx.podsDir, pod.metadata.uid!);
    this.volumes = new PodVolumes({ podVolumes: path.join(this.files.dir, 'volumes'), claims: ctx.config });
    this.state = adopted ?? {
      uid: pod.metadata.uid!, namespace: pod.metadata.namespace!, name: pod.metadata.name!, node: ctx.nodeName,
      containerId: pod.metadata.uid!.replace(/-/g, ''), hostNetwork: !!pod.spec.hostNetwork, startTime: nowRFC3339(), containers: {},
    };
    this.persistedPodIP = this.state.podIP;
    const initializing = (pod.spec.initContainers ?? []).length > 0;
    for (const c of pod.spec.containers) {
      const saved = this.state.containers[c.name];
      // a finished pod's containers ended as they were recorded: its status (Succeeded or Failed) is written again from them,
      // should the agent have stopped before the API had it (nothing of such a pod runs again)
      const ended = this.state.terminal ? saved?.terminated : undefined;
      this.containers.set(c.name, {
        spec: c, name: c.name, image: c.image ?? '', ready: false, started: false, restartCount: saved?.restartCount ?? 0,
        state: ended ? { terminated: ended } : { waiting: { reason: initializing ? 'PodInitializing' : 'ContainerCreating' } }, lastState: lastStateOf(saved), backoffMs: BACKOFF_INITIAL_MS, probeTimers: [],
      });
    }
    // A pod an agent from before init containers started: its regular
    // containers run, and that agent never ran the init containers. Running
    // them now would run them beside the main ones: take them as done.
    const startedByOlderAgent = this.state.initContainers === undefined
      && Object.values(this.state.containers).some((saved) => saved.pid !== undefined || saved.startedAt !== undefined);
    for (const c of pod.spec.initContainers ?? []) {
      const saved = this.state.initContainers?.[c.name];
      const exitCode = saved?.exitCode ?? (startedByOlderAgent ? 0 : undefined);
      this.inits.push({
        spec: c, name: c.name, image: c.image ?? '', ready: false, started: false, restartCount: saved?.restartCount ?? 0,
        state: exitCode === undefined ? { waiting: { reason: 'PodInitializing' } } : { terminated: { exitCode, reason: exitCode === 0 ? 'Completed' : 'Error' } },
        lastState: lastStateOf(saved), backoffMs: BACKOFF_INITIAL_MS, probeTimers: [], init: true, sidecar: isSidecar(c),
      });
    }
  }

  /** init containers first, then the regular ones */
  private allContainers(): ContainerRuntime[] {
    return [...this.inits, ...this.containers.values()];
  }

  /** Serializes work on this pod: the informer may deliver updates faster than we act. */
  private enqueue(work: () => Promise<void>): Promise<void> {
    this.busy = this.busy.then(work).catch((err) => {
      process.stderr.write(`[agent ${this.ctx.nodeName}] pod ${this.state.namespace}/${this.state.name}: ${(err as Error).message}\n`);
    });
    return this.busy;
  }

  update(pod: Pod): Promise<void> {
    this.pod = pod;
    if (pod.metadata.deletionTimestamp) return this.enqueue(() => this.terminate(pod.metadata.deletionGracePeriodSeconds ?? pod.spec.terminationGracePeriodSeconds ?? 30, true));
    return this.enqueue(async () => {
      await this.ensureRunning();
      // a downward API file shows labels and annotations; the pod's own status writes change neither
      const shown = JSON.stringify([pod.metadata.labels, pod.metadata.annotations]);
      if (shown !== this.shownMetadata) { this.shownMetadata = shown; this.refreshVolumes(); }
    });
  }

  /**
   * A ConfigMap or Secret of the pod's namespace changed: if the pod reads
   * it, its projected volumes are rewritten, and a container or sandbox
   * that waited for it is tried now.
   */
  configChanged(kind: 'configMap' | 'secret', name: string): void {
    if (this.terminating || this.finished || this.terminal || !podReferences(this.pod, kind, name)) return;
    void this.enqueue(async () => {
      this.refreshVolumes();
      const waiting = this.allContainers().some((c) => c.state.waiting?.reason === 'CreateContainerConfigError');
      const mountMayWork = !this.sandboxReady && this.failedMount && Date.now() - this.sandboxTriedAt >= SANDBOX_RETRY_MS / 2;
      if (waiting || mountMayWork) await this.ensureRunning();
    });
  }

  private volumeSources(): VolumeSources {
    const config = this.ctx.config;
    return {
      configMap: (ns, name) => config.configMap(ns, name) ?? (ns === this.pod.metadata.namespace ? this.fetched.get(`configMap/${name}`) as ConfigMap | undefined : undefined),
      secret: (ns, name) => config.secret(ns, name) ?? (ns === this.pod.metadata.namespace ? this.fetched.get(`secret/${name}`) as Secret | undefined : undefined),
      resource: (containerName, ref) => containerResourceValue(this.pod, containerName, ref, config.nodeAllocatable),
    };
  }

  /** Once for this pod: a warning that every retry would repeat. */
  private warnOnce(reason: string, message: string): void {
    if (this.said.has(`${reason}\0${message}`)) return;
    this.said.add(`${reason}\0${message}`);
    this.ctx.events.warning(this.pod, reason, message);
  }

  /** Rewrites what changed in the pod's projected volumes (only while its sandbox holds them). */
  private refreshVolumes(): void {
    if (!this.sandboxReady || this.terminating || this.finished) return;
    for (const message of this.volumes.refresh(this.pod, this.volumeSources())) this.warnOnce('FailedMount', message);
  }

  /** The pod is gone from the API (force-deleted): stop at once and clean up. */
  removed(): Promise<void> {
    return this.enqueue(() => this.terminate(0, false));
  }

  private persist(): void {
    if (!this.dirMade) { mkdirSync(this.files.dir, { recursive: true }); this.dirMade = true; }
    this.persistedPodIP = this.state.podIP;
    const saved = (c: ContainerRuntime): SavedContainer => ({
      ...(c.pid ? { pid: c.pid, ...(c.startTicks !== undefined ? { startTicks: c.startTicks } : {}) } : {}), restartCount: c.restartCount, ...(c.state.running?.startedAt ? { startedAt: c.state.running.startedAt } : {}),
      ...(c.lastState.terminated ? { lastTerminated: c.lastState.terminated } : {}),
      ...(c.state.terminated ? { terminated: c.state.terminated } : {}),
    });
    for (const [name, c] of this.containers) this.state.containers[name] = saved(c);
    if (this.inits.length > 0) {
      this.state.initContainers = {};
      for (const c of this.inits) {
        const exitCode = c.state.terminated?.exitCode;
        this.state.initContainers[c.name] = { ...saved(c), ...(exitCode !== undefined && !c.sidecar ? { exitCode } : {}) };
      }
    }
    writeFileAtomic(this.files.state, JSON.stringify(this.state));
  }

  private async ensureRunning(): Promise<void> {
    if (this.terminating || this.finished || this.terminal) return;
    await this.fetchUnseenConfig();
    try { await this.makeRunning(); } finally { this.fetched.clear(); }
  }

  /**
   * The ConfigMaps and Secrets the pod reads that the agent's watch has not
   * brought yet, read once from the API for this attempt: a Secret applied
   * in the same file as the pod is created first, but its watch event may
   * come after the pod's, and the kubelet's manager would wait for it
   * rather than report it missing.
   */
  private async fetchUnseenConfig(): Promise<void> {
    // nothing to start: nothing reads them now (a running pod's volumes follow the watch)
    if (this.sandboxReady && this.allContainers().every((c) => c.pid !== undefined || c.state.terminated)) return;
    const ns = this.pod.metadata.namespace!;
    for (const { kind, name } of referencedConfig(this.pod)) {
      if ((kind === 'configMap' ? this.ctx.config.configMap(ns, name) : this.ctx.config.secret(ns, name)) !== undefined) continue;
      try {
        this.fetched.set(`${kind}/${name}`, await this.ctx.client.get<ConfigMap | Secret>(kind === 'configMap' ? 'configmaps' : 'secrets', ns, name));
      } catch { /* not there (or the API is away): missing, as the cache says */ }
    }
  }

  private async makeRunning(): Promise<void> {
    if (!this.sandboxReady) {
      this.sandboxTriedAt = Date.now();
      try {
        await this.ctx.sandboxSlots.run(() => this.ensureSandbox());
        this.sandboxError = undefined;
        this.failedMount = false;
      } catch (err) {
        this.sandboxError = (err as Error).message;
        this.failedMount = err instanceof FailedMount;
        // a volume that cannot be set up is the kubelet's FailedMount, before any sandbox exists
        if (err instanceof FailedMount) this.ctx.events.warning(this.pod, 'FailedMount', this.sandboxError);
        else this.ctx.events.warning(this.pod, 'FailedCreatePodSandBox', `Failed to create pod sandbox: ${this.sandboxError}`);
        for (const c of this.containers.values()) c.state = { waiting: { reason: 'ContainerCreating', message: this.sandboxError } };
        this.scheduleStatus();
        clearTimeout(this.retryTimer);
        this.retryTimer = setTimeout(() => { void this.enqueue(() => this.ensureRunning()); }, SANDBOX_RETRY_MS);
        return;
      }
    }
    // what of the pod's securityContext podnet does not apply, said once
    const unenforced = unenforcedSecurityFields(this.pod);
    if (unenforced.length > 0) this.warnOnce('UnsupportedSecurityContext', `podnet does not enforce these securityContext settings, which the pod's containers run without: ${unenforced.join(', ')}`);
    // One init container at a time, in order; the regular ones once all completed.
    let step = nextInitStep(this.pod.spec, this.inits);
    // a sidecar counts as done once started: go on to the next one at once
    while (step.kind === 'run') {
      const c = this.inits[step.index]!;
      if (!c.pid && !c.restartTimer) await this.startContainer(c);
      if (!c.sidecar || !c.pid || c.postStartingSince) break;
      step = nextInitStep(this.pod.spec, this.inits);
    }
    // sidecars passed already but not running (dead when the agent came back) start again
    const passed = step.kind === 'run' ? step.index : step.kind === 'done' ? this.inits.length : 0;
    if (step.kind === 'failed' || (step.kind === 'done' && this.regularContainersDone())) this.stopSidecars();
    else for (const c of this.inits.slice(0, passed)) if (c.sidecar && !c.pid && !c.restartTimer) await this.startContainer(c);
    if (step.kind === 'done') {
      for (const c of this.containers.values()) {
        if (!c.pid && !c.restartTimer && !c.state.terminated) await this.startContainer(c);
        // the kubelet starts the next container only once this one's postStart hook has completed
        if (c.postStartingSince) break;
      }
    }
    // startContainer persisted each pid it spawned (with the sandbox); a pod
    // whose containers could not start still records its sandbox now.
    if (this.state.podIP !== this.persistedPodIP) this.persist();
    this.scheduleStatus();
  }

  private async ensureSandbox(): Promise<void> {
    const pod = this.pod;
    mkdirSync(this.files.dir, { recursive: true });
    if (pod.spec.hostNetwork) return this.ensureHostNetworkSandbox();
    if (this.sandboxRunning() && this.state.podIP) { this.sandboxReady = true; this.watchSandbox(); return; }
    // A half-made sandbox (agent killed mid-way) is removed and made again.
    if (this.state.netns) await this.teardownSandbox();
    const root = this.freshRoot();
    const mounts = this.prepareVolumes(root); // a volume that cannot be set up fails here, before the pause is started
    const netns = netnsNames.pod(this.ctx.cluster, pod.metadata.uid!);
    this.state.netns = netns;
    this.persist();
    const config = this.ctx.cniConfig();
    if (!config) throw new Error(`node ${this.ctx.nodeName} has no podCIDR yet`);
    // Plain writes, not temp + rename: nothing reads these files before the
    // pause below exists, and a sandbox cut short is made again from scratch.
    this.writeResolvConf();
    writeFileSync(this.files.hostname, `${pod.spec.hostname ?? pod.metadata.name}\n`);
    // The hosts file needs the pod IP, which CNI hands out only after the
    // pause has made the namespace: the pause binds this (still empty) file,
    // and the content is written into the same inode below.
    const hostsPath = `${this.files.dir}/hosts`;
    writeFileSync(hostsPath, '');
    // The pause creates the network namespace itself (one exec instead of
    // `ip netns add` + nsenter). An agent killed from here until the state
    // below is persisted finds only the netns recorded: teardownSandbox kills
    // every process inside it (the pause, containers) and CNI DEL frees the IP.
    await this.ensurePauseHoldFifo();
    const pause = launchPause({
      netns, createNetns: true, hostname: pod.spec.hostname ?? pod.metadata.name!, resolvConf: this.files.resolvConf, hostsFile: hostsPath,
      mounts, mountTable: this.files.mountTable, ...(this.holdFifo ? { holdFifo: this.holdFifo } : {}), ...(root ? { root } : {}),
    });
    // CNI ADD needs only the network namespace, so it runs while the pause
    // still sets the hostname and mounts (the hosts file is filled in below,
    // after both). Both are waited for before either failure is reported: a
    // retry's teardown must not race an ADD still in flight.
    await pause.netns.catch(() => pause.ready); // a pause that failed first: its reason, from ready
    const [started, added] = await Promise.allSettled([pause.ready, cniAdd(this.sandboxSpec(config))]);
    if (started.status === 'rejected') throw started.reason;
    if (added.status === 'rejected') throw added.reason;
    const pid = started.value;
    const result = added.value;
    this.recordSandbox(pid, pause.startTicks);
    const podIP = result.ips?.[0]?.address.split('/')[0];
    if (!podIP) throw new Error('the CNI plugin returned no IP address');
    // In place, not by rename: the pause's bind mount holds this inode. No
    // container runs yet, so nobody reads it half written.
    writeFileSync(hostsPath, hostsFile(pod, podIP, CLUSTER_DOMAIN));
    this.state.podIP = podIP;
    // the node's NetworkPolicy rules cover the address before any container runs
    await this.ctx.podNetworkReady?.(pod, podIP);
    writeFileSync(this.files.sandboxPid, String(pid));
    // state.json follows with the first container's pid (startContainer)
    this.sandboxReady = true;
    this.watchSandbox();
  }

  /**
   * A hostNetwork pod shares the node's network namespace, and still gets a
   * pause of its own holding a UTS namespace (the node's name: the pod shares
   * the node's hostname, as on a kind node) and a mount namespace: a
   * resolv.conf by its dnsPolicy (the cluster DNS only with
   * ClusterFirstWithHostNet; else the node's resolver, the external DNS),
   * the node's hosts file with the pod's hostAliases, and its emptyDirs. The
   * machine's own /etc never reaches it. state.netns stays unset: the node's
   * namespace is never the pod's to tear down, only the pause and the pod's
   * processes are (teardownSandbox).
   */
  private async ensureHostNetworkSandbox(): Promise<void> {
    const pod = this.pod;
    if (this.sandboxRunning()) {
      this.state.podIP = this.ctx.nodeIP;
      this.sandboxReady = true;
      this.watchSandbox();
      return;
    }
    // a pause that died leaves its containers in namespaces no exec can join: they go, and start again in the new one
    await this.teardownSandbox();
    const root = this.freshRoot();
    const mounts = this.prepareVolumes(root);
    this.writeResolvConf();
    writeFileSync(this.files.hostname, `${this.ctx.nodeName}\n`);
    const hostsPath = `${this.files.dir}/hosts`;
    writeFileSync(hostsPath, nodeHostsFile(this.ctx.nodeName, this.ctx.nodeIP, pod.spec.hostAliases));
    await this.ensurePauseHoldFifo();
    const pause = launchPause({
      netns: netnsNames.node(this.ctx.cluster, this.ctx.nodeName), createNetns: false, hostname: this.ctx.nodeName,
      resolvConf: this.files.resolvConf, hostsFile: hostsPath,
      mounts, mountTable: this.files.mountTable, ...(this.holdFifo ? { holdFifo: this.holdFifo } : {}), ...(root ? { root } : {}),
    });
    const pid = await pause.ready;
    this.recordSandbox(pid, pause.startTicks);
    this.state.podIP = this.ctx.nodeIP;
    writeFileSync(this.files.sandboxPid, String(pid));
    this.persist();
    this.sandboxReady = true;
    this.watchSandbox();
  }

  /** The resolv.conf the pod's dnsPolicy asks for (the kubelet's GetPodDNS), for the pause to bind. */
  private writeResolvConf(): void {
    const dns = podDns(this.pod, KUBE_DNS_SERVICE_IP, CLUSTER_DOMAIN, this.ctx.nodeResolvConf);
    for (const w of dns.warnings) this.ctx.events.warning(this.pod, 'DNSConfigForming', w);
    writeFileSync(this.files.resolvConf, renderResolvConf(dns));
  }

  /** The node's hold FIFO, which pauses wait on instead of exec'ing sleep (sandbox.ts ensureHoldFifo). */
  private async ensurePauseHoldFifo(): Promise<void> {
    const holdFifo = holdFifoPath(path.dirname(this.ctx.podsDir));
    if (await ensureHoldFifo(this.ctx.runner, holdFifo)) this.holdFifo = holdFifo;
  }

  /** The new pause, as the pod's sandbox from now on. */
  private recordSandbox(pid: number, startTicks: number | undefined): void {
    this.state.sandboxPid = pid;
    if (startTicks !== undefined) this.state.sandboxStartTicks = startTicks;
    else delete this.state.sandboxStartTicks;
  }

  /** the pause, as a ProcessRef; undefined when there is none, or it is a pid that was never verified */
  private sandboxRef(): ProcessRef | undefined {
    return recordedRef(this.state.sandboxPid, this.state.sandboxStartTicks);
  }

  /** whether the pause still runs (a pid of it now another process's is not it) */
  private sandboxRunning(): boolean {
    return processRunning(this.sandboxRef());
  }

  /**
   * Whether a process may join the pod now (nsenter -t: a container, an exec
   * probe or hook). The pause may have died since the watch last looked
   * (SANDBOX_WATCH_MS), and its pid gone to another pod's process, whose
   * namespaces nsenter would join.
   */
  private sandboxJoinable(): boolean {
    return this.legacyHostNetwork() || this.sandboxRunning();
  }

  /** a hostNetwork pod from an agent that gave those no pause, and whose podIP it recorded */
  private legacyHostNetwork(): boolean {
    return this.state.hostNetwork && !this.state.sandboxPid && !!this.state.podIP;
  }

  /**
   * The kubelet's PLEG notices a sandbox that died: containers joined to it
   * cannot restart into it, so it is made again and they start in the new one
   * (a Normal SandboxChanged event). One liveness check a second per pod.
   */
  private watchSandbox(): void {
    clearInterval(this.sandboxWatch);
    const sandbox = this.sandboxRef();
    if (!sandbox) return;
    this.sandboxWatch = setInterval(() => {
      if (processRunning(sandbox)) return;
      clearInterval(this.sandboxWatch);
      if (this.state.sandboxPid === sandbox.pid && this.state.sandboxStartTicks === sandbox.startTicks) this.sandboxLost();
    }, SANDBOX_WATCH_MS);
    this.sandboxWatch.unref();
  }

  /**
   * The pause is gone (its pid may already be another process's): the
   * sandbox is made again, and ensureSandbox's teardown kills every
   * container of the old one, to start in the new one, as the kubelet's
   * computePodActions does on a sandbox change.
   */
  private sandboxLost(): void {
    if (this.terminating || this.finished || !this.sandboxReady) return;
    this.sandboxReady = false;
    clearInterval(this.sandboxWatch);
    this.ctx.events.normal(this.pod, 'SandboxChanged', 'Pod sandbox changed, it will be killed and re-created.');
    void this.enqueue(() => this.ensureRunning());
  }

  /** The pod's root filesystem for a new sandbox, its writable layer empty (none when the agent gives pods the machine's root). */
  private freshRoot(): PodRoot | undefined {
    const podRoot = this.ctx.podRoot;
    return podRoot ? freshPodRoot(this.files.dir, podRoot.binds(), { hidden: podRoot.hidden, readOnlyBinds: podRoot.readOnlyBinds }) : undefined;
  }

  /** Every volume made (or a FailedMount thrown), and the binds the pause makes. */
  private prepareVolumes(root: PodRoot | undefined): PauseMount[] {
    const { mounts, warnings } = this.volumes.prepare(this.pod, this.volumeSources(), root);
    for (const [reason, message] of warnings) this.warnOnce(reason, message);
    return mounts;
  }

  private sandboxSpec(config: Record<string, unknown>) {
    return {
      cniPath: this.ctx.cniPath,
      netns: this.state.netns!, containerId: this.state.containerId, cniConfig: config,
      cniArgs: { K8S_POD_NAMESPACE: this.state.namespace, K8S_POD_NAME: this.state.name, K8S_POD_UID: this.state.uid, K8S_POD_INFRA_CONTAINER_ID: this.state.containerId },
    };
  }

  private async teardownSandbox(): Promise<void> {
    const sandbox = this.sandboxRef();
    if (sandbox) signalProcess(sandbox, 'SIGKILL');
    // A pod network namespace takes its processes with it (deleteNetns); a
    // hostNetwork pod's live in the node's, so its own are killed one by one.
    if (this.state.hostNetwork) for (const c of this.allContainers()) { const ref = containerRef(c); if (ref) signalProcessGroup(ref, 'SIGKILL'); }
    if (this.state.netns) {
      const config = this.ctx.cniConfig();
      if (config) await cniDel(this.sandboxSpec(config));
      await deleteNetns(this.ctx.runner, this.state.netns);
    }
    delete this.state.sandboxPid;
    delete this.state.sandboxStartTicks;
    delete this.state.podIP;
    rmSync(this.files.sandboxPid, { force: true });
  }

  /** Re-adopts a container whose process survived an agent restart. */
  adoptContainers(): void {
    for (const c of this.allContainers()) {
      const saved = c.init ? this.state.initContainers?.[c.name] : this.state.containers[c.name];
      const ref = containerRef(saved);
      if (ref && processRunning(ref)) {
        c.pid = ref.pid;
        c.startTicks = ref.startTicks;
        c.started = true;
        // what its exec probes and hooks run as (with its pause gone, none run)
        c.identity = this.sandboxJoinable() ? this.identityOf(c) : undefined;
        c.state = { running: { startedAt: saved?.startedAt ?? nowRFC3339() } };
        // The exit code of a process that is not our child is lost: an
        // adopted init container that ends is run again (upstream asks init
        // containers to be idempotent for such retries), never taken as
        // failed on a guess (under Never that would fail the pod for good).
        c.poll = setInterval(() => {
          if (processRunning(ref)) return;
          clearInterval(c.poll);
          if (c.init && !c.sidecar) this.runAgainUnknownExit(c);
          else this.onExit(c, 137, null);
        }, ADOPTED_POLL_MS);
        if (!c.init || c.sidecar) this.startProbes(c);
      }
    }
    this.sandboxReady = this.sandboxRunning() && !!this.state.podIP;
    // A hostNetwork pod an older agent started had no pause: it keeps
    // running without one (its containers in the machine's UTS and mount
    // namespaces, where verifyLegacyPids cannot tell them from another
    // process: those are not adopted, and start again); it gets a pause when
    // next made.
    if (this.legacyHostNetwork()) this.sandboxReady = true;
    else if (this.sandboxReady) this.watchSandbox();
  }

  private async startContainer(c: ContainerRuntime): Promise<void> {
    const resolved = resolveCommand(c.spec, process.execPath, this.holdFifo);
    if ('error' in resolved) {
      if (c.state.waiting?.reason !== resolved.error.reason) this.ctx.events.warning(this.pod, 'Failed', `Error: ${resolved.error.reason}: ${resolved.error.message}`);
      c.state = { waiting: { reason: resolved.error.reason, message: resolved.error.message } };
      return;
    }
    const facts = { podIP: this.state.podIP!, hostIP: this.ctx.nodeIP, nodeName: this.ctx.nodeName };
    const { configMap, secret } = this.volumeSources();
    const resolvedEnv = containerEnv(this.pod, c.spec, facts, this.ctx.services(), { configMap, secret, nodeAllocatable: this.ctx.config.nodeAllocatable });
    for (const w of resolvedEnv.warnings ?? []) this.warnOnce(w.reason, w.message);
    if ('error' in resolvedEnv) {
      // tried again when the ConfigMap or Secret changes (configChanged), else every CONFIG_RETRY_MS
      this.cannotConfigure(c, resolvedEnv.error.message, true);
      return;
    }
    // (the pod's securityContext cannot change: tried again only with the pod's next sync)
    const nonRoot = nonRootViolation(this.pod, c.spec, this.podDescription());
    if (nonRoot) { this.cannotConfigure(c, nonRoot, false); return; }
    const env = { PODNET_API_SOCKET: this.ctx.apiSocket, ...resolvedEnv.env };
    // what an exec in this container gets (container-exec.ts), root's only: it may hold Secrets
    mkdirSync(this.files.dir, { recursive: true });
    writeFileAtomic(this.files.containerEnv(c.name), JSON.stringify(env), 0o600);
    // command and args expand $(VAR) against the environment (the image check above needs no expansion)
    const expanded = resolveCommand(expandCommandAndArgs(c.spec, resolvedEnv.env), process.execPath, this.holdFifo);
    const program = 'argv' in expanded ? expanded.argv : resolved.argv;
    const pause = this.legacyHostNetwork() ? undefined : this.state.sandboxPid!;
    if (pause !== undefined && c.spec.volumeMounts?.some((m) => m.subPath) && this.sandboxJoinable()) {
      if (!await this.refreshSubPaths(c, pause)) return;
      if (this.terminating || this.finished) return; // (and the pause is checked again below)
    }
    if (!this.sandboxJoinable()) {
      // (not terminated: makeRunning starts it in the new sandbox)
      c.state = { waiting: { reason: c.init ? 'PodInitializing' : 'ContainerCreating' } };
      this.sandboxLost();
      return;
    }
    const identity = this.identityOf(c);
    c.identity = identity;
    const argv = pause === undefined ? asIdentity(identity, program) : joinPodArgv(pause, program, c.spec.workingDir, identity);
    // The kubelet keeps the current instance's log and the last dead one's
    // (container GC's MaxPerPodContainer = 1): instance N removes N-2.
    const logFile = this.files.log(c.name, c.restartCount);
    mkdirSync(path.dirname(logFile), { recursive: true });
    if (c.restartCount >= 2) rmSync(this.files.log(c.name, c.restartCount - 2), { force: true });
    const log = openSync(logFile, 'a');
    let child: ChildProcess;
    try {
      // (the working directory is the pod's: nsenter goes there, in the pod's root)
      child = spawn(argv[0]!, argv.slice(1), { stdio: ['ignore', log, log], env, cwd: this.legacyHostNetwork() ? c.spec.workingDir ?? '/' : '/', detached: true });
    } finally { closeSync(log); }
    child.unref();
    const startedAt = nowRFC3339();
    c.child = child;
    c.pid = child.pid;
    // now, before the event loop runs: until then nothing reaps the child, so its pid is still its own
    c.startTicks = child.pid ? processStartTicks(child.pid) : undefined;
    c.started = true;
    c.everReady = false;
    c.ready = false;
    c.containerID = `podnet://${this.state.containerId}-${c.name}-${c.restartCount}`;
    c.state = { running: { startedAt } };
    // The pid goes to state.json now, before anything else can happen: an
    // agent killed after this line re-adopts the running process instead of
    // starting the container a second time beside it (a hostNetwork pod has
    // no netns whose teardown would kill a stray copy; a pod with one would
    // be adopted with the copy still inside it). One write per container
    // (temp + rename), where there was one per pod. What remains is the
    // microseconds between the fork inside spawn() and this rename.
    // (the handlers first: a failed write must not leave the process unwatched)
    const ranFrom = Date.now();
    child.on('error', (e) => { c.state = { waiting: { reason: 'RunContainerError', message: e.message } }; });
    child.on('exit', (code, signal) => {
      if (Date.now() - ranFrom > BACKOFF_RESET_MS) { c.backoffMs = BACKOFF_INITIAL_MS; c.backoffArmed = false; }
      this.onExit(c, code ?? 128 + (signal === 'SIGKILL' ? 9 : 15), signal);
    });
    this.persist();
    if (c.pid) writeFileSync(this.files.containerPid(c.name), String(c.pid));
    // every instance, as the kubelet says it (describe shows "Started (xN)")
    this.ctx.events.normal(this.pod, 'Started', `Started container ${c.name}`);
    const postStart = c.spec.lifecycle?.postStart;
    if (postStart) { this.runPostStart(c, postStart, startedAt); return; }
    // An init container that runs to completion has no probes (validation forbids them).
    if (!c.init || c.sidecar) this.startProbes(c);
  }

  /** the ids the container runs with (securityContext), its account looked up in the pod's root; only while the pause is joinable */
  private identityOf(c: ContainerRuntime): ProcessIdentity | undefined {
    const root = this.legacyHostNetwork() ? '/' : `/proc/${this.state.sandboxPid}/root`;
    return containerIdentity(this.pod, c.spec, () => readPodUsers(root));
  }

  /**
   * The kubelet's CreateContainerConfigError: the container waits, with a
   * Failed event when the reason is new; `retry`: tried again in
   * CONFIG_RETRY_MS (what it waits for may come without an event).
   */
  private cannotConfigure(c: ContainerRuntime, message: string, retry: boolean): void {
    if (c.state.waiting?.message !== message) this.ctx.events.warning(this.pod, 'Failed', `Error: ${message}`);
    c.state = { waiting: { reason: 'CreateContainerConfigError', message } };
    if (!retry) return;
    clearTimeout(this.retryTimer);
    this.retryTimer = setTimeout(() => { void this.enqueue(() => this.ensureRunning()); }, CONFIG_RETRY_MS);
  }

  /**
   * Makes the container's subPath binds again where they no longer show
   * what their volume has there now, before it starts: the kubelet prepares
   * a container's subPath mounts at each start, so a container restarted
   * after its ConfigMap changed reads the new key (the bind made before
   * holds the old version's file, which the atomic writer has since
   * removed). A bind still current is left alone. The pod's containers
   * share the pause's mount namespace, so one that shares the mount point
   * (the same volume and subPath at the same path) sees the new file too,
   * where upstream it keeps its own bind until it restarts itself. False,
   * with the container waiting in CreateContainerConfigError, when one
   * cannot be made.
   */
  private async refreshSubPaths(c: ContainerRuntime, pause: number): Promise<boolean> {
    const inPod = (target: string) => path.join(`/proc/${pause}/root`, target);
    try {
      // the pod's root as the pause's mount namespace sees it ('/' for a pod on the machine's root)
      const podRoot = readlinkSync(`/proc/${pause}/root`);
      for (const mount of this.volumes.subPathMounts(this.pod, c.name, podRoot !== '/')) {
        if (!sameFile(mount.source, inPod(mount.target))) await this.ctx.runner.run(rebindArgv(pause, podRoot, mount));
      }
      return true;
    } catch (err) {
      this.cannotConfigure(c, `failed to prepare subPath for container "${c.name}": ${(err as Error).message.trim()}`, true);
      return false;
    }
  }

  /** where a probe or hook of the container's current instance runs */
  private probeTarget(c: ContainerRuntime): ProbeTarget {
    return {
      podIP: this.state.podIP!, container: c.spec, ...(this.state.sandboxPid ? { sandboxPid: this.state.sandboxPid } : {}), ...(c.pid ? { containerPid: c.pid } : {}), envFile: this.files.containerEnv(c.name),
      ...(c.identity ? { identity: c.identity } : {}),
    };
  }

  private hookTarget(c: ContainerRuntime, signal?: AbortSignal): HookContext {
    return { ...this.probeTarget(c), podDescription: this.podDescription(), ...(signal ? { signal } : {}) };
  }

  /** the pod as the kubelet's messages name it (format.Pod): `<name>_<namespace>(<uid>)` */
  private podDescription(): string {
    return `${this.state.name}_${this.state.namespace}(${this.state.uid})`;
  }

  /**
   * A hook's failure: the event says only that it failed, as the kubelet's
   * ("do not record the message in the event so that secrets won't leak");
   * what it said goes to the agent's log, as the kubelet logs it.
   */
  private hookFailed(c: ContainerRuntime, reason: string, message: string, detail: string): void {
    this.ctx.events.warning(this.pod, reason, message);
    process.stderr.write(`[agent ${this.ctx.nodeName}] ${this.state.namespace}/${this.state.name} container ${c.name}: ${detail.replace(/\s+$/, '')}\n`);
  }

  /**
   * The postStart hook, right after the process started (the kubelet's
   * startContainer). While it runs the container counts as not yet started;
   * when it fails, the container is killed (its preStop runs) and restarted
   * by the pod's restartPolicy, with a FailedPostStartHook event.
   */
  private runPostStart(c: ContainerRuntime, handler: LifecycleHandler, startedAt: string): void {
    const pid = c.pid;
    c.postStartingSince = startedAt;
    c.started = false;
    c.state = { waiting: { reason: 'ContainerCreating' } };
    const abort = new AbortController();
    c.hookAbort = abort;
    runLifecycleHook(handler, this.hookTarget(c, abort.signal)).catch((e: Error) => `Lifecycle hook failed - error: ${e.message}`).then((failure) => {
      if (c.hookAbort === abort) c.hookAbort = undefined;
      // the instance ended meanwhile, or the pod is going: nothing more to start
      if (c.pid !== pid || this.finished) return;
      c.postStartingSince = undefined;
      c.state = { running: { startedAt } };
      if (this.terminating) return;
      if (failure) {
        this.hookFailed(c, 'FailedPostStartHook', 'PostStartHook failed', failure);
        void this.killContainer(c, this.gracePeriodMs());
        return;
      }
      c.started = true;
      if (!c.init || c.sidecar) this.startProbes(c);
      this.scheduleStatus();
      void this.enqueue(() => this.ensureRunning()); // the containers after this one waited for the hook
    });
  }

  /** An adopted init container ended with an exit code nobody saw: as if it had not run. */
  private runAgainUnknownExit(c: ContainerRuntime): void {
    this.endInstance(c);
    c.pid = undefined;
    c.started = false;
    rmSync(this.files.containerPid(c.name), { force: true });
    c.state = { waiting: { reason: 'PodInitializing' } };
    this.persist();
    void this.enqueue(() => this.ensureRunning());
  }

  /** Its containers' states make the pod Succeeded or Failed (restartPolicy Never or OnFailure, or a failed init container under Never). */
  private podIsTerminal(): boolean {
    const phase = podPhase(this.pod, [...this.containers.values()], this.inits);
    return phase === 'Succeeded' || phase === 'Failed';
  }

  /**
   * The pod is Succeeded or Failed: as the kubelet does for a terminal pod,
   * what still runs (sidecars) is stopped and the sandbox torn down, which
   * gives the pod's IP back to the node's range (CNI DEL) for other pods.
   * The status keeps the IP it had, as the kubelet's does; the pod's
   * directory stays, with the containers' logs, until the pod is deleted.
   * state.json records it, so that an agent started again runs nothing of
   * it. A teardown that fails is tried again by housekeeping (retryFinishedTeardown).
   */
  private async finishTerminal(): Promise<void> {
    if (this.terminating || this.finished || this.terminal) return;
    this.terminal = true;
    clearTimeout(this.retryTimer);
    clearInterval(this.sandboxWatch);
    this.sandboxReady = false;
    for (const c of this.allContainers()) { clearTimeout(c.restartTimer); clearInterval(c.poll); }
    await Promise.all(this.allContainers().map((c) => this.killContainer(c, this.gracePeriodMs())));
    this.releasedPodIP = this.state.podIP ?? this.releasedPodIP;
    try {
      await this.teardownSandbox();
      delete this.state.netns;
    } catch (e) {
      process.stderr.write(`[agent ${this.ctx.nodeName}] teardown of the finished pod ${this.state.namespace}/${this.state.name} failed; housekeeping tries it again: ${(e as Error).message}\n`);
    }
    this.state.terminal = true;
    this.persist();
    this.scheduleStatus();
  }

  /** A finished pod whose sandbox teardown failed, tried again (by housekeeping): its IP goes back to the node's range. */
  retryFinishedTeardown(): Promise<void> {
    if (!this.terminal || !this.state.netns) return Promise.resolve();
    return this.enqueue(async () => {
      if (!this.terminal || !this.state.netns || this.terminating || this.finished) return;
      await this.teardownSandbox();
      delete this.state.netns;
      this.persist();
    });
  }

  /**
   * A pod that had ended when the agent started again (state.json says so,
   * or the API shows it Succeeded or Failed): nothing of it runs again, and
   * a sandbox it still has is torn down.
   */
  adoptTerminal(): void {
    this.releasedPodIP = this.state.podIP ?? this.pod.status?.podIP;
    void this.enqueue(() => this.finishTerminal());
  }

  /** Regular containers all ended for good (none waits to restart): the pod is over, sidecars with it (KEP-753). */
  private regularContainersDone(): boolean {
    return [...this.containers.values()].every((c) => c.state.terminated !== undefined && !c.restartTimer);
  }

  private stopSidecars(): void {
    for (const c of this.inits) {
      if (!c.sidecar) continue;
      clearTimeout(c.restartTimer);
      c.restartTimer = undefined;
      // as any container is stopped: preStop, SIGTERM, SIGKILL after the grace period
      void this.killContainer(c, this.gracePeriodMs());
    }
  }

  /**
   * A container instance's main process has exited: what it left running
   * (its children, in the process group it leads: it was spawned detached)
   * is killed now, before any restart, as a runtime's container ends with
   * its PID namespace and cgroup. Else each restart of `sh -c 'daemon &
   * …; exit 1'` would leave one more daemon behind. Only this group: the
   * pause and every other container lead groups of their own.
   */
  private endInstance(c: ContainerRuntime): void {
    const instance = containerRef(c);
    if (instance) signalProcessGroup(instance, 'SIGKILL');
  }

  private onExit(c: ContainerRuntime, exitCode: number, signal: NodeJS.Signals | null): void {
    this.endInstance(c);
    for (const t of c.probeTimers) clearTimeout(t);
    c.probeTimers = [];
    const startedAt = c.state.running?.startedAt ?? c.postStartingSince;
    c.postStartingSince = undefined;
    c.hookAbort?.abort();
    c.hookAbort = undefined;
    c.pid = undefined;
    c.child = undefined;
    c.ready = false;
    c.started = false;
    rmSync(this.files.containerPid(c.name), { force: true });
    const terminated: ContainerState['terminated'] = {
      exitCode, reason: exitCode === 0 ? 'Completed' : 'Error',
      ...(startedAt ? { startedAt } : {}), finishedAt: nowRFC3339(),
      ...(signal ? { signal: signal === 'SIGKILL' ? 9 : 15 } : {}),
    };
    if (this.terminating || this.finished || this.terminal) { c.state = { terminated }; this.scheduleStatus(); return; }
    const policy = this.pod.spec.restartPolicy ?? 'Always';
    // An init container is retried only after a failure, and not under
    // Never; a sidecar is restarted whatever its exit (KEP-753).
    const restart = c.sidecar ? !this.regularContainersDone() && nextInitStep(this.pod.spec, this.inits).kind !== 'failed'
      : c.init ? exitCode !== 0 && policy !== 'Never'
      : policy === 'Always' || (policy === 'OnFailure' && exitCode !== 0);
    if (!restart) {
      c.state = { terminated };
      // the last regular container ended for good: its sidecars stop too
      if (!c.init && this.regularContainersDone()) this.stopSidecars();
      if (c.init) {
        // Its outcome must survive an agent restart: a completed init container is never run again.
        this.persist();
        if (exitCode === 0) void this.enqueue(() => this.ensureRunning());
      }
      this.scheduleStatus();
      if (this.podIsTerminal()) void this.enqueue(() => this.finishTerminal());
      return;
    }
    c.lastState = { terminated };
    // The kubelet's doBackOff: the first failure (since the back-off was last
    // reset) is restarted at once and arms the back-off; the ones after wait,
    // in CrashLoopBackOff with a BackOff event, twice as long each time.
    let delay = 0;
    if (!c.backoffArmed) {
      c.backoffArmed = true;
      c.state = { terminated };
    } else {
      delay = c.backoffMs;
      c.backoffMs = Math.min(c.backoffMs * 2, BACKOFF_MAX_MS);
      c.state = { waiting: { reason: 'CrashLoopBackOff', message: `back-off ${Math.round(delay / 1000)}s restarting failed container=${c.name} pod=${this.podDescription()}` } };
      this.ctx.events.warning(this.pod, 'BackOff', `Back-off restarting failed container ${c.name} in pod ${this.podDescription()}`);
    }
    c.restartTimer = setTimeout(() => {
      // restartTimer stays set until the queued restart runs, so an ensureRunning queued before it does not start the container too
      void this.enqueue(async () => {
        c.restartTimer = undefined;
        // a sidecar's pod may have finished meanwhile
        if (this.terminating || this.finished || c.pid !== undefined || (c.sidecar && this.regularContainersDone())) return;
        c.restartCount++;
        await this.startContainer(c);
        this.scheduleStatus();
      });
    }, delay);
    this.persist();
    this.scheduleStatus();
  }

  private startProbes(c: ContainerRuntime): void {
    const spec = c.spec;
    c.readiness = spec.readinessProbe ? new ProbeState(spec.readinessProbe) : undefined;
    c.liveness = spec.livenessProbe ? new ProbeState(spec.livenessProbe) : undefined;
    c.startup = spec.startupProbe ? new ProbeState(spec.startupProbe) : undefined;
    if (!c.readiness && !c.startup) { c.ready = true; this.scheduleStatus(); }
    const target = this.probeTarget(c);
    const loop = (kind: 'readiness' | 'liveness' | 'startup') => {
      const probe = kind === 'readiness' ? spec.readinessProbe : kind === 'liveness' ? spec.livenessProbe : spec.startupProbe;
      if (!probe) return;
      const pid = c.pid;
      const tick = async () => {
        if (c.pid !== pid || (this.terminating && kind !== 'readiness')) return;
        // Liveness and readiness wait until the startup probe has succeeded.
        if (kind !== 'startup' && c.startup && c.startup.result !== 'success') { schedule((probe.periodSeconds ?? 10) * 1000); return; }
        if (kind === 'startup' && c.startup?.result === 'success') return;
        // (the sandbox is being made again: this instance is about to be killed)
        if (probe.exec && !this.sandboxJoinable()) { schedule((probe.periodSeconds ?? 10) * 1000); return; }
        const state = c[kind]!;
        const before = state.result;
        const outcome = await runProbe(probe, target);
        const result = state.record(outcome.result);
        if (c.pid !== pid) return;
        // The kubelet's words (prober.go): Warning Unhealthy "<Kind> probe failed: <output>".
        // Once per failure, not per failed attempt: when the failure
        // threshold is reached; liveness and startup then restart the
        // container, readiness stays failed (no new event) until a success.
        // A repeat bumps the recorder's count of the same event.
        const unhealthy = () => this.ctx.events.warning(this.pod, 'Unhealthy', `${PROBE_KIND[kind]} probe failed: ${outcome.output}`);
        if (kind === 'readiness') {
          const ready = result === 'success';
          if (ready) c.everReady = true;
          if (ready !== c.ready) { c.ready = ready; this.scheduleStatus(); }
          if (result === 'failure' && before !== 'failure') unhealthy();
        } else if (kind === 'startup' && result === 'success') {
          if (!c.readiness) { c.ready = true; this.scheduleStatus(); }
        } else if (result === 'failure') {
          unhealthy();
          this.ctx.events.normal(this.pod, 'Killing', `Container ${c.name} failed ${kind} probe, will be restarted`);
          state.reset();
          this.killContainer(c, this.gracePeriodMs());
          return;
        }
        // Until a container's first successful readiness probe, re-probe quickly:
        // it is not ready either way, and it becomes Ready as soon as it listens
        // instead of one whole period later (podnet's choice; the kubelet waits).
        const starting = kind === 'readiness' && !c.everReady;
        schedule(starting ? Math.min(STARTING_PROBE_MS, (probe.periodSeconds ?? 10) * 1000) : (probe.periodSeconds ?? 10) * 1000);
      };
      const schedule = (ms: number) => { c.probeTimers.push(setTimeout(() => { void tick(); }, ms)); };
      schedule((probe.initialDelaySeconds ?? 0) * 1000);
    };
    loop('startup');
    loop('readiness');
    loop('liveness');
  }

  /**
   * The preStop hook first (within the grace period; the kubelet then leaves
   * at least 2 s for the signal), then SIGTERM to the container's process
   * group, SIGKILL after what is left of the grace period.
   */
  private killContainer(c: ContainerRuntime, graceMs: number): Promise<void> {
    // One stop at a time, as the kubelet's pod worker runs them: a deletion
    // that comes while a liveness kill runs its preStop waits for that stop
    // instead of signalling at once and cutting the hook short.
    // (a stop of the instance before, still waiting for it to be gone, is not this one's: the
    // first failure's restart is immediate, so a new instance can fail its probe meanwhile)
    if (c.killing && c.killingPid === c.pid) return c.killing;
    const killing = this.stopContainer(c, graceMs).finally(() => { if (c.killing === killing) { c.killing = undefined; c.killingPid = undefined; } });
    c.killing = killing;
    c.killingPid = c.pid;
    return killing;
  }

  private async stopContainer(c: ContainerRuntime, graceMs: number): Promise<void> {
    const ref = containerRef(c);
    if (!ref) return;
    const pid = ref.pid;
    const preStop = c.spec.lifecycle?.preStop;
    if (preStop && graceMs > 0) {
      const t0 = Date.now();
      const failure = preStop.exec && !this.sandboxJoinable() ? 'PreStop hook failed - error: the pod\'s sandbox is gone'
        : await runLifecycleHook(preStop, this.hookTarget(c), graceMs).catch((e: Error) => `PreStop hook failed - error: ${e.message}`);
      if (failure) this.hookFailed(c, 'FailedPreStopHook', 'PreStopHook failed', failure);
      graceMs = Math.max(graceMs - (Date.now() - t0), MIN_GRACE_AFTER_PRESTOP_MS);
      if (c.pid !== pid) return; // it exited meanwhile
    }
    const signal = (sig: NodeJS.Signals) => signalProcessGroup(ref, sig);
    signal('SIGTERM');
    return new Promise((resolve) => {
      const started = Date.now();
      const check = setInterval(() => {
        if (!processRunning(ref)) { clearInterval(check); resolve(); return; }
        if (Date.now() - started >= graceMs) { signal('SIGKILL'); }
      }, 20);
    });
  }

  private async terminate(graceSeconds: number, deleteFromApi: boolean): Promise<void> {
    if (this.finished) return;
    this.terminating = true;
    clearTimeout(this.retryTimer);
    clearInterval(this.sandboxWatch);
    // Readiness keeps being probed until each container exits, as the kubelet
    // does: the pod's endpoints turn serving-but-terminating (KEP-1669), so
    // the Service rules and a Local load balancer's health check drain it
    // while it still answers. Liveness and startup probes stop (see tick).
    for (const c of this.allContainers()) {
      clearTimeout(c.restartTimer);
      clearInterval(c.poll);
    }
    this.scheduleStatus();
    await Promise.all(this.allContainers().map((c) => this.killContainer(c, graceSeconds * 1000)));
    let tornDown = true;
    await this.teardownSandbox().catch((e) => {
      tornDown = false;
      process.stderr.write(`[agent ${this.ctx.nodeName}] teardown of ${this.state.namespace}/${this.state.name} failed, will retry: ${(e as Error).message}\n`);
    });
    // A failed teardown (CNI DEL timed out on the IPAM lock, say) keeps the
    // pod's directory and a state.json with what a retry needs: the netns
    // and the container ID that holds the IP. The kubelet retries it as an
    // orphan (Kubelet.housekeep), as a restarted agent would; until then its
    // container ID stays on the list of valid attachments, so GC leaves it to
    // that retry.
    if (tornDown) rmSync(this.files.dir, { recursive: true, force: true });
    else this.keepForRetry();
    this.finished = true;
    clearTimeout(this.statusTimer);
    if (!tornDown) this.ctx.teardownFailed?.();
    if (deleteFromApi) {
      try { await this.ctx.client.delete('pods', this.state.namespace, this.state.name, { gracePeriodSeconds: 0, preconditions: { uid: this.state.uid } }); }
      catch (err) { if (!isApiError(err, 'NotFound') && !isApiError(err, 'Conflict')) throw err; }
    }
  }

  /**
   * The state a teardown retry needs, and nothing a retry could misuse:
   * every container was killed and the pause too (or it is killed with
   * everything else in the netns), so no pid is kept (it may be reused).
   */
  private keepForRetry(): void {
    const { uid, namespace, name, node, netns, containerId, hostNetwork, startTime } = this.state;
    this.state = { uid, namespace, name, node, ...(netns ? { netns } : {}), containerId, hostNetwork, startTime, containers: {} };
    this.containers.clear();
    this.inits.length = 0;
    this.persist();
  }

  get done(): boolean { return this.finished; }

  /** the CNI container ID this pod's attachment is keyed by */
  get containerId(): string { return this.state.containerId; }

  /** the pod's terminationGracePeriodSeconds (30 s by default), what a container's stop is given */
  private gracePeriodMs(): number {
    return (this.pod.spec.terminationGracePeriodSeconds ?? 30) * 1000;
  }

  /** Coalesces status writes: many container events, one PATCH. */
  private scheduleStatus(): void {
    if (this.statusTimer || this.finished) return;
    this.statusTimer = setTimeout(() => {
      this.statusTimer = undefined;
      void this.writeStatus();
    }, 5);
  }

  private async writeStatus(): Promise<void> {
    if (this.finished) return;
    const podIP = this.state.podIP ?? this.releasedPodIP;
    const status = computePodStatus(this.pod, {
      ...(podIP ? { podIP } : {}), hostIP: this.ctx.nodeIP, startTime: this.state.startTime,
      containers: [...this.containers.values()], initContainers: this.inits, ...(this.sandboxError ? { sandboxError: this.sandboxError } : {}),
      ...(this.terminal ? { sandboxStopped: true } : {}),
    }, nowRFC3339());
    // a pod never leaves Succeeded or Failed (the kubelet's generateAPIPodStatus), whatever an agent started again thinks of it
    if (isTerminal(this.pod) && status.phase !== this.pod.status?.phase) return;
    // compared whatever the order of keys (the server's copy of a condition need not keep the patch's)
    if (comparable(status) === comparable(this.pod.status ?? {})) return;
    try {
      // Only the kubelet's own conditions, merged by type (a strategic merge
      // patch): a condition another controller set meanwhile (a readiness
      // gate's) is not overwritten with this worker's older copy.
      // (each one whole: a reason or message it no longer has is deleted, not merged)
      const conditions = status.conditions!.filter((c) => KUBELET_CONDITIONS.has(c.type)).map((c) => ({ reason: null, message: null, ...c }));
      // the order of the whole list (others' conditions first), as the kubelet's two-way patch gives it
      const patch = { status: { ...status, conditions, '$setElementOrder/conditions': status.conditions!.map((c) => ({ type: c.type })) } };
      const written = await this.ctx.client.patch<Pod>('pods', this.state.namespace, this.state.name, patch, { subresource: 'status', patchType: 'strategic' });
      // The informer may already have delivered a newer version (say the node
      // lifecycle controller's Ready=False); an older reply must not hide it.
      // an equal resourceVersion: the patch changed nothing, and the pod is as written
      if (Number(written.metadata.resourceVersion) >= Number(this.pod.metadata.resourceVersion ?? 0)) this.pod = written;
      else this.scheduleStatus();
    } catch (err) {
      if (!isApiError(err, 'NotFound')) process.stderr.write(`[agent ${this.ctx.nodeName}] status of ${this.state.name}: ${(err as Error).message}\n`);
    }
  }

  static loadState(podsDir: string, uid: string): PersistedState | undefined {
    const file = podFiles(podsDir, uid).state;
    if (!existsSync(file)) return undefined;
    let state: PersistedState;
    try { state = JSON.parse(readFileSync(file, 'utf8')) as PersistedState; } catch { return undefined; }
    return verifyLegacyPids(state, podFiles(podsDir, uid).resolvConf);
  }

  /** Cleans up after a pod this agent no longer has: processes, sandbox, IP, files. */
  static async cleanupOrphan(ctx: AgentContext, state: PersistedState): Promise<void> {
    for (const c of [...Object.values(state.containers), ...Object.values(state.initContainers ?? {})]) { const ref = containerRef(c); if (ref) signalProcessGroup(ref, 'SIGKILL'); }
    const pod: Pod = { apiVersion: 'v1', kind: 'Pod', metadata: { uid: state.uid, name: state.name, namespace: state.namespace }, spec: { containers: [] } };
    const worker = new PodWorker(ctx, pod, state);
    await worker.terminate(0, false);
  }
}

/**
 * A state.json from a build that kept bare pids (no start times): a pid is
 * taken as the pod's, and its start time read now, only when its process is
 * in the pod's mount namespace (inPodMountNamespace), which no other pod's
 * process enters; else it stays without one, and is neither joined nor
 * signalled: the sandbox is made again (its teardown kills what is left in
 * the pod's network namespace), the container started again. Not the
 * network namespace: a hostNetwork pod shares the node's with the agent and
 * every other hostNetwork pod, while every pod's pause has a mount namespace
 * of its own. (A process that is in it is the pod's: the pause, a container
 * or one of their children; the last two serve as well while they live.)
 */
export function verifyLegacyPids(state: PersistedState, podResolvConf: string): PersistedState {
  const startTicksIfPod = (pid: number): number | undefined => {
    const before = processStartTicks(pid);
    // and read again: the process checked is the one whose start time is kept
    return before !== undefined && inPodMountNamespace(pid, podResolvConf) && processStartTicks(pid) === before ? before : undefined;
  };
  if (state.sandboxPid && state.sandboxStartTicks === undefined) {
    const startTicks = startTicksIfPod(state.sandboxPid);
    if (startTicks !== undefined) state.sandboxStartTicks = startTicks;
  }
  for (const saved of [...Object.values(state.containers ?? {}), ...Object.values(state.initContainers ?? {})]) {
    if (!saved.pid || saved.startTicks !== undefined) continue;
    const startTicks = startTicksIfPod(saved.pid);
    if (startTicks !== undefined) saved.startTicks = startTicks;
  }
  return state;
}

/** JSON.stringify replacer: status compared without its timestamps */
function withoutTimes(k: string, v: unknown): unknown {
  return k === 'lastTransitionTime' || k === 'lastProbeTime' ? undefined : v;
}

/** a status as text that two equal statuses share: keys sorted, timestamps left out */
function comparable(status: PodStatus): string {
  return stableJson(JSON.parse(JSON.stringify(status, withoutTimes)));
}

function lastStateOf(saved: SavedContainer | undefined): ContainerState {
  return saved?.lastTerminated ? { terminated: saved.lastTerminated } : {};
}

/** how often a pod's sandbox (its pause process) is checked for life */
const SANDBOX_WATCH_MS = 1_000;

/** the kubelet's minimumGracePeriodInSeconds: what a preStop hook that used up the grace period leaves for SIGTERM */
const MIN_GRACE_AFTER_PRESTOP_MS = 2_000;

/**
 * a container instance's process, running or just exited (ContainerRuntime)
 * or as state.json keeps it (SavedContainer), which leads a process group of
 * its own (spawned detached); undefined for a pid recorded without its start
 * time (loadState could not verify it)
 */
function containerRef(c: Pick<ContainerRuntime, 'pid' | 'startTicks'> | undefined): ProcessRef | undefined {
  return recordedRef(c?.pid, c?.startTicks);
}
