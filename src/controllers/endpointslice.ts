// Service selector → EndpointSlices, as upstream's EndpointSlice controller:
// pods grouped by the ports their named targetPorts resolve to, at most
// MAX_ENDPOINTS_PER_SLICE per slice, each endpoint with ready / serving /
// terminating and its node's zone. Endpoints stay in the slice they are in
// (endpointslice-plan.ts). Services without a selector keep the slices their
// users wrote. Slices carry their Service's labels (sliceLabels), kept in
// step with it.

import type { Endpoint, EndpointPort, EndpointSlice, Node, Pod, Service, ServicePort } from '../api/types.js';
import { isPodReady, isTerminal } from '../api/pod-helpers.js';
import { matchesServiceSelector } from '../api/labels.js';
import type { Client } from '../client/client.js';
import { isApiError } from '../errors.js';
import { Controller } from './controller.js';
import { planSlices, type SliceContent } from './endpointslice-plan.js';
import { indexLookup, keyOf, splitKey, type IndexLookup, type InformerSource, type Lister } from './informers.js';
import { randomSuffix } from './template-hash.js';

export const SERVICE_NAME_LABEL = 'kubernetes.io/service-name';
export const MANAGED_BY_LABEL = 'endpointslice.kubernetes.io/managed-by';
export const MANAGED_BY = 'endpointslice-controller.k8s.io';
export const HEADLESS_LABEL = 'service.kubernetes.io/headless';
export const MAX_ENDPOINTS_PER_SLICE = 100;
/** the well-known Node label upstream's podToEndpoint copies into `zone` */
export const ZONE_LABEL = 'topology.kubernetes.io/zone';

/** targetPort as a number for this pod; undefined when a named port is not on the pod. */
export function resolveTargetPort(sp: ServicePort, pod: Pod): number | undefined {
  const target = sp.targetPort ?? sp.port;
  if (typeof target === 'number') return target;
  if (/^\d+$/.test(target)) return Number(target);
  const proto = sp.protocol ?? 'TCP';
  for (const c of pod.spec.containers) {
    for (const p of c.ports ?? []) if (p.name === target && (p.protocol ?? 'TCP') === proto) return p.containerPort;
  }
  return undefined;
}

/** `zone`: the zone label of the pod's Node, when it has one (upstream's podToEndpoint). */
export function endpointForPod(svc: Service, pod: Pod, zone?: string): Endpoint {
  const terminating = !!pod.metadata.deletionTimestamp;
  const ready = isPodReady(pod);
  const publish = !!svc.spec.publishNotReadyAddresses;
  const ep: Endpoint = {
    addresses: [pod.status!.podIP!],
    conditions: { ready: publish || (ready && !terminating), serving: publish || ready, terminating },
    targetRef: { kind: 'Pod', namespace: pod.metadata.namespace, name: pod.metadata.name, uid: pod.metadata.uid },
  };
  if (pod.spec.nodeName) ep.nodeName = pod.spec.nodeName;
  if (zone) ep.zone = zone;
  // Upstream sets hostname only when the pod asked to be addressable under this Service.
  if (pod.spec.hostname && pod.spec.subdomain === svc.metadata.name) ep.hostname = pod.spec.hostname;
  return ep;
}

/** no ClusterIP: what service.kubernetes.io/headless marks on slices and Endpoints */
export function isHeadless(svc: Service): boolean {
  return !svc.spec.clusterIP || svc.spec.clusterIP === 'None';
}

const RESERVED_LABELS = new Set([SERVICE_NAME_LABEL, MANAGED_BY_LABEL, HEADLESS_LABEL]);

/**
 * The labels of every slice of a Service, by upstream's rules
 * (pkg/controller/endpointslice utils, setEndpointSliceLabels): the Service's
 * own labels except the three the controller reserves (a Service that sets one
 * of those does not change it), `service.kubernetes.io/headless: ""` when the
 * Service has no ClusterIP, then the service-name and managed-by labels. So
 * `-l k8s-app=kube-dns` finds kube-dns's slices as well as the Service; labels
 * someone added to a slice by hand go at the next sync, as upstream.
 */
export function sliceLabels(svc: Service): Record<string, string> {
  const labels: Record<string, string> = {};
  for (const [k, v] of Object.entries(svc.metadata.labels ?? {})) if (!RESERVED_LABELS.has(k)) labels[k] = v;
  if (isHeadless(svc)) labels[HEADLESS_LABEL] = '';
  labels[SERVICE_NAME_LABEL] = svc.metadata.name!;
  labels[MANAGED_BY_LABEL] = MANAGED_BY;
  return labels;
}

/** Same keys and values, in any order */
function sameLabels(a: Record<string, string> | undefined, b: Record<string, string>): boolean {
  const ak = Object.keys(a ?? {});
  return ak.length === Object.keys(b).length && ak.every((k) => b[k] === a![k]);
}

export type ZoneOf = (nodeName: string) => string | undefined;

/**
 * Pure: the endpoints a Service should have, given the pods of its
 * namespace: one entry per port set, endpoints in pod-name order, not yet cut
 * into slices (planSlices does that, around the slices that exist).
 */
export function desiredEndpoints(svc: Service, pods: Pod[], zoneOf: ZoneOf = () => undefined): SliceContent[] {
  const groups = new Map<string, SliceContent>();
  const selected = pods
    .filter((p) => matchesServiceSelector(svc.spec.selector, p.metadata.labels))
    .filter((p) => p.status?.podIP && !isTerminal(p))
    .sort((a, b) => a.metadata.name!.localeCompare(b.metadata.name!));
  for (const pod of selected) {
    const ports: EndpointPort[] = [];
    for (const sp of svc.spec.ports ?? []) {
      const port = resolveTargetPort(sp, pod);
      if (port === undefined) continue;
      ports.push({ name: sp.name ?? '', port, protocol: sp.protocol ?? 'TCP', ...(sp.appProtocol ? { appProtocol: sp.appProtocol } : {}) });
    }
    const key = JSON.stringify(ports);
    let group = groups.get(key);
    if (!group) { group = { ports, endpoints: [] }; groups.set(key, group); }
    group.endpoints.push(endpointForPod(svc, pod, pod.spec.nodeName ? zoneOf(pod.spec.nodeName) : undefined));
  }
  return [...groups.values()].sort((a, b) => JSON.stringify(a.ports).localeCompare(JSON.stringify(b.ports)));
}

/**
 * Pure: the slices a Service without slices gets. A Service with no
 * endpoints still gets one empty slice, as upstream does (its reconciler's
 * placeholder, which has no ports either).
 */
export function desiredSlices(svc: Service, pods: Pod[], zoneOf?: ZoneOf): SliceContent[] {
  return planSlices([], desiredEndpoints(svc, pods, zoneOf), MAX_ENDPOINTS_PER_SLICE).create;
}

/** `namespace/key=value` for each pair of a label set: the index pods and selectors meet in */
export function labelPairs(namespace: string | undefined, labels: Record<string, string> | undefined): string[] {
  return Object.entries(labels ?? {}).map(([k, v]) => `${namespace ?? ''}/${k}=${v}`);
}

/**
 * Everything of a pod that desiredSlices reads. A pod update that leaves it
 * alone (a status condition the slices do not show, a scheduling failure)
 * cannot change any slice, so it wakes no Service.
 */
export function endpointView(pod: Pod): string {
  return JSON.stringify([
    pod.metadata.labels ?? null, pod.status?.podIP ?? null, isTerminal(pod), isPodReady(pod), pod.metadata.deletionTimestamp ?? null,
    pod.spec.nodeName ?? null, pod.spec.hostname ?? null, pod.spec.subdomain ?? null, pod.spec.containers.map((c) => c.ports ?? null),
  ]);
}

/**
 * `namespace/service` of a slice that `managedBy` manages, else nothing: how
 * each controller of slices (this one, the mirroring one) and the Endpoints
 * controller file them under their Service.
 */
export function managedSliceOf(managedBy: string): (s: EndpointSlice) => string[] {
  return (s) => {
    const svc = s.metadata.labels?.[SERVICE_NAME_LABEL];
    return svc && s.metadata.labels?.[MANAGED_BY_LABEL] === managedBy ? [`${s.metadata.namespace}/${svc}`] : [];
  };
}

const SELECTOR_INDEX = 'selector-label';
const LABEL_INDEX = 'label';
const SERVICE_NAME_INDEX = 'managed-slice-of';
const NODE_INDEX = 'node-name';

export class EndpointSliceController extends Controller {
  private readonly services: Lister<Service>;
  private readonly servicesBySelector: IndexLookup<Service>;
  private readonly podsByLabel: IndexLookup<Pod>;
  private readonly slicesByService: IndexLookup<EndpointSlice>;
  private readonly nodes: Lister<Node>;

  constructor(informers: InformerSource, private readonly client: Client) {
    super('endpointslice-controller', 2);
    const services = informers.informer<Service>('services');
    const pods = informers.informer<Pod>('pods');
    const slices = informers.informer<EndpointSlice>('endpointslices');
    const nodes = informers.informer<Node>('nodes');
    this.services = services;
    this.nodes = nodes;
    // Services under each pair of their selector: a pod's candidates are the
    // Services filed under one of its labels (then matched in full), not every
    // Service of its namespace
    this.servicesBySelector = indexLookup(services, SELECTOR_INDEX, (svc) => labelPairs(svc.metadata.namespace, svc.spec.selector));
    this.podsByLabel = indexLookup(pods, LABEL_INDEX, (p) => labelPairs(p.metadata.namespace, p.metadata.labels));
    const serviceOf = managedSliceOf(MANAGED_BY);
    this.slicesByService = indexLookup(slices, SERVICE_NAME_INDEX, serviceOf);
    services.addHandlers({ add: (s) => this.enqueue(keyOf(s)), update: (_o, s) => this.enqueue(keyOf(s)), delete: (s) => this.enqueue(keyOf(s)) });
    const enqueueSelecting = (pod: Pod, seen: Set<string>) => {
      for (const pair of labelPairs(pod.metadata.namespace, pod.metadata.labels)) {
        for (const svc of this.servicesBySelector.get(pair)) {
          const key = keyOf(svc);
          if (seen.has(key)) continue;
          seen.add(key);
          if (matchesServiceSelector(svc.spec.selector, pod.metadata.labels)) this.enqueue(key);
        }
      }
    };
    const podChanged = (pod: Pod, old?: Pod) => {
      if (old && endpointView(old) === endpointView(pod)) return;
      enqueueSelecting(pod, new Set());
      if (old) enqueueSelecting(old, new Set());
    };
    pods.addHandlers({ add: (p) => podChanged(p), update: (o, p) => podChanged(p, o), delete: (p) => podChanged(p) });
    // A Node's zone is in its pods' endpoints: a Node added after its pods,
    // or relabelled, wakes the Services of those pods. (Upstream's controller
    // picks a new zone up only at the Service's next sync.)
    const podsByNode = indexLookup(pods, NODE_INDEX, (p) => (p.spec.nodeName ? [p.spec.nodeName] : []));
    const zoneChanged = (node: Node) => {
      const seen = new Set<string>();
      for (const pod of podsByNode.get(node.metadata.name!)) enqueueSelecting(pod, seen);
    };
    nodes.addHandlers({
      add: zoneChanged,
      update: (o, n) => { if (o.metadata.labels?.[ZONE_LABEL] !== n.metadata.labels?.[ZONE_LABEL]) zoneChanged(n); },
    });
    const sliceChanged = (s: EndpointSlice) => { for (const key of serviceOf(s)) this.enqueue(key); };
    slices.addHandlers({ update: (_o, s) => sliceChanged(s), delete: sliceChanged });
  }

  /** The pods that may match the selector: those under its rarest pair. */
  private candidatePods(namespace: string | undefined, selector: Record<string, string>): Pod[] {
    let best: string | undefined;
    let bestCount = Infinity;
    for (const pair of labelPairs(namespace, selector)) {
      const n = this.podsByLabel.count(pair);
      if (n < bestCount) { best = pair; bestCount = n; }
    }
    return best === undefined ? [] : this.podsByLabel.get(best);
  }

  protected async sync(key: string): Promise<void> {
    const [namespace, name] = splitKey(key);
    const svc = this.services.get(namespace, name);
    const existing = this.slicesByService.get(`${namespace ?? ''}/${name}`);
    // Service gone: its slices are the garbage collector's (ownerReferences),
    // as upstream, so that --cascade=orphan keeps them
    if (!svc) return;
    if (!svc.spec.selector || Object.keys(svc.spec.selector).length === 0 || svc.spec.type === 'ExternalName') {
      for (const s of existing) await this.deleteSlice(s);
      return;
    }
    // A Service being deleted keeps its slices as they are: the garbage collector removes them
    // (a Foreground deletion waits for that, and must not see them made again)
    if (svc.metadata.deletionTimestamp) return;
    const zoneOf: ZoneOf = (nodeName) => this.nodes.get(undefined, nodeName)?.metadata.labels?.[ZONE_LABEL];
    const desired = desiredEndpoints(svc, this.candidatePods(namespace, svc.spec.selector), zoneOf);
    const labels = sliceLabels(svc);
    const byName = new Map(existing.map((s) => [s.metadata.name!, s]));
    const plan = planSlices(existing.map((s) => ({ name: s.metadata.name!, ports: s.ports ?? [], endpoints: s.endpoints ?? [] })), desired, MAX_ENDPOINTS_PER_SLICE);
    // creates, then updates, then deletes, in the order upstream's reconciler
    // writes them: a slice goes only after the new ones are there
    for (const want of plan.create) {
      await this.client.create<EndpointSlice>({
        apiVersion: 'discovery.k8s.io/v1', kind: 'EndpointSlice',
        metadata: {
          name: `${svc.metadata.name}-${randomSuffix()}`, namespace,
          labels,
          ownerReferences: [{ apiVersion: 'v1', kind: 'Service', name: svc.metadata.name!, uid: svc.metadata.uid!, controller: true, blockOwnerDeletion: true }],
        },
        addressType: 'IPv4', ports: want.ports, endpoints: want.endpoints,
      });
    }
    for (const want of plan.update) {
      const slice = byName.get(want.name)!;
      await this.client.update<EndpointSlice>({ ...slice, metadata: { ...slice.metadata, labels }, ports: want.ports, endpoints: want.endpoints });
    }
    for (const name of plan.unchanged) {
      const slice = byName.get(name)!;
      if (!sameLabels(slice.metadata.labels, labels)) await this.client.update<EndpointSlice>({ ...slice, metadata: { ...slice.metadata, labels } });
    }
    for (const name of plan.delete) await this.deleteSlice(byName.get(name)!);
  }

  private async deleteSlice(s: EndpointSlice): Promise<void> {
    try { await this.client.delete('endpointslices', s.metadata.namespace, s.metadata.name!); }
    catch (err) { if (!isApiError(err, 'NotFound')) throw err; }
  }
}
