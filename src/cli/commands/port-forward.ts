// `podnet port-forward [-n NS] TYPE/NAME [ADDR:][LOCAL:]REMOTE…`, as kubectl's:
// listens on the host's loopback and carries each connection into the pod
// through a Unix socket, so the host namespace gets no route, address or rule.
//
// What it forwards to is chosen as kubectl does: a pod by name, or the first
// pod of a Deployment, StatefulSet or Service in podutils.ActivePods order
// (the most active first). REMOTE may name a port: a container port of the
// pod, or for a Service one of its ports, which is then mapped to its
// targetPort on the chosen pod (kubectl's translateServicePortToTargetPort).
//
// Like client-go's forwarder it ends in one of two ways: Ctrl-C (SIGINT or
// SIGTERM) exits 0; losing the pod (deleted, replaced, or its network
// namespace torn down, which kills the relay inside it) is an error, printed
// as kubectl prints it: `error: lost connection to pod`, exit 1.

import net from 'node:net';
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync, rmSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Pod, Service } from '../../api/types.js';
import { getCondition, isPodReady } from '../../api/pod-helpers.js';
import { resourceForName, type ResourceInfo } from '../../api/resources.js';
import { podFiles } from '../../agent/pod-files.js';
import { isApiError, PodnetError } from '../../errors.js';
import type { Client, WatchHandle } from '../../client/client.js';
import type { CommonFlags } from '../args.js';
import type { Context } from '../context.js';
import { firstPod, selectorForObject } from './logs.js';

const RELAY = fileURLToPath(new URL('../port-forward-relay.js', import.meta.url));
/** kubectl port-forward's --pod-running-timeout default: how long a workload may have no pod at all */
const POD_RUNNING_TIMEOUT_MS = 60_000;
/** how soon a watch of the target pod that ended is set up again */
const WATCH_RETRY_MS = 1_000;
/** client-go's ErrLostConnectionToPod, word for word */
export const LOST_CONNECTION = 'lost connection to pod';

/**
 * One port argument as typed. `local` is absent for a bare `PORT` or `NAME`:
 * then the local port is the number REMOTE stands for (a Service port, or a
 * container port), as kubectl's splitPort makes both halves the same text.
 */
export interface PortSpec { address: string; local?: number; remote: number | string }

/** One resolved forward: listen on address:local (0: any free port), connect to remote in the pod. */
export interface Forward { address: string; local: number; remote: number }

function invalidSpec(spec: string): PodnetError {
  return new PodnetError('EUSAGE', `invalid port specification "${spec}": use [ADDR:][LOCAL:]REMOTE`);
}

/**
 * `REMOTE`, `LOCAL:REMOTE`, `:REMOTE` (any free local port) or podnet's
 * `ADDR:LOCAL:REMOTE` (kubectl's --address): an IPv6 ADDR has colons of its
 * own, so LOCAL and REMOTE are always the last two fields.
 */
export function parsePortSpec(spec: string): PortSpec {
  const fields = spec.split(':');
  const address = fields.length > 2 ? fields.splice(0, fields.length - 2).join(':').replace(/^\[(.*)\]$/, '$1') : '127.0.0.1';
  const remoteText = fields.pop()!;
  const localText = fields.pop();
  const remote = /^\d+$/.test(remoteText) ? Number(remoteText) : remoteText;
  if (remote === '' || remote === 0 || (typeof remote === 'number' && remote > 65535)) throw invalidSpec(spec);
  let local: number | undefined;
  if (localText !== undefined) {
    local = localText === '' ? 0 : /^\d+$/.test(localText) ? Number(localText) : NaN;
    if (!(local >= 0 && local <= 65535)) throw invalidSpec(spec);
  }
  if (address !== '127.0.0.1' && address !== 'localhost' && address !== '::1') {
    throw new PodnetError('EUSAGE', `podnet port-forward listens on loopback only (got ${address})`);
  }
  return { address: address === 'localhost' ? '127.0.0.1' : address, ...(local !== undefined ? { local } : {}), remote };
}

/** `NAME` (a pod, as kubectl's builder defaults it) or `TYPE/NAME` with any of a kind's names (`deploy`, `statefulsets.apps`, `svc`). */
export function parseTargetRef(ref: string): { resource: ResourceInfo; name: string } {
  const slash = ref.indexOf('/');
  const type = slash < 0 ? 'pods' : ref.slice(0, slash);
  const name = ref.slice(slash + 1);
  if (!type || !name || name.includes('/')) throw new PodnetError('EUSAGE', 'arguments in resource/name form must have a single resource and name');
  const resource = resourceForName(type);
  if (!resource) throw new PodnetError('EUSAGE', `the server doesn't have a resource type "${type}"`);
  return { resource, name };
}

/** podutils.ActivePods ranks an unlisted phase (Succeeded, Failed) with Pending: Go's map lookup gives 0. */
const PHASE_ACTIVITY: Record<string, number> = { Pending: 0, Unknown: 1, Running: 2 };

/** An unset time sorts after every set one, as podutils' afterOrZero has it. */
function timeOrLast(iso: string | undefined): number {
  return Date.parse(iso ?? '') || Infinity;
}

/** The sort key of kubectl's sort.Reverse(podutils.ActivePods), each field smaller for the more active pod. */
function activityKey(pod: Pod): number[] {
  const ready = isPodReady(pod);
  return [
    pod.spec.nodeName ? 0 : 1, // assigned to a node
    -(PHASE_ACTIVITY[pod.status?.phase ?? ''] ?? 0), // Running, then Unknown, then Pending
    ready ? 0 : 1,
    ready ? timeOrLast(getCondition(pod.status?.conditions, 'Ready')?.lastTransitionTime) : 0, // ready for longer
    Math.max(0, ...(pod.status?.containerStatuses ?? []).map((c) => c.restartCount)), // fewer restarts
    timeOrLast(pod.metadata.creationTimestamp), // older
  ];
}

/** Compare function: the pod kubectl's AttachablePodForObject would pick sorts first. */
export function mostActiveFirst(a: Pod, b: Pod): number {
  const ka = activityKey(a);
  const kb = activityKey(b);
  const i = ka.findIndex((v, n) => v !== kb[n]);
  return i < 0 ? 0 : ka[i]! < kb[i]! ? -1 : 1;
}

/** LookupContainerPortNumberByName: containers first, then init containers, whatever the protocol. */
function containerPortByName(pod: Pod, name: string): number {
  for (const c of [...pod.spec.containers, ...(pod.spec.initContainers ?? [])]) {
    const port = c.ports?.find((p) => p.name === name);
    if (port) return port.containerPort;
  }
  throw new PodnetError('ENOTFOUND', `Pod '${pod.metadata.name}' does not have a named port '${name}'`);
}

/** kubectl refuses a port that only UDP uses (the forward carries TCP only). */
function refuseUdpOnly(ports: { port: number; protocol?: string }[], port: number, typed: number | string): void {
  const protocols = new Set(ports.filter((p) => p.port === port).map((p) => p.protocol ?? 'TCP'));
  if (protocols.has('UDP') && !protocols.has('TCP')) throw new PodnetError('EUSAGE', `UDP protocol is not supported for ${typed}`);
}

/** A port of a pod (or a workload's pod): REMOTE is a container port, or the name of one. */
export function forwardToPod(spec: PortSpec, pod: Pod): Forward {
  const remote = typeof spec.remote === 'number' ? spec.remote : containerPortByName(pod, spec.remote);
  refuseUdpOnly(pod.spec.containers.flatMap((c) => (c.ports ?? []).map((p) => ({ port: p.containerPort, protocol: p.protocol }))), remote, spec.remote);
  return { address: spec.address, local: spec.local ?? remote, remote };
}

/**
 * A port of a Service, on the pod chosen for it: REMOTE is a Service port or
 * its name, and the pod gets its targetPort (a number, or a container port's
 * name looked up on that pod). A headless Service's ports are the pod's own.
 */
export function forwardToService(spec: PortSpec, svc: Service, pod: Pod): Forward {
  const name = svc.metadata.name;
  let servicePort: number;
  if (typeof spec.remote === 'number') servicePort = spec.remote;
  else {
    const named = svc.spec.ports?.find((p) => p.name === spec.remote);
    if (!named) throw new PodnetError('ENOTFOUND', `Service '${name}' does not have a named port '${spec.remote}'`);
    servicePort = named.port;
  }
  refuseUdpOnly(svc.spec.ports ?? [], servicePort, spec.remote);
  const local = spec.local ?? servicePort;
  if (svc.spec.clusterIP === 'None') return { address: spec.address, local, remote: servicePort };
  const sp = svc.spec.ports?.find((p) => p.port === servicePort);
  if (!sp) throw new PodnetError('ENOTFOUND', `Service ${name} does not have a service port ${servicePort}`);
  const target = sp.targetPort ?? 0;
  const remote = typeof target === 'string' && !/^\d+$/.test(target) ? containerPortByName(pod, target) : Number(target) || sp.port;
  return { address: spec.address, local, remote };
}

/**
 * polymorphichelpers.AttachablePodForObject: the pod itself, or the most
 * active pod of what REF names, waiting a while for a first one as
 * GetFirstPod does. The Service comes along for its port mapping.
 */
export async function attachablePod(ctx: Context, namespace: string, ref: string): Promise<{ pod: Pod; service?: Service }> {
  const client = ctx.client();
  const { resource, name } = parseTargetRef(ref);
  if (resource.plural === 'pods') return { pod: await client.get<Pod>('pods', namespace, name) };
  const selected = await selectorForObject(client, namespace, resource.plural, name, 'attach to');
  if (!selected) throw new PodnetError('EUSAGE', `cannot attach to *v1.${resource.kind}: selector for *v1.${resource.kind} not implemented`);
  const { pod } = await firstPod(client, namespace, selected.labelSelector, mostActiveFirst, POD_RUNNING_TIMEOUT_MS);
  return { pod, ...(selected.service ? { service: selected.service } : {}) };
}

/**
 * Calls onGone once the pod is deleted or another pod has taken its name (a
 * new uid). A watch that ends (the daemon restarted, history expired) is
 * checked with a GET and set up again; an API that does not answer is
 * retried, since the forward itself does not go through it.
 */
export function watchPodGone(client: Client, pod: Pod, onGone: () => void): () => void {
  const { namespace, name, uid } = pod.metadata;
  let resourceVersion = pod.metadata.resourceVersion;
  let stopped = false;
  let handle: WatchHandle | undefined;
  let retry: NodeJS.Timeout | undefined;
  const gone = () => { if (!stopped) { stopped = true; onGone(); } };
  const start = () => {
    if (stopped) return;
    handle = client.watch<Pod>('pods', namespace, { fieldSelector: `metadata.name=${name}`, resourceVersion }, (ev) => {
      if (ev.type === 'DELETED' || ((ev.type === 'ADDED' || ev.type === 'MODIFIED') && ev.object.metadata.uid !== uid)) gone();
      else if (ev.object.metadata.resourceVersion) resourceVersion = ev.object.metadata.resourceVersion;
    });
    handle.done.catch(() => undefined).then(recheck);
  };
  const recheck = async () => {
    if (stopped) return;
    try {
      const now = await client.get<Pod>('pods', namespace, name!);
      if (now.metadata.uid !== uid) return gone();
      resourceVersion = now.metadata.resourceVersion;
    } catch (err) {
      if (isApiError(err, 'NotFound')) return gone();
    }
    retry = setTimeout(start, WATCH_RETRY_MS);
  };
  start();
  return () => { stopped = true; handle?.stop(); clearTimeout(retry); };
}

/**
 * Starts the relay in the pod's network namespace, one Unix socket per
 * forward, and resolves once it listens. It runs in its own process group,
 * so a Ctrl-C at the terminal reaches only this process, which stops it:
 * any other end of the relay is a lost connection. It reads our end of a
 * pipe as its stdin, so it also ends when this process is killed outright.
 */
async function startRelay(sandboxPid: number, sockets: string[], forwards: Forward[], podName: string): Promise<ChildProcess> {
  const args = forwards.flatMap((f, i) => ['--forward', `${sockets[i]}=${f.remote}`]);
  const relay = spawn('nsenter', ['-t', String(sandboxPid), '--net', '--', process.execPath, RELAY, ...args], { stdio: ['pipe', 'pipe', 'inherit'], detached: true });
  await new Promise<void>((resolve, reject) => {
    relay.stdout!.once('data', () => resolve());
    relay.once('exit', (code) => reject(new PodnetError('EPORTFORWARD', `the port-forward relay in pod ${podName} exited (${code})`)));
  });
  return relay;
}

/** net.JoinHostPort: an IPv6 address in brackets. */
function hostPort(address: string, port: number): string {
  return address.includes(':') ? `[${address}]:${port}` : `${address}:${port}`;
}

/** Listens for one forward; each connection is carried to the relay's Unix socket. */
function listen(forward: Forward, socketPath: string, open: Set<net.Socket>): Promise<net.Server> {
  const server = net.createServer((inbound) => {
    process.stdout.write(`Handling connection for ${(server.address() as net.AddressInfo).port}\n`);
    const outbound = net.connect(socketPath);
    open.add(inbound).add(outbound);
    inbound.pipe(outbound).pipe(inbound);
    const close = () => { inbound.destroy(); outbound.destroy(); open.delete(inbound); open.delete(outbound); };
    inbound.on('error', close).on('close', close);
    outbound.on('error', close).on('close', close);
  });
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(forward.local, forward.address, () => resolve(server));
  });
}

/** Waits for Ctrl-C (SIGINT, or SIGTERM) or for the pod to be lost: the relay ended, or the pod is gone. */
async function untilStoppedOrLost(client: Client, pod: Pod, relay: ChildProcess): Promise<'stopped' | 'lost'> {
  let stopWatch = () => {};
  let onSignal = () => {};
  const ended = await new Promise<'stopped' | 'lost'>((resolve) => {
    onSignal = () => resolve('stopped');
    process.on('SIGINT', onSignal).on('SIGTERM', onSignal);
    // it may have ended already, while the ports were being listened on
    if (relay.exitCode !== null || relay.signalCode !== null) resolve('lost');
    relay.once('exit', () => resolve('lost'));
    stopWatch = watchPodGone(client, pod, () => resolve('lost'));
  });
  stopWatch();
  process.off('SIGINT', onSignal).off('SIGTERM', onSignal);
  return ended;
}

export async function portForwardCommand(ctx: Context, flags: CommonFlags): Promise<number> {
  const [ref, ...portArgs] = flags.positionals;
  if (!ref || portArgs.length === 0) throw new PodnetError('EUSAGE', 'TYPE/NAME and list of ports are required for port-forward; usage: podnet port-forward [-n NS] TYPE/NAME [ADDR:][LOCAL:]REMOTE…');
  const specs = portArgs.map(parsePortSpec);
  const namespace = flags.namespace ?? 'default';
  const { pod, service } = await attachablePod(ctx, namespace, ref);
  const forwards = specs.map((s) => (service ? forwardToService(s, service, pod) : forwardToPod(s, pod)));
  if (pod.status?.phase !== 'Running') throw new PodnetError('ENOTRUNNING', `unable to forward port because pod is not running. Current status=${pod.status?.phase ?? ''}`);
  let sandbox: number;
  try { sandbox = Number(readFileSync(podFiles(ctx.paths.pods, pod.metadata.uid!).sandboxPid, 'utf8')); } catch {
    throw new PodnetError('ENOTRUNNING', `pod ${pod.metadata.name} is not running`);
  }
  const sockets = forwards.map((_, i) => path.join(ctx.paths.dir, `port-forward-${process.pid}-${i}.sock`));
  const relay = await startRelay(sandbox, sockets, forwards, pod.metadata.name!);
  const open = new Set<net.Socket>();
  const servers: net.Server[] = [];
  // as client-go: a port that cannot be listened on is reported and skipped; only all of them failing is an error
  for (const [i, f] of forwards.entries()) {
    try {
      const server = await listen(f, sockets[i]!, open);
      servers.push(server);
      process.stdout.write(`Forwarding from ${hostPort(f.address, (server.address() as net.AddressInfo).port)} -> ${f.remote}\n`);
    } catch (err) {
      process.stderr.write(`Unable to listen on port ${f.local}: ${(err as Error).message}\n`);
    }
  }
  const ended = servers.length > 0 ? await untilStoppedOrLost(ctx.client(), pod, relay) : undefined;
  for (const server of servers) server.close();
  for (const socket of open) socket.destroy();
  relay.kill('SIGTERM');
  relay.stdin!.destroy();
  for (const socket of sockets) rmSync(socket, { force: true });
  if (!ended) {
    throw new PodnetError('EPORTFORWARD', `unable to listen on any of the requested ports: [${forwards.map((f) => `{${f.local} ${f.remote}}`).join(' ')}]`);
  }
  if (ended === 'lost') throw new PodnetError('ELOSTCONNECTION', LOST_CONNECTION);
  return 0;
}
