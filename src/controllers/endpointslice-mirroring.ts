// v1 Endpoints a user wrote for a Service without a selector → EndpointSlices,
// as upstream's EndpointSlice mirroring controller does, so the proxy, cluster
// DNS and the ingress controller (which read slices only) serve the old
// "Service without selector + Endpoints" pattern. One slice per subset,
// labelled with the Service's name and the mirroring controller's, owned by
// the Endpoints (deleting it deletes them, through the garbage collector).
// Not mirrored: Endpoints of a Service with a selector (the Endpoints
// controller's own), of no Service, or labelled skip-mirror.

import type { Endpoint, EndpointPort, EndpointSlice, Endpoints, Service } from '../api/types.js';
import type { Client } from '../client/client.js';
import { isApiError } from '../errors.js';
import { deepEqual } from '../store/deep-equal.js';
import { Controller } from './controller.js';
import { MANAGED_BY_LABEL, managedSliceOf, SERVICE_NAME_LABEL } from './endpointslice.js';
import { indexLookup, keyOf, splitKey, type IndexLookup, type InformerSource, type Lister } from './informers.js';
import { randomSuffix } from './template-hash.js';

export const MIRRORING_MANAGED_BY = 'endpointslicemirroring-controller.k8s.io';
export const SKIP_MIRROR_LABEL = 'endpointslice.kubernetes.io/skip-mirror';

export const MAX_MIRRORED_PER_SUBSET = 1000;

export interface MirroredSlice { ports: EndpointPort[]; endpoints: Endpoint[] }

/** The slices an Endpoints object stands for: one per subset with addresses, its first 1,000 (ready ones first). */
export function mirroredSlices(ep: Endpoints): MirroredSlice[] {
  const out: MirroredSlice[] = [];
  for (const subset of ep.subsets ?? []) {
    const endpoints: Endpoint[] = [];
    for (const [list, ready] of [[subset.addresses, true], [subset.notReadyAddresses, false]] as const) {
      for (const a of list ?? []) {
        endpoints.push({
          addresses: [a.ip], conditions: { ready },
          ...(a.hostname ? { hostname: a.hostname } : {}), ...(a.nodeName ? { nodeName: a.nodeName } : {}), ...(a.targetRef ? { targetRef: a.targetRef } : {}),
        });
      }
    }
    if (endpoints.length === 0) continue;
    // upstream's --mirroring-max-endpoints-per-subset: a slice holds at most 1,000 endpoints
    endpoints.splice(MAX_MIRRORED_PER_SUBSET);
    const ports = (subset.ports ?? []).map((p) => ({ name: p.name ?? '', port: p.port, protocol: p.protocol ?? 'TCP', ...(p.appProtocol ? { appProtocol: p.appProtocol } : {}) }));
    out.push({ ports, endpoints });
  }
  return out;
}

/** Whether this Endpoints is to be mirrored for this Service. */
export function shouldMirror(svc: Service | undefined, ep: Endpoints | undefined): boolean {
  if (!svc || !ep || svc.spec.type === 'ExternalName') return false;
  if (svc.spec.selector && Object.keys(svc.spec.selector).length > 0) return false;
  return ep.metadata.labels?.[SKIP_MIRROR_LABEL] !== 'true';
}

const MIRRORED_INDEX = 'mirrored-for-service';

export class EndpointSliceMirroringController extends Controller {
  private readonly services: Lister<Service>;
  private readonly endpoints: Lister<Endpoints>;
  private readonly mirrored: IndexLookup<EndpointSlice>;

  constructor(informers: InformerSource, private readonly client: Client) {
    super('endpointslice-mirroring-controller', 1);
    const services = informers.informer<Service>('services');
    const endpoints = informers.informer<Endpoints>('endpoints');
    const slices = informers.informer<EndpointSlice>('endpointslices');
    this.services = services;
    this.endpoints = endpoints;
    const serviceOf = managedSliceOf(MIRRORING_MANAGED_BY);
    this.mirrored = indexLookup(slices, MIRRORED_INDEX, serviceOf);
    const enqueue = (o: Service | Endpoints) => this.enqueue(keyOf(o));
    services.addHandlers({ add: enqueue, update: (_o, s) => enqueue(s), delete: enqueue });
    endpoints.addHandlers({ add: enqueue, update: (_o, e) => enqueue(e), delete: enqueue });
    const sliceChanged = (s: EndpointSlice) => { for (const key of serviceOf(s)) this.enqueue(key); };
    slices.addHandlers({ update: (_o, s) => sliceChanged(s), delete: sliceChanged });
  }

  protected async sync(key: string): Promise<void> {
    const [namespace, name] = splitKey(key);
    const svc = this.services.get(namespace, name);
    const ep = this.endpoints.get(namespace, name);
    const existing = [...this.mirrored.get(`${namespace}/${name}`)].sort((a, b) => a.metadata.name!.localeCompare(b.metadata.name!));
    const desired = shouldMirror(svc, ep) && !ep!.metadata.deletionTimestamp ? mirroredSlices(ep!) : [];
    const unused = existing;
    // the Endpoints' labels follow it to its slices on every change, as upstream's mirroring does
    const labels = ep ? { ...(ep.metadata.labels ?? {}), [SERVICE_NAME_LABEL]: name, [MANAGED_BY_LABEL]: MIRRORING_MANAGED_BY } : {};
    for (const want of desired) {
      const slice = unused.shift();
      if (slice) {
        if (deepEqual(slice.ports ?? [], want.ports) && deepEqual(slice.endpoints ?? [], want.endpoints) && deepEqual(slice.metadata.labels ?? {}, labels)) continue;
        await this.client.update<EndpointSlice>({ ...slice, metadata: { ...slice.metadata, labels }, ports: want.ports, endpoints: want.endpoints });
        continue;
      }
      await this.client.create<EndpointSlice>({
        apiVersion: 'discovery.k8s.io/v1', kind: 'EndpointSlice',
        metadata: {
          name: `${name}-${randomSuffix()}`, namespace,
          labels,
          ownerReferences: [{ apiVersion: 'v1', kind: 'Endpoints', name, uid: ep!.metadata.uid!, controller: true, blockOwnerDeletion: true }],
        },
        addressType: 'IPv4', ports: want.ports, endpoints: want.endpoints,
      });
    }
    for (const s of unused) {
      try { await this.client.delete('endpointslices', s.metadata.namespace, s.metadata.name!); }
      catch (err) { if (!isApiError(err, 'NotFound')) throw err; }
    }
  }
}
