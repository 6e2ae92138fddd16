// Service → v1 Endpoints, as upstream's Endpoints controller keeps them for
// clients that still read the older shape (`kubectl get endpoints`, the
// "Debug Services" page). Computed from the Service's own EndpointSlices, not
// from pods again: the same addresses, grouped by port set into subsets,
// ready ones under `addresses`, the rest (not terminating) under
// `notReadyAddresses`. Only Services with a selector: a selectorless
// Service's Endpoints are its user's (endpointslice-mirroring.ts turns them
// into slices). Deleting the Service deletes the Endpoints this controller wrote.

import type { EndpointAddress, EndpointSlice, Endpoints, EndpointSubset, Service } from '../api/types.js';
import type { Client } from '../client/client.js';
import { isApiError } from '../errors.js';
import { deepEqual } from '../store/deep-equal.js';
import { Controller } from './controller.js';
import { HEADLESS_LABEL, isHeadless, MANAGED_BY, managedSliceOf } from './endpointslice.js';
import { indexLookup, keyOf, splitKey, type IndexLookup, type InformerSource, type Lister } from './informers.js';

/** upstream's LabelManagedBy for Endpoints, and the value its controller writes */
export const ENDPOINTS_MANAGED_BY_LABEL = 'endpoints.kubernetes.io/managed-by';
export const ENDPOINTS_MANAGED_BY = 'endpoint-controller';

const byIp = (a: EndpointAddress, b: EndpointAddress) => (a.ip < b.ip ? -1 : a.ip > b.ip ? 1 : 0);

/**
 * The subsets the Service's slices describe, one per port set, addresses
 * sorted (RepackSubsets). A slice without ports holds the pods none of the
 * Service's ports resolved on (a named targetPort the pod lacks): upstream's
 * Endpoints controller skips a pod for each port FindPort fails on, so those
 * are no address at all. Only a headless Service without ports
 * (`portless`) has its addresses in a subset without ports.
 */
export function endpointsSubsets(slices: readonly EndpointSlice[], publishNotReady = false, portless = false): EndpointSubset[] {
  const byPorts = new Map<string, EndpointSubset & { addresses: EndpointAddress[]; notReadyAddresses: EndpointAddress[] }>();
  for (const slice of slices) {
    if (slice.addressType !== 'IPv4') continue;
    if (!portless && (slice.ports ?? []).length === 0) continue;
    const ports = (slice.ports ?? []).map((p) => ({ ...(p.name ? { name: p.name } : {}), port: p.port ?? 0, protocol: p.protocol ?? 'TCP', ...(p.appProtocol ? { appProtocol: p.appProtocol } : {}) }))
      .sort((a, b) => (a.name ?? '').localeCompare(b.name ?? ''));
    const key = JSON.stringify(ports);
    let subset = byPorts.get(key);
    if (!subset) byPorts.set(key, subset = { addresses: [], notReadyAddresses: [], ports });
    for (const ep of slice.endpoints ?? []) {
      const c = ep.conditions ?? {};
      if (c.terminating && !publishNotReady) continue;
      for (const ip of ep.addresses) {
        const address: EndpointAddress = { ip, ...(ep.hostname ? { hostname: ep.hostname } : {}), ...(ep.nodeName ? { nodeName: ep.nodeName } : {}), ...(ep.targetRef ? { targetRef: ep.targetRef } : {}) };
        (c.ready !== false || publishNotReady ? subset.addresses : subset.notReadyAddresses).push(address);
      }
    }
  }
  return [...byPorts.values()]
    .filter((s) => s.addresses.length + s.notReadyAddresses.length > 0)
    .map((s) => ({
      ...(s.addresses.length ? { addresses: s.addresses.sort(byIp) } : {}),
      ...(s.notReadyAddresses.length ? { notReadyAddresses: s.notReadyAddresses.sort(byIp) } : {}),
      ...(s.ports?.length ? { ports: s.ports } : {}),
    }))
    .sort((a, b) => JSON.stringify(a.ports ?? []).localeCompare(JSON.stringify(b.ports ?? [])));
}

/** The Service's labels, plus the controller's own and the headless marker (as the slices get them). */
export function endpointsLabels(svc: Service): Record<string, string> {
  const labels: Record<string, string> = { ...(svc.metadata.labels ?? {}) };
  delete labels[HEADLESS_LABEL];
  if (isHeadless(svc)) labels[HEADLESS_LABEL] = '';
  labels[ENDPOINTS_MANAGED_BY_LABEL] = ENDPOINTS_MANAGED_BY;
  return labels;
}

const OURS_INDEX = 'endpoints-of-service';

export class EndpointsController extends Controller {
  private readonly services: Lister<Service>;
  private readonly endpoints: Lister<Endpoints>;
  private readonly slicesByService: IndexLookup<EndpointSlice>;

  constructor(informers: InformerSource, private readonly client: Client) {
    super('endpoints-controller', 2);
    const services = informers.informer<Service>('services');
    const endpoints = informers.informer<Endpoints>('endpoints');
    const slices = informers.informer<EndpointSlice>('endpointslices');
    this.services = services;
    this.endpoints = endpoints;
    const serviceOf = managedSliceOf(MANAGED_BY);
    this.slicesByService = indexLookup(slices, OURS_INDEX, serviceOf);
    const enqueue = (o: Service | Endpoints) => this.enqueue(keyOf(o));
    services.addHandlers({ add: enqueue, update: (_o, s) => enqueue(s), delete: enqueue });
    // someone else's write to an Endpoints this controller keeps is put right again
    endpoints.addHandlers({ update: (_o, e) => { if (e.metadata.labels?.[ENDPOINTS_MANAGED_BY_LABEL] === ENDPOINTS_MANAGED_BY) enqueue(e); }, delete: enqueue });
    const sliceChanged = (s: EndpointSlice) => { for (const key of serviceOf(s)) this.enqueue(key); };
    slices.addHandlers({ add: sliceChanged, update: (_o, s) => sliceChanged(s), delete: sliceChanged });
  }

  protected async sync(key: string): Promise<void> {
    const [namespace, name] = splitKey(key);
    const svc = this.services.get(namespace, name);
    const current = this.endpoints.get(namespace, name);
    const ours = current?.metadata.labels?.[ENDPOINTS_MANAGED_BY_LABEL] === ENDPOINTS_MANAGED_BY;
    if (!svc || !svc.spec.selector || Object.keys(svc.spec.selector).length === 0 || svc.spec.type === 'ExternalName') {
      if (current && ours) await this.remove(current);
      return;
    }
    if (svc.metadata.deletionTimestamp) return;
    const portless = (svc.spec.ports ?? []).length === 0 && isHeadless(svc);
    const subsets = endpointsSubsets(this.slicesByService.get(`${namespace}/${name}`), svc.spec.publishNotReadyAddresses === true, portless);
    const labels = endpointsLabels(svc);
    if (!current) {
      try {
        await this.client.create<Endpoints>({ apiVersion: 'v1', kind: 'Endpoints', metadata: { name, namespace, labels }, ...(subsets.length ? { subsets } : {}) });
      } catch (err) { if (!isApiError(err, 'AlreadyExists')) throw err; }
      return;
    }
    if (deepEqual(current.subsets ?? [], subsets) && deepEqual(current.metadata.labels ?? {}, labels)) return;
    const { subsets: _old, ...rest } = current;
    await this.client.update<Endpoints>({ ...rest, metadata: { ...current.metadata, labels }, ...(subsets.length ? { subsets } : {}) });
  }

  private async remove(ep: Endpoints): Promise<void> {
    try { await this.client.delete('endpoints', ep.metadata.namespace, ep.metadata.name!, { preconditions: { uid: ep.metadata.uid! } }); }
    catch (err) { if (!isApiError(err, 'NotFound') && !isApiError(err, 'Conflict')) throw err; }
  }
}
