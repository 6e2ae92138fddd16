// Service selector → EndpointSlices, as upstream's EndpointSlice controller:
// pods grouped by the ports their named targetPorts resolve to, at most
// MAX_ENDPOINTS_PER_SLICE per slice, each endpoint with ready / serving /
// terminating. Services without a selector keep the slices their users wrote.

import type { Endpoint, EndpointPort, EndpointSlice, Pod, Service, ServicePort } from '../api/types.js';
import { isPodReady, isTerminal } from '../api/pod-helpers.js';
import { matchesServiceSelector } from '../api/labels.js';
import type { Client } from '../client/client.js';
import { isApiError } from '../errors.js';
import { Controller } from './controller.js';
import { keyOf, splitKey, type InformerSource, type Lister } from './informers.js';
import { randomSuffix } from './template-hash.js';

export const SERVICE_NAME_LABEL = 'kubernetes.io/service-name';
export const MANAGED_BY_LABEL = 'endpointslice.kubernetes.io/managed-by';
export const MANAGED_BY = 'endpointslice-controller.k8s.io';
export const MAX_ENDPOINTS_PER_SLICE = 100;

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

export function endpointForPod(svc: Service, pod: Pod): Endpoint {
  const terminating = !!pod.metadata.deletionTimestamp;
  const ready = isPodReady(pod);
  const publish = !!svc.spec.publishNotReadyAddresses;
  const ep: Endpoint = {
    addresses: [pod.status!.podIP!],
    conditions: { ready: publish || (ready && !terminating), serving: publish || ready, terminating },
    targetRef: { kind: 'Pod', namespace: pod.metadata.namespace, name: pod.metadata.name, uid: pod.metadata.uid },
  };
  if (pod.spec.nodeName) ep.nodeName = pod.spec.nodeName;
  // Upstream sets hostname only when the pod asked to be addressable under this Service.
  if (pod.spec.hostname && pod.spec.subdomain === svc.metadata.name) ep.hostname = pod.spec.hostname;
  return ep;
}

export interface DesiredSlice { ports: EndpointPort[]; endpoints: Endpoint[] }

/** Pure: the slices a Service should have, given the pods of its namespace. */
export function desiredSlices(svc: Service, pods: Pod[]): DesiredSlice[] {
  const groups = new Map<string, DesiredSlice>();
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
    group.endpoints.push(endpointForPod(svc, pod));
  }
  const out: DesiredSlice[] = [];
  for (const g of [...groups.values()].sort((a, b) => JSON.stringify(a.ports).localeCompare(JSON.stringify(b.ports)))) {
    for (let i = 0; i < g.endpoints.length; i += MAX_ENDPOINTS_PER_SLICE) {
      out.push({ ports: g.ports, endpoints: g.endpoints.slice(i, i + MAX_ENDPOINTS_PER_SLICE) });
    }
  }
  // A Service with no endpoints still gets one empty slice, as upstream does.
  if (out.length === 0) {
    out.push({ ports: (svc.spec.ports ?? []).filter((sp) => typeof sp.targetPort !== 'string' || /^\d+$/.test(sp.targetPort)).map((sp) => ({ name: sp.name ?? '', port: Number(sp.targetPort ?? sp.port), protocol: sp.protocol ?? 'TCP' })), endpoints: [] });
  }
  return out;
}

export class EndpointSliceController extends Controller {
  private readonly services: Lister<Service>;
  private readonly pods: Lister<Pod>;
  private readonly slices: Lister<EndpointSlice>;

  constructor(informers: InformerSource, private readonly client: Client) {
    super('endpointslice-controller', 2);
    const services = informers.informer<Service>('services');
    const pods = informers.informer<Pod>('pods');
    const slices = informers.informer<EndpointSlice>('endpointslices');
    this.services = services;
    this.pods = pods;
    this.slices = slices;
    services.addHandlers({ add: (s) => this.enqueue(keyOf(s)), update: (_o, s) => this.enqueue(keyOf(s)), delete: (s) => this.enqueue(keyOf(s)) });
    const podChanged = (pod: Pod, old?: Pod) => {
      for (const svc of this.services.list(pod.metadata.namespace)) {
        if (matchesServiceSelector(svc.spec.selector, pod.metadata.labels) || (old && matchesServiceSelector(svc.spec.selector, old.metadata.labels))) this.enqueue(keyOf(svc));
      }
    };
    pods.addHandlers({ add: (p) => podChanged(p), update: (o, p) => podChanged(p, o), delete: (p) => podChanged(p) });
    const sliceChanged = (s: EndpointSlice) => {
      const svc = s.metadata.labels?.[SERVICE_NAME_LABEL];
      if (svc && s.metadata.labels?.[MANAGED_BY_LABEL] === MANAGED_BY) this.enqueue(`${s.metadata.namespace}/${svc}`);
    };
    slices.addHandlers({ update: (_o, s) => sliceChanged(s), delete: sliceChanged });
  }

  protected async sync(key: string): Promise<void> {
    const [namespace, name] = splitKey(key);
    const svc = this.services.get(namespace, name);
    const existing = this.slices.list(namespace).filter((s) => s.metadata.labels?.[SERVICE_NAME_LABEL] === name && s.metadata.labels?.[MANAGED_BY_LABEL] === MANAGED_BY);
    // Service gone: its slices go with it (also covered by ownerReferences).
    if (!svc || !svc.spec.selector || Object.keys(svc.spec.selector).length === 0 || svc.spec.type === 'ExternalName') {
      for (const s of existing) await this.deleteSlice(s);
      return;
    }
    const desired = desiredSlices(svc, this.pods.list(namespace));
    const unused = [...existing].sort((a, b) => a.metadata.name!.localeCompare(b.metadata.name!));
    for (const want of desired) {
      // Prefer reusing a slice with the same ports so consumers see updates, not churn.
      let i = unused.findIndex((s) => JSON.stringify(s.ports ?? []) === JSON.stringify(want.ports));
      if (i < 0) i = unused.length > 0 ? 0 : -1;
      if (i >= 0) {
        const slice = unused.splice(i, 1)[0]!;
        if (JSON.stringify(slice.ports ?? []) === JSON.stringify(want.ports) && JSON.stringify(slice.endpoints ?? []) === JSON.stringify(want.endpoints)) continue;
        await this.client.update<EndpointSlice>({ ...slice, ports: want.ports, endpoints: want.endpoints });
      } else {
        await this.client.create<EndpointSlice>({
          apiVersion: 'discovery.k8s.io/v1', kind: 'EndpointSlice',
          metadata: {
            name: `${svc.metadata.name}-${randomSuffix()}`, namespace,
            labels: { [SERVICE_NAME_LABEL]: svc.metadata.name!, [MANAGED_BY_LABEL]: MANAGED_BY },
            ownerReferences: [{ apiVersion: 'v1', kind: 'Service', name: svc.metadata.name!, uid: svc.metadata.uid!, controller: true, blockOwnerDeletion: true }],
          },
          addressType: 'IPv4', ports: want.ports, endpoints: want.endpoints,
        });
      }
    }
    for (const s of unused) await this.deleteSlice(s);
  }

  private async deleteSlice(s: EndpointSlice): Promise<void> {
    try { await this.client.delete('endpointslices', s.metadata.namespace, s.metadata.name!); }
    catch (err) { if (!isApiError(err, 'NotFound')) throw err; }
  }
}
