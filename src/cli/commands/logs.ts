// `podnet logs [-n NS] POD|TYPE/NAME [-c CONTAINER] [-p] [--tail=N] [--follow]`,
// as kubectl logs: one container instance (the current one, or with
// --previous the last one that terminated), picked the way the kubelet's
// validateContainerLogStatus picks it, with its errors worded as the API
// server returns them. Deployments, StatefulSets, DaemonSets, Jobs and Services resolve to one
// of their pods as kubectl's GetFirstPod does (sorted by podutils.ByLogging).

import { createReadStream, statSync, watchFile, unwatchFile } from 'node:fs';
import type { DaemonSet, Deployment, Job, Pod, ReplicaSet, Service, StatefulSet } from '../../api/types.js';
import { getCondition, isPodReady } from '../../api/pod-helpers.js';
import { selectorToString } from '../../api/labels.js';
import { resourceForName } from '../../api/resources.js';
import { isApiError, PodnetError } from '../../errors.js';
import { containerLogFile, logInstance, readTail } from '../../agent/container-logs.js';
import type { Client } from '../../client/client.js';
import type { CommonFlags } from '../args.js';
import type { Context } from '../context.js';

/** kubectl's podcmd.DefaultContainerAnnotationName */
export const DEFAULT_CONTAINER_ANNOTATION = 'kubectl.kubernetes.io/default-container';
/** kubectl logs --pod-running-timeout default: how long GetFirstPod waits for a pod to appear */
const POD_RUNNING_TIMEOUT_MS = 20_000;
const POD_POLL_MS = 250;
/** how often --follow looks whether its container instance has ended */
const FOLLOW_POLL_MS = 500;


/** A pod by name (`NAME`, `pod/NAME`): what `exec` accepts. */
export async function resolvePod(ctx: Context, namespace: string, ref: string): Promise<Pod> {
  const slash = ref.indexOf('/');
  const name = slash >= 0 && ['pod', 'pods', 'po'].includes(ref.slice(0, slash).toLowerCase()) ? ref.slice(slash + 1) : ref;
  return ctx.client().get<Pod>('pods', namespace, name);
}

/** podcmd.AllContainerNames: `a, b, setup (init)` */
export function allContainerNames(pod: Pod): string {
  return [...pod.spec.containers.map((c) => c.name), ...(pod.spec.initContainers ?? []).map((c) => `${c.name} (init)`)].join(', ');
}

/**
 * podcmd.FindOrDefaultContainerByName without a name: the container the
 * `kubectl.kubernetes.io/default-container` annotation names, else the first
 * one, with kubectl's notice on stderr when the pod has more than one.
 */
export function defaultContainer(pod: Pod, warn: (line: string) => void): string {
  const annotated = pod.metadata.annotations?.[DEFAULT_CONTAINER_ANNOTATION];
  const all = [...pod.spec.containers, ...(pod.spec.initContainers ?? [])];
  if (annotated && all.some((c) => c.name === annotated)) return annotated;
  const first = pod.spec.containers[0]!.name;
  if (pod.spec.containers.length > 1 || (pod.spec.initContainers?.length ?? 0) > 0) warn(`Defaulted container "${first}" out of: ${allContainerNames(pod)}\n`);
  return first;
}

export function hasContainer(pod: Pod, name: string): boolean {
  return [...pod.spec.containers, ...(pod.spec.initContainers ?? [])].some((c) => c.name === name);
}

function readyTime(pod: Pod): number {
  if (!isPodReady(pod)) return 0;
  return Date.parse(getCondition(pod.status?.conditions, 'Ready')?.lastTransitionTime ?? '') || 0;
}

/** afterOrZero(t1, t2): a zero time sorts last */
function afterOrZero(t1: number, t2: number): boolean {
  if (!t1 || !t2) return !t1;
  return t1 > t2;
}

function maxRestarts(pod: Pod): number {
  return Math.max(0, ...(pod.status?.containerStatuses ?? []).map((c) => c.restartCount));
}

/** kubectl's podutils.ByLogging as a compare function: the best pod to read logs from first. */
export function byLogging(a: Pod, b: Pod): number {
  const less = (i: Pod, j: Pod): boolean => {
    // 1. assigned < unassigned
    const ni = i.spec.nodeName ?? '';
    const nj = j.spec.nodeName ?? '';
    if (ni !== nj && (!ni || !nj)) return !!ni;
    // 2. Running < Unknown < Pending (other phases rank with Running, as upstream's map lookup does)
    const rank: Record<string, number> = { Running: 0, Unknown: 1, Pending: 2 };
    const pi = rank[i.status?.phase ?? ''] ?? 0;
    const pj = rank[j.status?.phase ?? ''] ?? 0;
    if (pi !== pj) return pi < pj;
    // 3. ready < not ready
    if (isPodReady(i) !== isPodReady(j)) return isPodReady(i);
    // 4. ready for longer < ready for less time
    if (isPodReady(i) && isPodReady(j) && readyTime(i) !== readyTime(j)) return afterOrZero(readyTime(j), readyTime(i));
    // 5. more restarts < fewer
    if (maxRestarts(i) !== maxRestarts(j)) return maxRestarts(i) > maxRestarts(j);
    // 6. older < newer
    const ci = Date.parse(i.metadata.creationTimestamp ?? '') || 0;
    const cj = Date.parse(j.metadata.creationTimestamp ?? '') || 0;
    if (ci !== cj) return afterOrZero(cj, ci);
    return false;
  };
  return less(a, b) ? -1 : less(b, a) ? 1 : 0;
}

/**
 * The label selector of a Deployment, StatefulSet, DaemonSet, Job or Service
 * (polymorphichelpers.SelectorsForObject), with the Service itself for the
 * callers that map its ports; undefined for a kind that has none. `verb` words
 * kubectl's error for a Service without a selector ("get the logs from").
 */
export async function selectorForObject(client: Client, namespace: string, plural: string, name: string, verb: string): Promise<{ labelSelector: string; service?: Service } | undefined> {
  switch (plural) {
    case 'deployments':
    case 'replicasets':
    case 'statefulsets':
    case 'daemonsets':
    case 'jobs':
      // a Job's selector is optional in its type; a missing one reads as empty either way
      return { labelSelector: selectorToString((await client.get<Deployment | ReplicaSet | StatefulSet | DaemonSet | Job>(plural, namespace, name)).spec.selector ?? {}) };
    case 'services': {
      const service = await client.get<Service>('services', namespace, name);
      if (Object.keys(service.spec.selector ?? {}).length === 0) {
        throw new PodnetError('EUSAGE', `cannot ${verb} *v1.Service: invalid service '${name}': Service is defined without a selector`);
      }
      return { labelSelector: selectorToString({ matchLabels: service.spec.selector }), service };
    }
  }
  return undefined;
}

/**
 * kubectl's GetFirstPod: the first in `order` of the pods the selector
 * matches, and how many it matched, waiting up to timeoutMs for a first one.
 */
export async function firstPod(client: Client, namespace: string, labelSelector: string, order: (a: Pod, b: Pod) => number, timeoutMs: number): Promise<{ pod: Pod; count: number }> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const pods = (await client.list<Pod>('pods', namespace, { labelSelector })).items;
    if (pods.length > 0) return { pod: [...pods].sort(order)[0]!, count: pods.length };
    if (Date.now() > deadline) throw new PodnetError('ETIMEOUT', 'timed out waiting for the condition');
    await new Promise((r) => setTimeout(r, POD_POLL_MS));
  }
}

/**
 * `NAME`, `pod/NAME`, or `deploy|sts|job|svc/NAME`: the latter resolve to their
 * first pod by ByLogging, waiting for one as kubectl's GetFirstPod does,
 * with its "Found N pods" notice.
 */
export async function resolveLogsPod(ctx: Context, namespace: string, ref: string, warn: (line: string) => void): Promise<Pod> {
  const slash = ref.indexOf('/');
  if (slash < 0) return resolvePod(ctx, namespace, ref);
  const type = ref.slice(0, slash);
  const name = ref.slice(slash + 1);
  const resource = resourceForName(type);
  if (!resource) throw new PodnetError('EUSAGE', `the server doesn't have a resource type "${type}"`);
  if (resource.plural === 'pods') return ctx.client().get<Pod>('pods', namespace, name);
  const selected = await selectorForObject(ctx.client(), namespace, resource.plural, name, 'get the logs from');
  if (!selected) throw new PodnetError('EUSAGE', `cannot get the logs from ${resource.plural}: selector for ${resource.plural} not implemented`);
  const { pod, count } = await firstPod(ctx.client(), namespace, selected.labelSelector, byLogging, POD_RUNNING_TIMEOUT_MS);
  if (count > 1) warn(`Found ${count} pods, using pod/${pod.metadata.name}\n`);
  return pod;
}

/** kubectl --tail: -1 is everything; below -1 is refused. */
export function parseTail(text: string | undefined): number {
  if (text === undefined) return -1;
  if (!/^-?\d+$/.test(text.trim())) throw new PodnetError('EUSAGE', `invalid argument "${text}" for "--tail" flag: strconv.ParseInt: parsing "${text}": invalid syntax`);
  const n = Number(text);
  if (n < -1) throw new PodnetError('EUSAGE', '--tail must be greater than or equal to -1');
  return n;
}

export async function logsCommand(ctx: Context, flags: CommonFlags): Promise<number> {
  const ref = flags.positionals[0];
  if (!ref) throw new PodnetError('EUSAGE', 'expected POD or TYPE/NAME');
  const tail = parseTail(flags.tail);
  const namespace = flags.namespace ?? 'default';
  const warn = (line: string): void => { process.stderr.write(line); };
  const pod = await resolveLogsPod(ctx, namespace, ref, warn);
  const wanted = flags.container ?? flags.positionals[1];
  if (wanted && !hasContainer(pod, wanted)) throw new PodnetError('ENOTFOUND', `container ${wanted} is not valid for pod ${pod.metadata.name}`);
  const container = wanted ?? defaultContainer(pod, warn);
  const instance = logInstance(pod, container, flags.previous);
  if (instance === undefined) return 0;
  const file = containerLogFile(ctx.paths.pods, pod, container, instance);
  if (!file) return 0; // removed with its instance, or nothing written yet
  let offset: number;
  if (tail >= 0) {
    const { bytes, size } = readTail(file, tail);
    process.stdout.write(bytes);
    offset = size;
  } else {
    offset = statSync(file).size;
    if (offset > 0) await new Promise<void>((resolve, reject) => {
      createReadStream(file, { end: offset - 1 }).on('error', reject).on('end', resolve).pipe(process.stdout, { end: false });
    });
  }
  // a previous instance has ended already: nothing more will come
  if (!flags.follow || flags.previous) return 0;
  const more = (size: number): Promise<void> => {
    if (size <= offset) return Promise.resolve();
    const start = offset;
    offset = size;
    return new Promise<void>((resolve, reject) => {
      createReadStream(file, { start, end: size - 1 }).on('error', reject).on('end', resolve).pipe(process.stdout, { end: false });
    });
  };
  watchFile(file, { interval: 200 }, (cur) => { void more(cur.size); });
  // as kubectl: following ends when this container instance ends (it
  // exited, restarted into a new instance's file, or the pod is gone)
  const instanceEnded = async (): Promise<boolean> => {
    let fresh: Pod;
    try { fresh = await ctx.client().get<Pod>('pods', pod.metadata.namespace, pod.metadata.name!); } catch (err) {
      if (isApiError(err, 'NotFound')) return true;
      throw err;
    }
    if (fresh.metadata.uid !== pod.metadata.uid || logInstance(fresh, container, flags.previous) !== instance) return true;
    const status = (fresh.status?.containerStatuses ?? []).find((c) => c.name === container);
    return status !== undefined && status.state?.running === undefined;
  };
  await new Promise<void>((resolve) => {
    let done = false;
    const finish = () => { if (done) return; done = true; clearInterval(poll); unwatchFile(file); void more(statSync(file, { throwIfNoEntry: false })?.size ?? offset).finally(resolve); };
    const poll = setInterval(() => { void instanceEnded().then((ended) => { if (ended) finish(); }, () => undefined); }, FOLLOW_POLL_MS);
    process.on('SIGINT', finish);
  });
  return 0;
}
