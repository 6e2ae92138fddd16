// Which listeners of a Gateway an HTTPRoute's parentRef attaches to, and the
// names it is served under there. A parentRef selects the listeners its
// sectionName and port name (all of them without either); of those, the ones
// whose allowedRoutes admit HTTPRoutes from the route's namespace; of those,
// the ones sharing a hostname with the route (gateway-hostnames.ts). Each step
// that leaves nothing has its own reason in the route's parent status. A route
// attached only to listeners podnet does not serve is not accepted either.

import type { Gateway, HTTPRoute, ParentReference } from '../api/gateway-types.js';
import { matchesLabelSelector } from '../api/labels.js';
import { hostnameIntersection } from './gateway-hostnames.js';
import type { ListenerState } from './gateway-listeners.js';

/** Every namespace carries its name as this label (the API server sets it); selectors may rely on it. */
const NAMESPACE_NAME_LABEL = 'kubernetes.io/metadata.name';

export interface Attachment { listener: ListenerState; hosts: string[] }

export type AttachResult =
  | { accepted: true; served: Attachment[]; attached: ListenerState[] }
  | { accepted: false; reason: 'NoMatchingParent' | 'NotAllowedByListeners' | 'NoMatchingListenerHostname'; message: string; attached: ListenerState[] };

export function attachToGateway(route: HTTPRoute, ref: ParentReference, gw: Gateway, listeners: readonly ListenerState[],
  namespaceLabels: (name: string) => Record<string, string> | undefined): AttachResult {
  const gwName = `${gw.metadata.namespace ?? 'default'}/${gw.metadata.name}`;
  const routeNamespace = route.metadata.namespace ?? 'default';
  const selected = listeners.filter((l) => (ref.sectionName === undefined || l.listener.name === ref.sectionName) && (ref.port === undefined || l.listener.port === ref.port));
  if (selected.length === 0) {
    const which = [ref.sectionName !== undefined ? `named ${ref.sectionName}` : '', ref.port !== undefined ? `on port ${ref.port}` : ''].filter(Boolean).join(' and ');
    return { accepted: false, reason: 'NoMatchingParent', message: `Gateway ${gwName} has no listener${which ? ` ${which}` : ''}`, attached: [] };
  }
  const allowed = selected.filter((l) => l.allowsHTTPRoute && namespaceAllowed(l, gw, routeNamespace, namespaceLabels));
  if (allowed.length === 0) {
    return { accepted: false, reason: 'NotAllowedByListeners', message: `no listener of Gateway ${gwName} allows HTTPRoutes from namespace ${routeNamespace}`, attached: [] };
  }
  const withHosts = allowed
    .map((l) => ({ listener: l, hosts: hostnameIntersection(l.listener.hostname, route.spec.hostnames ?? []) }))
    .filter((a) => a.hosts.length > 0);
  // attachedRoutes counts a route on every listener that admits it, whatever the hostnames (ListenerStatus.attachedRoutes)
  const attached = allowed;
  if (withHosts.length === 0) {
    return { accepted: false, reason: 'NoMatchingListenerHostname', message: `no hostname of the route matches a listener of Gateway ${gwName}`, attached };
  }
  const served = withHosts.filter((a) => a.listener.serves);
  if (served.length === 0) {
    const names = withHosts.map((a) => a.listener.listener.name).join(', ');
    return { accepted: false, reason: 'NotAllowedByListeners', message: `the listeners of Gateway ${gwName} this route attaches to (${names}) are not programmed; see the Gateway's status`, attached };
  }
  return { accepted: true, served, attached };
}

function namespaceAllowed(l: ListenerState, gw: Gateway, routeNamespace: string, namespaceLabels: (name: string) => Record<string, string> | undefined): boolean {
  const from = l.listener.allowedRoutes?.namespaces?.from ?? 'Same';
  if (from === 'All') return true;
  if (from === 'Same') return routeNamespace === (gw.metadata.namespace ?? 'default');
  if (from === 'Selector') {
    const labels = namespaceLabels(routeNamespace);
    return labels !== undefined && matchesLabelSelector(l.listener.allowedRoutes?.namespaces?.selector, { ...labels, [NAMESPACE_NAME_LABEL]: routeNamespace });
  }
  return false;
}
