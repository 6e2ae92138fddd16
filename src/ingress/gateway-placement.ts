// Which routes answer a request for a name, with listener isolation
// (Gateway API: a request is handled by the most specific listener of a
// Gateway that matches it on its port, and only by routes attached to that
// listener) and hostname precedence (among the routes of that listener, the
// rules of a route with the more specific matching hostname come first).
//
// NGINX picks one server per request name (exact, then the longest wildcard),
// so every name a route is served under becomes a server holding everything
// that may answer it: its own routes, then those of less specific names (a
// wildcard covering it, the catch-all) that reach it through the listener
// that owns it on that port, each tagged with how much less specific its name
// is (Route.order.hostLevel), and with the scheme of the listeners it comes
// through. A name gets the certificate of the most specific HTTPS listener
// that owns it. Every served listener's own hostname is a server too, routes
// or not: without one, NGINX would hand its requests to a wildcard's server,
// and so to a less specific listener's routes, where isolation wants a 404.

import { CATCH_ALL_HOST, isWildcard } from './hosts.js';
import { listenerCovers } from './gateway-hostnames.js';
import type { ListenerState } from './gateway-listeners.js';
import type { GatewayHostRoutes, HostTls, Route } from './route-table.js';

/** A listener a route's name came through, among its Gateway's listeners. */
export interface Via { listener: ListenerState; siblings: readonly ListenerState[] }

/** A route's rules under one name, and the listeners that gave the route that name. */
export interface Placement { name: string; routes: readonly Route[]; via: readonly Via[] }

/** A host of the translation (route-table.ts GatewayHostRoutes), its routes still to be sorted. */
export interface PlacedHost extends GatewayHostRoutes { routes: Route[] }

/** How specific a listener's hostname is: none < wildcard (longer suffix more) < a precise name. */
function specificity(hostname: string): number {
  if (hostname === CATCH_ALL_HOST) return 0;
  return isWildcard(hostname) ? hostname.length : 1_000_000 + hostname.length;
}

/** Does this listener own `name` on its port: no sibling on the same port that serves and covers the name is more specific? */
function owns(v: Via, name: string): boolean {
  const mine = specificity(v.listener.hostname);
  return !v.siblings.some((s) => s !== v.listener && s.serves && s.listener.port === v.listener.listener.port
    && listenerCovers(s.hostname, name) && specificity(s.hostname) > mine);
}

export function placeRoutes(placements: readonly Placement[], certificates: ReadonlyMap<string, HostTls>, listenerNames: ReadonlySet<string>): PlacedHost[] {
  const names = new Set([...placements.map((p) => p.name), ...certificates.keys(), ...listenerNames]);
  const out: PlacedHost[] = [];
  for (const name of [...names].sort()) {
    const host: PlacedHost = { host: name, anyDepth: isWildcard(name), routes: [] };
    let tlsFrom: ListenerState | undefined;
    for (const p of placements) {
      // routes placed under the same name, a wildcard covering it, or the catch-all answer it
      if (!listenerCovers(p.name, name)) continue;
      const owners = p.via.filter((v) => listenerCovers(v.listener.hostname, name) && owns(v, name)).map((v) => v.listener);
      if (owners.length === 0) continue;
      const protocols = new Set(owners.map((l) => l.protocol));
      const scheme = protocols.size === 1 ? (protocols.has('HTTPS') ? 'https' as const : 'http' as const) : undefined;
      // the more characters the placed name has, the sooner its rules come; the name itself first
      const hostLevel = p.name === name ? 0 : 1_000_000 - specificity(p.name);
      for (const r of p.routes) {
        const conditions = { ...r.conditions, ...(scheme ? { scheme } : {}) };
        host.routes.push({
          ...r, host: name,
          ...(Object.keys(conditions).length > 0 ? { conditions } : {}),
          ...(r.order && hostLevel > 0 ? { order: { ...r.order, hostLevel } } : {}),
        });
      }
      for (const l of owners) if (l.tls && (!tlsFrom || specificity(l.hostname) > specificity(tlsFrom.hostname))) tlsFrom = l;
    }
    const tls = certificates.get(name) ?? tlsFrom?.tls;
    if (tls) host.tls = tls;
    if (host.routes.length > 0 || host.tls || (listenerNames.has(name) && name !== CATCH_ALL_HOST)) out.push(host);
  }
  return out;
}
