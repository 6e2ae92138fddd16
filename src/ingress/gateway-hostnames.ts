// Gateway API hostname semantics (Listener.hostname, HTTPRoute.spec.hostnames),
// which differ from Ingress's (hosts.ts): a `*.` wildcard is a suffix match of
// any depth, so `*.example.com` matches `a.example.com` and `a.b.example.com`
// but never `example.com`; no hostname means any. A route attaches to a
// listener only through the names both accept, and the name served is the
// more specific of the two ("hostname intersection", HTTPRoute.spec.hostnames).

import { CATCH_ALL_HOST, isWildcard, normalizeHost, suffixWildcardMatches } from './hosts.js';

/** The names a request on `host` and on `other` would both reach, as the more specific of the two; undefined when none. */
function intersectTwo(host: string, other: string): string | undefined {
  if (host === other) return host;
  // `*.example.com` covers every name (precise or wildcard) strictly below example.com
  if (isWildcard(host) && suffixWildcardMatches(host, other)) return other;
  if (isWildcard(other) && suffixWildcardMatches(other, host)) return host;
  return undefined;
}

/**
 * The hostnames a route serves through a listener, sorted: the intersections of
 * the listener's hostname with each of the route's; with no hostname on one
 * side, the other side's names; on neither, the catch-all ''. Empty when the
 * two have no name in common: the route does not attach to that listener.
 */
export function hostnameIntersection(listenerHostname: string | undefined, routeHostnames: readonly string[]): string[] {
  const listener = normalizeHost(listenerHostname);
  const names = routeHostnames.map(normalizeHost).filter((n) => n !== CATCH_ALL_HOST);
  if (names.length === 0) return [listener];
  const out = listener === CATCH_ALL_HOST ? names : names.flatMap((n) => intersectTwo(listener, n) ?? []);
  return [...new Set(out)].sort();
}

/** Whether a listener with this (normalized) hostname receives requests for `host`. */
export function listenerCovers(listenerHostname: string, host: string): boolean {
  return listenerHostname === CATCH_ALL_HOST || listenerHostname === host || (isWildcard(listenerHostname) && suffixWildcardMatches(listenerHostname, host));
}
