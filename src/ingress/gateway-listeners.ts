// What each listener of one of our Gateways is worth: whether podnet can serve
// it and, if not, the reasons upstream defines for its status. Every Gateway
// of our class shares the ingress controller's one NGINX, which listens on
// HTTP port 80 and HTTPS port 443 and nothing else, so a listener is served
// only as HTTP on the HTTP port or as HTTPS (TLS terminated, a certificate
// resolved) on the HTTPS port, and only when no other listener of its Gateway
// claims the same port and hostname. A listener that is not served takes no
// routes: their parent entries say why.

import { GATEWAY_GROUP, type Gateway, type Listener, type ReferenceGrant, type RouteGroupKind } from '../api/gateway-types.js';
import type { Condition, Secret } from '../api/types.js';
import { secretKeyPair } from './certificate-names.js';
import { condition } from './gateway-conditions.js';
import { referenceAllowed } from './gateway-reference-grants.js';
import { normalizeHost } from './hosts.js';
import type { CertKeyPair, HostTls } from './route-table.js';

const HTTP_ROUTE_KIND: RouteGroupKind = { group: GATEWAY_GROUP, kind: 'HTTPRoute' };

export interface ListenerContext {
  httpPort: number;
  httpsPort: number;
  grants: readonly ReferenceGrant[];
  /** by `ns/name` */
  secrets: ReadonlyMap<string, Secret>;
  lastValidCerts?: ReadonlyMap<string, CertKeyPair>;
  /** false when the Gateway itself is not accepted: then none of its listeners is served */
  gatewayAccepted: boolean;
}

export interface ListenerState {
  listener: Listener;
  /** normalized; '' for a listener without hostname (any) */
  hostname: string;
  protocol: 'HTTP' | 'HTTPS' | undefined;
  /** HTTPRoute is among the kinds it allows (its allowedRoutes.kinds, or none given) */
  allowsHTTPRoute: boolean;
  supportedKinds: RouteGroupKind[];
  /** Accepted, Programmed, ResolvedRefs, Conflicted (without lastTransitionTime) */
  conditions: Condition[];
  /** accepted, not conflicted, of an accepted Gateway, and (HTTPS) with a certificate to serve */
  serves: boolean;
  /** HTTPS: the certificate served for its hostname */
  tls?: HostTls;
}

interface Problem { reason: string; message: string }

export function evaluateListeners(gw: Gateway, ctx: ListenerContext): ListenerState[] {
  const generation = gw.metadata.generation;
  const listeners = gw.spec.listeners ?? [];
  return listeners.map((l) => {
    const protocol = supportedProtocol(l);
    const accept = acceptProblem(l, protocol, ctx);
    const conflict = conflictProblem(l, listeners);
    const kinds = routeKinds(l, protocol);
    const cert = protocol === 'HTTPS' ? listenerCertificate(gw, l, ctx) : {};
    const refs = cert.problem ?? kinds.problem;
    const serves = ctx.gatewayAccepted && !accept && !conflict && (protocol === 'HTTP' || !!cert.tls?.cert);
    const notServed = !ctx.gatewayAccepted ? 'its Gateway is not accepted'
      : accept ? accept.message : conflict ? conflict.message : refs?.message ?? '';
    return {
      listener: l,
      hostname: normalizeHost(l.hostname),
      protocol,
      allowsHTTPRoute: kinds.supported.length > 0,
      supportedKinds: kinds.supported,
      conditions: [
        condition('Accepted', !accept, accept?.reason ?? 'Accepted', accept?.message ?? 'the listener is valid', generation),
        condition('Programmed', serves, serves ? 'Programmed' : 'Invalid', serves ? 'served by the ingress controller\'s NGINX' : `not served: ${notServed}`, generation),
        condition('ResolvedRefs', !refs, refs?.reason ?? 'ResolvedRefs', refs?.message ?? 'all references resolved', generation),
        condition('Conflicted', !!conflict, conflict?.reason ?? 'NoConflicts', conflict?.message ?? 'no conflicts with other listeners', generation),
      ],
      serves,
      ...(cert.tls ? { tls: cert.tls } : {}),
    };
  });
}

/** HTTP, or HTTPS that terminates TLS here; TLS, TCP, UDP and HTTPS passthrough need a stream proxy podnet does not run. */
function supportedProtocol(l: Listener): ListenerState['protocol'] {
  if (l.protocol === 'HTTP') return 'HTTP';
  if (l.protocol === 'HTTPS' && (l.tls?.mode ?? 'Terminate') === 'Terminate') return 'HTTPS';
  return undefined;
}

function acceptProblem(l: Listener, protocol: ListenerState['protocol'], ctx: ListenerContext): Problem | undefined {
  if (!protocol) {
    const what = l.protocol === 'HTTPS' ? 'HTTPS with TLS passthrough' : `protocol ${l.protocol}`;
    return { reason: 'UnsupportedProtocol', message: `${what} is not supported: podnet serves HTTP and HTTPS (TLS terminated) only` };
  }
  const port = protocol === 'HTTP' ? ctx.httpPort : ctx.httpsPort;
  if (l.port !== port) {
    return { reason: 'PortUnavailable', message: `port ${l.port} is not available: every Gateway of this class shares one NGINX, which serves ${protocol} on port ${port} only` };
  }
  return undefined;
}

/** Listeners of one Gateway on one port must differ in protocol-compatibility and hostname (Listener: "distinct"). */
function conflictProblem(l: Listener, all: readonly Listener[]): Problem | undefined {
  const samePort = all.filter((o) => o !== l && o.port === l.port);
  const other = samePort.find((o) => o.protocol !== l.protocol);
  if (other) return { reason: 'ProtocolConflict', message: `listener ${other.name} uses port ${l.port} with protocol ${other.protocol}` };
  const twin = samePort.find((o) => normalizeHost(o.hostname) === normalizeHost(l.hostname));
  if (twin) return { reason: 'HostnameConflict', message: `listener ${twin.name} uses port ${l.port} with the same hostname${l.hostname ? ` ${l.hostname}` : ' (none)'}` };
  return undefined;
}

function routeKinds(l: Listener, protocol: ListenerState['protocol']): { supported: RouteGroupKind[]; problem?: Problem } {
  if (!protocol) return { supported: [] };
  const wanted = l.allowedRoutes?.kinds ?? [];
  if (wanted.length === 0) return { supported: [HTTP_ROUTE_KIND] };
  const isHTTPRoute = (k: RouteGroupKind) => (k.group ?? GATEWAY_GROUP) === GATEWAY_GROUP && k.kind === 'HTTPRoute';
  const supported = wanted.some(isHTTPRoute) ? [HTTP_ROUTE_KIND] : [];
  const invalid = wanted.filter((k) => !isHTTPRoute(k));
  if (invalid.length === 0) return { supported };
  const names = invalid.map((k) => `${k.group ?? GATEWAY_GROUP}/${k.kind}`).join(', ');
  return { supported, problem: { reason: 'InvalidRouteKinds', message: `route kinds not supported on an ${protocol} listener: ${names} (only HTTPRoute is)` } };
}

/**
 * An HTTPS listener's first certificateRef, a Secret holding a PEM tls.crt and
 * its tls.key (as route-table.ts reads an Ingress's). A Secret of another
 * namespace needs a ReferenceGrant from Gateways of this one. A Secret that
 * served and is now malformed keeps serving its last valid pair, as for Ingress.
 */
function listenerCertificate(gw: Gateway, l: Listener, ctx: ListenerContext): { tls?: HostTls; problem?: Problem } {
  const ref = l.tls?.certificateRefs?.[0];
  const invalid = (message: string): Problem => ({ reason: 'InvalidCertificateRef', message });
  if (!ref) return { problem: invalid('an HTTPS listener that terminates TLS needs tls.certificateRefs') };
  if ((ref.group ?? '') !== '' || (ref.kind ?? 'Secret') !== 'Secret') return { problem: invalid(`certificateRef ${ref.group ?? ''}/${ref.kind} ${ref.name} is not a Secret`) };
  const gwNamespace = gw.metadata.namespace ?? 'default';
  const namespace = ref.namespace ?? gwNamespace;
  const key = `${namespace}/${ref.name}`;
  if (!referenceAllowed(ctx.grants, { group: GATEWAY_GROUP, kind: 'Gateway', namespace: gwNamespace }, { group: '', kind: 'Secret', namespace, name: ref.name })) {
    return { problem: { reason: 'RefNotPermitted', message: `Secret ${key} is in another namespace and no ReferenceGrant there allows Gateways of ${gwNamespace} to use it` } };
  }
  const secret = ctx.secrets.get(key);
  if (!secret) return { problem: invalid(`Secret ${key} not found`) };
  const pair = secretKeyPair(secret);
  if ('cert' in pair) return { tls: { secret: key, ...pair } };
  const previous = ctx.lastValidCerts?.get(key);
  return {
    ...(previous ? { tls: { secret: key, ...previous } } : {}),
    problem: invalid(`Secret ${key}: ${pair.problem}${previous ? '; serving its last valid certificate' : ''}`),
  };
}

