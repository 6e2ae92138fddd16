// Gateway API objects → the hosts and routes of podnet's ingress route table,
// with the statuses upstream implementations write. Pure: the same objects in,
// the same translation out.
//
// One merged data plane: every Gateway whose GatewayClass names our
// controllerName (config.ts GATEWAY_CONTROLLER_NAME) is served by the one
// ingress controller's NGINX, beside the Ingresses, on HTTP port 80 and HTTPS
// port 443 only, and shares its LoadBalancer address; several implementations
// merge Gateways like this. So a hostname two Gateways (or a Gateway and an
// Ingress) both serve is one NGINX server whose routes come from all of them,
// and a route attached to only the HTTP or only the HTTPS listener for a name
// carries a scheme condition instead of a port of its own.
//
// The steps, each in its own module:
//   gateway-listeners.ts   which listeners can be served, and their conditions
//   gateway-attachment.ts  parentRef → listeners (sectionName, port, allowedRoutes, hostnames)
//   gateway-hostnames.ts   the Gateway API's hostname intersection
//   gateway-rules.ts       rules → matches, weighted splits, filters
//   gateway-conditions.ts  conditions that keep lastTransitionTime until their status flips
// Statuses are returned only for our objects and only when they change.

import { GATEWAY_GROUP, type Gateway, type GatewayClass, type HTTPRoute, type ParentReference, type ReferenceGrant, type RouteParentStatus } from '../api/gateway-types.js';
import type { Condition, KubeObject, Namespace, Secret } from '../api/types.js';
import { parseAnnotations, type RouteOptions } from './annotations.js';
import type { Backend, ServiceIndex } from './backends.js';
import { attachToGateway, type Attachment, type AttachResult } from './gateway-attachment.js';
import { condition, mergeConditions, ownConditions, statusChanged } from './gateway-conditions.js';
import { evaluateListeners, type ListenerState } from './gateway-listeners.js';
import { placeRoutes, type PlacedHost, type Placement } from './gateway-placement.js';
import { translateRules, type TranslatedRules } from './gateway-rules.js';
import { compareAge, compareRoutes, type CertKeyPair, type HostTls, type IngressRef, type Route } from './route-table.js';

export interface GatewayInput {
  gatewayClasses: readonly GatewayClass[];
  gateways: readonly Gateway[];
  httpRoutes: readonly HTTPRoute[];
  referenceGrants: readonly ReferenceGrant[];
  namespaces: readonly Namespace[];
  secrets: readonly Secret[];
  /** GATEWAY_CONTROLLER_NAME */
  controllerName: string;
  /** the only ports a listener can have: 80 and 443 */
  httpPort: number;
  httpsPort: number;
  /** the controller Service's load-balancer IP, once known */
  address?: string;
  /** RFC 3339, the lastTransitionTime of conditions whose status changed */
  now: string;
  /** as RouteTableInput's: a Secret updated into a malformed one keeps serving these */
  lastValidCerts?: ReadonlyMap<string, CertKeyPair>;
  /** HTTPRoutes (`ns/name`) NGINX refused, with why: not served, and not accepted, until they change */
  refused?: ReadonlyMap<string, string>;
}

export interface GatewayTranslation {
  /** sorted by host; '' is the catch-all */
  hosts: PlacedHost[];
  /** every backend a split uses, sorted by key */
  backends: Backend[];
  gatewayClassStatuses: { name: string; status: GatewayClass['status'] }[];
  gatewayStatuses: { namespace: string; name: string; status: Gateway['status'] }[];
  httpRouteStatuses: { namespace: string; name: string; status: HTTPRoute['status'] }[];
}

/** HTTPRoutes take no annotations: the defaults, and no redirect to HTTPS (a route says where it is served by the listeners it attaches to). */
const GATEWAY_ROUTE_OPTIONS: RouteOptions = { ...parseAnnotations(undefined).options, sslRedirect: false };

interface OurGateway {
  gw: Gateway;
  accepted: boolean;
  listeners: ListenerState[];
  /** listener name → the routes attached to it (`ns/name`) */
  attached: Map<string, Set<string>>;
}

export function translateGateways(input: GatewayInput, index: ServiceIndex): GatewayTranslation {
  const ourClasses = input.gatewayClasses.filter((c) => c.spec.controllerName === input.controllerName);
  const classNames = new Set(ourClasses.map((c) => c.metadata.name));
  const secrets = new Map(input.secrets.map((s) => [`${s.metadata.namespace ?? 'default'}/${s.metadata.name}`, s]));
  const gateways: OurGateway[] = input.gateways.filter((g) => classNames.has(g.spec.gatewayClassName)).sort(compareAge).map((gw) => {
    const accepted = !gw.spec.addresses?.length;
    const listeners = evaluateListeners(gw, { ...input, grants: input.referenceGrants, secrets, gatewayAccepted: accepted });
    return { gw, accepted, listeners, attached: new Map() };
  });
  const byKey = new Map(gateways.map((g) => [objectKey(g.gw), g]));
  const namespaceLabels = new Map(input.namespaces.map((n) => [n.metadata.name ?? '', n.metadata.labels ?? {}]));

  // A listener's own hostname keeps its certificate; of two Gateways' listeners for one name, the oldest Gateway's.
  const certificates = new Map<string, HostTls>();
  for (const g of gateways) for (const l of g.listeners) if (l.serves && l.tls && !certificates.has(l.hostname)) certificates.set(l.hostname, l.tls);
  const placements: Placement[] = [];

  const backends = new Map<string, Backend>();
  const httpRouteStatuses: GatewayTranslation['httpRouteStatuses'] = [];
  for (const route of [...input.httpRoutes].sort(compareAge)) {
    const namespace = route.metadata.namespace ?? 'default';
    const refusal = input.refused?.get(objectKey(route));
    let rules: TranslatedRules | undefined;
    const entries: RouteParentStatus[] = [];
    const served: (Attachment & { siblings: readonly ListenerState[] })[] = [];
    for (const parentRef of route.spec.parentRefs ?? []) {
      if ((parentRef.group ?? GATEWAY_GROUP) !== GATEWAY_GROUP || (parentRef.kind ?? 'Gateway') !== 'Gateway') continue;
      const g = byKey.get(`${parentRef.namespace ?? namespace}/${parentRef.name}`);
      if (!g) continue; // not ours (or not there): another controller's to report
      const result = attachToGateway(route, parentRef, g.gw, g.listeners, (ns) => namespaceLabels.get(ns));
      for (const l of result.attached) (g.attached.get(l.listener.name) ?? g.attached.set(l.listener.name, new Set()).get(l.listener.name)!).add(objectKey(route));
      if (!rules) {
        rules = translateRules(route, index, input.referenceGrants);
        // a refused route keeps what its references say; it serves no rule
        if (refusal !== undefined) rules = { ...rules, rules: [], dropped: [refusal] };
      }
      if (result.accepted && rules.rules.length > 0) served.push(...result.served.map((a) => ({ ...a, siblings: g.listeners })));
      const previous = route.status?.parents?.find((p) => p.controllerName === input.controllerName && sameParent(p.parentRef, parentRef, namespace));
      entries.push({ parentRef, controllerName: input.controllerName, conditions: ownConditions(previous?.conditions, parentConditions(result, rules, route.metadata.generation), input.now) });
    }
    if (rules && served.length > 0) placements.push(...placementsOf(route, rules, served, backends));
    const others = (route.status?.parents ?? []).filter((p) => p.controllerName !== input.controllerName);
    const status = { ...(route.status ?? {}), parents: [...others, ...entries] };
    if (statusChanged({ parents: route.status?.parents ?? [] }, { parents: status.parents })) {
      httpRouteStatuses.push({ namespace, name: route.metadata.name ?? '', status });
    }
  }

  const listenerNames = new Set(gateways.flatMap((g) => g.listeners.filter((l) => l.serves).map((l) => l.hostname)));
  const hosts = placeRoutes(placements, certificates, listenerNames);
  for (const h of hosts) h.routes.sort(compareRoutes);
  return {
    hosts,
    backends: [...backends.values()].sort((a, b) => compareText(a.key, b.key)),
    gatewayClassStatuses: ourClasses.sort(compareAge).flatMap((c) => {
      const accepted = condition('Accepted', true, 'Accepted', `handled by ${input.controllerName}`, c.metadata.generation);
      const status = { ...(c.status ?? {}), conditions: mergeConditions(c.status?.conditions, [accepted], input.now) };
      return statusChanged(c.status, status) ? [{ name: c.metadata.name ?? '', status }] : [];
    }),
    gatewayStatuses: gateways.flatMap((g) => {
      const status = gatewayStatus(g, input);
      return statusChanged(g.gw.status, status) ? [{ namespace: g.gw.metadata.namespace ?? 'default', name: g.gw.metadata.name ?? '', status }] : [];
    }),
    httpRouteStatuses,
  };
}

/**
 * A parent entry's Accepted (and, when some rules were left out, PartiallyInvalid)
 * and ResolvedRefs. Upstream: a route is accepted when at least one of its
 * rules is served; rules left out while others serve mean Accepted True plus
 * PartiallyInvalid True with a message beginning "Dropped Rule"; all of them
 * left out, Accepted False with UnsupportedValue.
 */
function parentConditions(result: AttachResult, rules: TranslatedRules, generation: number | undefined): Condition[] {
  const out: Condition[] = [];
  if (!result.accepted) out.push(condition('Accepted', false, result.reason, result.message, generation));
  else if (rules.rules.length === 0) out.push(condition('Accepted', false, 'UnsupportedValue', `no rule can be served: ${rules.dropped.join('; ')}`, generation));
  else {
    out.push(condition('Accepted', true, 'Accepted', 'the route is served', generation));
    if (rules.dropped.length > 0) out.push(condition('PartiallyInvalid', true, 'UnsupportedValue', `Dropped Rule(s): ${rules.dropped.join('; ')}`, generation));
  }
  const problems = rules.refProblems;
  out.push(problems.length > 0
    ? condition('ResolvedRefs', false, problems[0]!.reason, `${problems.map((p) => p.message).join('; ')}; requests for these backends answer 500`, generation)
    : condition('ResolvedRefs', true, 'ResolvedRefs', 'all backend references resolved', generation));
  return out;
}

/**
 * The route's rules under every name it is served under, with the listeners
 * that give it each name (gateway-placement.ts decides which of them answer).
 */
function placementsOf(route: HTTPRoute, rules: TranslatedRules, served: readonly (Attachment & { siblings: readonly ListenerState[] })[], backends: Map<string, Backend>): Placement[] {
  const ref: IngressRef = { kind: 'HTTPRoute', namespace: route.metadata.namespace ?? 'default', name: route.metadata.name ?? '' };
  const created = route.metadata.creationTimestamp ?? '';
  const routes: Route[] = [];
  for (const rule of rules.rules) {
    for (const w of rule.split) if (w.backend) backends.set(w.backend.key, w.backend);
    for (const m of rule.filters?.mirrors ?? []) backends.set(m.key, m);
    for (const m of rule.matches) {
      routes.push({
        host: '', path: m.path, pathType: m.pathType, kind: m.kind, ingress: ref, options: GATEWAY_ROUTE_OPTIONS, isDefaultBackend: false,
        ...(Object.keys(m.conditions).length > 0 ? { conditions: m.conditions } : {}),
        split: [...rule.split],
        ...(rule.filters ? { filters: rule.filters } : {}),
        ...(rule.timeouts ? { timeouts: rule.timeouts } : {}),
        order: { created, rule: rule.index, match: m.index },
      });
    }
  }
  return [...new Set(served.flatMap((a) => a.hosts))].sort().map((name) => ({
    name, routes,
    via: served.filter((a) => a.hosts.includes(name)).map((a) => ({ listener: a.listener, siblings: a.siblings })),
  }));
}

function gatewayStatus(g: OurGateway, input: GatewayInput): Gateway['status'] {
  const generation = g.gw.metadata.generation;
  const previous = g.gw.status;
  // a listener is not valid when not accepted, conflicted, or with refs it cannot resolve (Programmed follows from those)
  const notValid = (c: Condition) => (c.type === 'Conflicted' ? c.status === 'True' : c.type !== 'Programmed' && c.status === 'False');
  const listenersNotValid = g.listeners.some((l) => l.conditions.some(notValid));
  const accepted = !g.accepted
    ? condition('Accepted', false, 'UnsupportedAddress', 'spec.addresses cannot be honoured: every Gateway of this class shares the ingress controller\'s load-balancer address', generation)
    : condition('Accepted', true, listenersNotValid ? 'ListenersNotValid' : 'Accepted', listenersNotValid ? 'some listeners are not valid; see their conditions' : 'the Gateway is valid', generation);
  const programmed = !g.accepted ? condition('Programmed', false, 'Invalid', 'the Gateway is not accepted', generation)
    : input.address ? condition('Programmed', true, 'Programmed', `served by the ingress controller at ${input.address}`, generation)
      : condition('Programmed', false, 'AddressNotAssigned', 'the ingress controller\'s Service has no load-balancer address yet', generation);
  const { addresses: _old, ...rest } = previous ?? {};
  return {
    ...rest,
    ...(g.accepted && input.address ? { addresses: [{ type: 'IPAddress', value: input.address }] } : {}),
    conditions: mergeConditions(previous?.conditions, [accepted, programmed], input.now),
    listeners: g.listeners.map((l) => ({
      name: l.listener.name,
      supportedKinds: l.supportedKinds,
      attachedRoutes: g.attached.get(l.listener.name)?.size ?? 0,
      conditions: ownConditions(previous?.listeners?.find((p) => p.name === l.listener.name)?.conditions, l.conditions, input.now),
    })),
  };
}

/** Whether a status entry's parentRef is this spec parentRef, defaults applied to both. */
function sameParent(a: ParentReference, b: ParentReference, routeNamespace: string): boolean {
  const norm = (p: ParentReference) => [p.group ?? GATEWAY_GROUP, p.kind ?? 'Gateway', p.namespace ?? routeNamespace, p.name, p.sectionName ?? '', p.port ?? 0].join('\u0000');
  return norm(a) === norm(b);
}

function compareText(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** `ns/name` of a namespaced object: how GatewayInput.refused names a route. */
export function objectKey(o: KubeObject): string {
  return `${o.metadata.namespace ?? 'default'}/${o.metadata.name}`;
}
