// The ingress controller's side of the Gateway API: informers on
// GatewayClass, Gateway, HTTPRoute, ReferenceGrant and Namespace (for
// allowedRoutes selectors), the translation's input from their caches, and
// the statuses it computes written back. Every Gateway of our class is
// served by this controller's one NGINX (gateway-routes.ts).
//
// An HTTPRoute whose rendered lines NGINX refuses is left out until it
// changes (a new generation, or deleted and made again), not accepted, with a
// Warning Event, as a broken Ingress falls back: one route cannot freeze the
// others.

import type { KubeObject, Namespace, Secret } from '../api/types.js';
import { nowRFC3339 } from '../api/pod-helpers.js';
import type { Gateway, GatewayClass, HTTPRoute, ReferenceGrant } from '../api/gateway-types.js';
import { GATEWAY_GROUP } from '../api/gateway-types.js';
import type { Client } from '../client/client.js';
import { Informer } from '../client/informer.js';
import { GATEWAY_CONTROLLER_NAME } from '../config.js';
import type { ServiceIndex } from './backends.js';
import { objectKey, translateGateways, type GatewayTranslation } from './gateway-routes.js';
import { refKey, type CertKeyPair, type IngressRef } from './route-table.js';
import { oneLine } from './last-good.js';
import { recordEvent } from './controller-events.js';

export const GATEWAY_EVENT_SOURCE = 'podnet-gateway-controller';

export interface GatewayWatchOptions {
  client: Client;
  log: (msg: string) => void;
  /** a change that can alter the routes (not our own status writes) */
  onChange: () => void;
  httpPort: number;
  httpsPort: number;
  now: () => Date;
}

export class GatewayWatch {
  readonly classes: Informer<GatewayClass>;
  readonly gateways: Informer<Gateway>;
  readonly routes: Informer<HTTPRoute>;
  readonly grants: Informer<ReferenceGrant>;
  readonly namespaces: Informer<Namespace>;
  /** HTTPRoutes NGINX refused, by uid: the generation refused and why; left out until they change */
  private readonly refused = new Map<string, { generation: number; why: string }>();
  /** the uid and generation of each route the last translation rendered (`ns/name` →): what a refusal is about */
  private rendered = new Map<string, { uid: string; generation: number }>();

  constructor(private readonly o: GatewayWatchOptions) {
    const { client, log } = o;
    this.classes = new Informer<GatewayClass>(client, 'gatewayclasses', { log });
    this.gateways = new Informer<Gateway>(client, 'gateways', { log });
    this.routes = new Informer<HTTPRoute>(client, 'httproutes', { log });
    this.grants = new Informer<ReferenceGrant>(client, 'referencegrants', { log });
    this.namespaces = new Informer<Namespace>(client, 'namespaces', { log });
    // Our status writes bump no generation: only spec (and label) changes re-render.
    const specChanged = (a: KubeObject, b: KubeObject) => a.metadata.generation !== b.metadata.generation
      || JSON.stringify(a.metadata.labels ?? {}) !== JSON.stringify(b.metadata.labels ?? {});
    for (const inf of [this.classes, this.gateways, this.routes] as unknown as Informer<KubeObject>[]) {
      inf.onAdd(o.onChange).onDelete(o.onChange).onUpdate((a, b) => { if (specChanged(a, b)) o.onChange(); });
    }
    this.grants.onAdd(o.onChange).onDelete(o.onChange).onUpdate(o.onChange);
    this.namespaces.onAdd(o.onChange).onDelete(o.onChange).onUpdate((a, b) => { if (specChanged(a, b)) o.onChange(); });
  }

  private all(): Informer<KubeObject>[] {
    return [this.classes, this.gateways, this.routes, this.grants, this.namespaces] as unknown as Informer<KubeObject>[];
  }

  start(): Promise<unknown> {
    for (const inf of this.all()) inf.start();
    return Promise.all(this.all().map((i) => i.synced));
  }

  stop(): void {
    for (const inf of this.all()) inf.stop();
  }

  translate(index: ServiceIndex, secrets: readonly Secret[], address: string | undefined, lastValidCerts: ReadonlyMap<string, CertKeyPair>): GatewayTranslation {
    const routes = this.routes.list();
    const refused = new Map<string, string>();
    const current = new Set<string>();
    this.rendered = new Map();
    for (const r of routes) {
      const uid = r.metadata.uid ?? key(r);
      current.add(uid);
      this.rendered.set(key(r), { uid, generation: r.metadata.generation ?? 1 });
      const entry = this.refused.get(uid);
      if (entry && entry.generation !== (r.metadata.generation ?? 1)) this.refused.delete(uid);
      else if (entry) refused.set(objectKey(r), entry.why);
    }
    for (const uid of [...this.refused.keys()]) if (!current.has(uid)) this.refused.delete(uid);
    return translateGateways({
      gatewayClasses: this.classes.list(), gateways: this.gateways.list(), httpRoutes: routes, refused,
      referenceGrants: this.grants.list(), namespaces: this.namespaces.list(), secrets,
      controllerName: GATEWAY_CONTROLLER_NAME, httpPort: this.o.httpPort, httpsPort: this.o.httpsPort,
      ...(address ? { address } : {}), now: nowRFC3339(this.o.now()), lastValidCerts,
    }, index);
  }

  /** The HTTPRoutes among these culprits of a refused conf: left out from now on (true if there were any). */
  async refuse(culprits: readonly IngressRef[], error: string): Promise<boolean> {
    let any = false;
    for (const ref of culprits) {
      if (ref.kind !== 'HTTPRoute') continue;
      // the version NGINX was given, not the one in the cache now: a fix made while it checked is not refused with it
      const rendered = this.rendered.get(refKey(ref));
      const route = this.routes.get(ref.namespace, ref.name);
      if (!rendered || !route) continue;
      any = true;
      this.refused.set(rendered.uid, { generation: rendered.generation, why: `nginx rejected the configuration rendered from this route: ${oneLine(error)}` });
      this.o.log(`nginx rejected the configuration rendered from ${refKey(ref)}; it is left out until it changes: ${oneLine(error)}`);
      await this.event(route, 'Warning', 'RejectedConfig', `nginx rejected the configuration rendered from this HTTPRoute; it is not served until it changes: ${oneLine(error)}`);
    }
    return any;
  }

  /** Write the statuses the translation computed (only those that changed; the others' entries in a route's parents are kept). */
  async writeStatuses(t: GatewayTranslation): Promise<void> {
    const write = async (plural: string, namespace: string | undefined, name: string, status: object | undefined) => {
      const current = (plural === 'gatewayclasses' ? this.classes : plural === 'gateways' ? this.gateways : this.routes).get(namespace, name);
      try {
        await this.o.client.patch(plural, namespace, name, { status: statusPatch(current?.status as object | undefined, status ?? {}) }, { subresource: 'status' });
      } catch (e) {
        this.o.log(`could not update status of ${plural} ${namespace ? `${namespace}/` : ''}${name}: ${(e as Error).message}`);
      }
    };
    for (const s of t.gatewayClassStatuses) await write('gatewayclasses', undefined, s.name, s.status);
    for (const s of t.gatewayStatuses) await write('gateways', s.namespace, s.name, s.status);
    for (const s of t.httpRouteStatuses) await write('httproutes', s.namespace, s.name, s.status);
  }

  private async event(route: HTTPRoute, type: 'Normal' | 'Warning', reason: string, message: string): Promise<void> {
    await recordEvent({ client: this.o.client, source: GATEWAY_EVENT_SOURCE, now: this.o.now, log: this.o.log }, {
      apiVersion: `${GATEWAY_GROUP}/v1`, kind: 'HTTPRoute', namespace: route.metadata.namespace ?? 'default', name: route.metadata.name!,
      ...(route.metadata.uid ? { uid: route.metadata.uid } : {}),
    }, type, reason, message);
  }
}

/**
 * A merge patch (RFC 7386) from one status to the next: a field the next one
 * leaves out (a Gateway's addresses once it has none) is removed with null,
 * not kept as a merge would keep it.
 */
export function statusPatch(current: object | undefined, next: object): Record<string, unknown> {
  const patch: Record<string, unknown> = { ...next };
  for (const k of Object.keys(current ?? {})) if (!(k in next)) patch[k] = null;
  return patch;
}

function key(r: HTTPRoute): string {
  return refKey({ kind: 'HTTPRoute', namespace: r.metadata.namespace ?? 'default', name: r.metadata.name ?? '' });
}
