// Ingresses (+ IngressClasses, Services, EndpointSlices, Secrets) → the route
// table this controller serves. Pure: same objects in, same table out, with the
// warnings the controller turns into Events. The table is what nginx-conf.ts
// renders and what matchRoute() (and later `podnet trace`) consults; Gateway API
// routes can feed the same shape.
//
// Semantics (Ingress concept docs; ingress-nginx where the docs leave room):
//  - hosts: exact > one-label wildcard > catch-all (rules without host);
//  - paths: see paths.ts; longest wins, Exact beats Prefix at equal length;
//  - several Ingresses for one host merge; the same host+path+pathType in two
//    Ingresses goes to the oldest (creationTimestamp, then namespace/name), the
//    newer gets a PathConflict warning;
//  - spec.defaultBackend answers the hosts of its Ingress when no path matches;
//    an Ingress without rules (or with host-less rules) gives the catch-all's;
//  - TLS per host from the Secrets' tls.crt and tls.key (`kubernetes.io/tls`,
//    or any type holding them, as ingress-nginx reads them); a listed host whose Secret
//    is missing or broken is still served over HTTPS with the default cert; a
//    tls entry without hosts applies to the rule hosts its certificate covers
//    (ingress-nginx), never to the default server.

import type { HTTPHeaderFilter, HTTPRequestRedirectFilter, HTTPURLRewriteFilter } from '../api/gateway-types.js';
import type { EndpointSlice, Ingress, IngressBackend, IngressClass, ObjectMeta, PathType, Secret, Service } from '../api/types.js';
import { parseAnnotations, wantsRegex, type RouteOptions } from './annotations.js';
import { resolveBackend, SERVICE_NAME_LABEL, type Backend, type ServiceIndex } from './backends.js';
import { certificateNames, secretKeyPair } from './certificate-names.js';
import { CATCH_ALL_HOST, invalidHostReason, namesCover, normalizeHost, selectHost } from './hosts.js';
import { servedByUs, DEFAULT_CLASS_CONFIG, type ClassConfig } from './ingress-class.js';
import { comparePrecedence, effectivePath, invalidPathReason, matchKind, pathMatches, type MatchKind } from './paths.js';

export const TLS_SECRET_TYPE = 'kubernetes.io/tls';

/**
 * The object a route comes from: an Ingress, or (kind 'HTTPRoute') a Gateway
 * API HTTPRoute, whose rules feed this same table (gateway-routes.ts).
 */
export interface IngressRef { namespace: string; name: string; kind?: 'HTTPRoute' }

/** A header or query parameter a Gateway API match requires (names of headers lowercased). */
export interface ValueMatch { name: string; type: 'Exact' | 'RegularExpression'; value: string }

/**
 * What a request must carry besides its path for an HTTPRoute match (all of
 * them); Ingress routes have none. `scheme` limits a route attached to only
 * a Gateway's HTTP or only its HTTPS listener to requests that came in on it.
 */
export interface RouteConditions {
  method?: string;
  headers?: ValueMatch[];
  queryParams?: ValueMatch[];
  scheme?: 'http' | 'https';
}

/** One backendRef of an HTTPRoute rule: `backend` undefined when the ref is invalid (its share answers 500). */
export interface WeightedBackend { backend?: Backend; weight: number }

/** An HTTPRoute rule's filters that podnet applies (Gateway API HTTPRouteFilter). */
export interface RouteFilters {
  requestHeaders?: HTTPHeaderFilter;
  responseHeaders?: HTTPHeaderFilter;
  redirect?: HTTPRequestRedirectFilter;
  rewrite?: HTTPURLRewriteFilter;
  /** RequestMirror: a copy of each request goes to these too, their answers ignored */
  mirrors?: Backend[];
}

export interface IngressWarning { ingress: IngressRef; reason: string; message: string }

export interface Route {
  host: string;
  /** the rule's path as matched: normalized for Prefix, verbatim for Exact and regex */
  path: string;
  pathType: PathType;
  kind: MatchKind;
  ingress: IngressRef;
  /** undefined when the backend could not be resolved: the route answers 503 */
  backend?: Backend;
  options: RouteOptions;
  /** true for a spec.defaultBackend route (the host's fallback) */
  isDefaultBackend: boolean;
  /** HTTPRoute only: conditions beyond the path (absent: any request on the path) */
  conditions?: RouteConditions;
  /**
   * HTTPRoute only: the rule's backendRefs with their weights, in place of
   * `backend` (which is then unset); empty or all weights 0 answers 500
   */
  split?: WeightedBackend[];
  /** HTTPRoute only */
  filters?: RouteFilters;
  /** HTTPRoute only: the rule's timeouts, in milliseconds (0: none) */
  timeouts?: { requestMs?: number; backendRequestMs?: number };
  /**
   * HTTPRoute only. hostLevel: 0 for a route placed under this very name, more
   * for one that reaches it from a less specific name (a wildcard, the
   * catch-all; gateway-placement.ts): it comes after every rule of a more
   * specific name, whatever its path. Then the Gateway API's last tie-breakers among equal matches
   * (the route's creationTimestamp, then its namespace/name via `ingress`, then
   * the rule and match index in the route)
   */
  order?: { created: string; rule: number; match: number; hostLevel?: number };
}

/** A certificate and its key, PEM, as a Secret last served them (lastValidCerts). */
export interface CertKeyPair { cert: string; key: string }

export interface HostTls {
  /** `ns/name` of the Secret; undefined when the tls entry names none */
  secret?: string;
  /** the Ingress whose tls entry chose this Secret */
  ingress?: IngressRef;
  /** PEM; both undefined when the default certificate must be used */
  cert?: string;
  key?: string;
  /** from a Gateway's HTTPS listener: plain HTTP is not redirected (the Gateway API has no such default) */
  fromGateway?: boolean;
}

export interface VirtualHost {
  host: string;
  /**
   * A Gateway API wildcard (`*.example.com` matching names of any depth below
   * example.com); an Ingress wildcard matches one label only
   */
  anyDepth?: boolean;
  /** every non-Exact path is a case-insensitive regex (use-regex/rewrite-target on the host, as ingress-nginx) */
  regex: boolean;
  /** in precedence order: longest path first, Exact before Prefix */
  routes: Route[];
  /** the answer when no path matches; undefined means the controller's 404 */
  fallback?: Route;
  /**
   * present when a served Ingress's spec.tls covers this host (by its hosts, or
   * for an entry without hosts by its certificate's names); never on the
   * catch-all, which keeps the default certificate
   */
  tls?: HostTls;
  /**
   * The annotations of the oldest served Ingress with a rule for this host:
   * they apply where no rule of the host decides (the root location added for
   * a host without a `/` rule), as in ingress-nginx, whose server starts with
   * a root location carrying the annotations of the host's first Ingress.
   */
  options?: RouteOptions;
}

export interface RouteTable {
  /** sorted by host; the catch-all ('') is always present and first */
  hosts: VirtualHost[];
  /** every backend some route uses, sorted by key */
  backends: Backend[];
  /** Ingresses this controller serves (their status gets our address), oldest first */
  served: IngressRef[];
  warnings: IngressWarning[];
}

export interface RouteTableInput {
  ingresses: readonly Ingress[];
  ingressClasses?: readonly IngressClass[];
  services?: readonly Service[];
  endpointSlices?: readonly EndpointSlice[];
  secrets?: readonly Secret[];
  classConfig?: ClassConfig;
  /** `ns/name` of Ingresses to leave out (e.g. ones whose config NGINX rejected) */
  exclude?: ReadonlySet<string>;
  /**
   * The certificate each Secret (`ns/name`) last served with (lastValidCerts
   * of the previous table): a Secret updated into something NGINX cannot load
   * keeps serving it, as ingress-nginx keeps its sslStore entry when an update
   * fails to parse; a Secret deleted falls back to the default certificate.
   */
  lastValidCerts?: ReadonlyMap<string, CertKeyPair>;
  /** what an ExternalName Service's name resolves to (external-names.ts); without it such backends have no address */
  externalAddresses?: (name: string) => readonly string[];
  /**
   * The index of those three (buildServiceIndex), when the caller has built it
   * already for something else (the controller's Gateway translation); it
   * then stands in for them
   */
  serviceIndex?: ServiceIndex;
  /** hosts, routes and certificates from Gateway API objects (gateway-routes.ts translateGateways), merged after the Ingresses' */
  gateway?: { hosts: readonly GatewayHostRoutes[]; backends: readonly Backend[] };
}

/** One host's routes from HTTPRoutes, and the certificate of the HTTPS listener that names it. */
export interface GatewayHostRoutes { host: string; anyDepth: boolean; routes: readonly Route[]; tls?: HostTls }

export function refKey(ref: IngressRef): string {
  return ref.kind ? `${ref.kind}/${ref.namespace}/${ref.name}` : `${ref.namespace}/${ref.name}`;
}

export function refOf(obj: { metadata: ObjectMeta }): IngressRef {
  return { namespace: obj.metadata.namespace ?? 'default', name: obj.metadata.name ?? '' };
}

/** Oldest first: creationTimestamp (RFC 3339 strings sort lexically; missing = newest), then namespace/name. Any namespaced object. */
export function compareAge(a: { metadata: ObjectMeta }, b: { metadata: ObjectMeta }): number {
  const ta = a.metadata.creationTimestamp ?? '\uffff';
  const tb = b.metadata.creationTimestamp ?? '\uffff';
  if (ta !== tb) return ta < tb ? -1 : 1;
  const ka = refKey(refOf(a));
  const kb = refKey(refOf(b));
  return ka < kb ? -1 : ka > kb ? 1 : 0;
}

export function buildServiceIndex(services: readonly Service[], slices: readonly EndpointSlice[], externalAddresses?: (name: string) => readonly string[]): ServiceIndex {
  const svcs = new Map(services.map((s) => [`${s.metadata.namespace ?? 'default'}/${s.metadata.name}`, s]));
  const bySvc = new Map<string, EndpointSlice[]>();
  for (const sl of slices) {
    const owner = sl.metadata.labels?.[SERVICE_NAME_LABEL];
    if (!owner) continue;
    const k = `${sl.metadata.namespace ?? 'default'}/${owner}`;
    (bySvc.get(k) ?? bySvc.set(k, []).get(k)!).push(sl);
  }
  return {
    service: (ns, name) => svcs.get(`${ns}/${name}`),
    slices: (ns, name) => bySvc.get(`${ns}/${name}`) ?? [],
    ...(externalAddresses ? { externalAddresses } : {}),
  };
}

/**
 * These backends again, with the Services and EndpointSlices as they are now
 * (by Service port number: the key stays the same); a backend whose Service or
 * port is gone is dropped. The endpoint path between two route tables.
 */
export function refreshBackends(backends: readonly Backend[], services: readonly Service[], slices: readonly EndpointSlice[],
  externalAddresses?: (name: string) => readonly string[]): Backend[] {
  const index = buildServiceIndex(services, slices, externalAddresses);
  return backends.flatMap((b) => {
    const r = resolveBackend(b.namespace, { name: b.service, port: { number: b.servicePort } }, index);
    return r.ok ? [r.backend] : [];
  });
}

interface Served { ing: Ingress; ref: IngressRef; options: RouteOptions }

export function buildRouteTable(input: RouteTableInput): RouteTable {
  const warnings: IngressWarning[] = [];
  const warn = (ingress: IngressRef, reason: string, message: string) => warnings.push({ ingress, reason, message });
  const index = input.serviceIndex ?? buildServiceIndex(input.services ?? [], input.endpointSlices ?? [], input.externalAddresses);
  const classes = input.ingressClasses ?? [];
  const config = input.classConfig ?? DEFAULT_CLASS_CONFIG;

  const served: Served[] = [...input.ingresses]
    .sort(compareAge)
    .filter((ing) => !input.exclude?.has(refKey(refOf(ing))) && servedByUs(ing, classes, config))
    .map((ing) => {
      const ref = refOf(ing);
      const { options, problems } = parseAnnotations(ing.metadata.annotations);
      for (const p of problems) warn(ref, p.reason, p.message);
      return { ing, ref, options };
    });

  const backends = new Map<string, Backend>();
  const backendFor = (s: Served, b: IngressBackend, what: string): Backend | undefined => {
    if (!b.service) {
      warn(s.ref, 'UnsupportedBackend', `${what}: only service backends are supported; requests answer 503`);
      return undefined;
    }
    const r = resolveBackend(s.ref.namespace, b.service, index);
    if (!r.ok) {
      warn(s.ref, r.reason, `${what}: ${r.message}; requests answer 503`);
      return undefined;
    }
    backends.set(r.backend.key, r.backend);
    return r.backend;
  };

  // Hosts each Ingress contributes; invalid hosts are dropped once, here.
  const rulesOf = new Map<Served, { host: string; paths: NonNullable<NonNullable<Ingress['spec']['rules']>[number]['http']>['paths'] }[]>();
  const regexHosts = new Set<string>();
  for (const s of served) {
    const list = [];
    for (const rule of s.ing.spec?.rules ?? []) {
      const host = normalizeHost(rule.host);
      const bad = invalidHostReason(host);
      if (bad) { warn(s.ref, 'InvalidHost', `${bad}; rule ignored`); continue; }
      list.push({ host, paths: rule.http?.paths ?? [] });
      if (wantsRegex(s.options)) regexHosts.add(host);
    }
    rulesOf.set(s, list);
  }

  const vhosts = new Map<string, VirtualHost>();
  const vhost = (host: string, anyDepth = false): VirtualHost => {
    const key = anyDepth ? `${host}\u0000any` : host;
    let v = vhosts.get(key);
    if (!v) vhosts.set(key, (v = { host, regex: regexHosts.has(host), routes: [], ...(anyDepth ? { anyDepth } : {}) }));
    return v;
  };
  vhost(CATCH_ALL_HOST);

  // Paths, oldest Ingress first so the first claim of a location wins.
  const claimedBy = new Map<string, IngressRef>();
  for (const s of served) {
    for (const { host, paths } of rulesOf.get(s)!) {
      const v = vhost(host);
      v.options ??= s.options;
      for (const p of paths) {
        const pathType: PathType = p.pathType ?? 'ImplementationSpecific';
        const kind = matchKind(pathType, v.regex);
        // An empty path is a missing one: `/` (ingress-nginx: nginxPath = "/" unless path.Path != "").
        const raw = p.path === undefined || p.path === '' ? '/' : p.path;
        const bad = invalidPathReason(raw);
        if (bad) { warn(s.ref, 'InvalidPath', `host ${hostLabel(host)} path ${JSON.stringify(raw)}: ${bad}; ignored`); continue; }
        const path = effectivePath(raw, kind);
        const claim = `${host}\u0000${kind}\u0000${path}`;
        const owner = claimedBy.get(claim);
        if (owner) {
          if (refKey(owner) !== refKey(s.ref)) {
            warn(s.ref, 'PathConflict', `host ${hostLabel(host)} path ${JSON.stringify(path)} (${pathType}) is already served by older Ingress ${refKey(owner)}; this rule is ignored`);
          } else {
            warn(s.ref, 'PathConflict', `host ${hostLabel(host)} path ${JSON.stringify(path)} (${pathType}) appears twice; the first rule wins`);
          }
          continue;
        }
        claimedBy.set(claim, s.ref);
        const backend = backendFor(s, p.backend, `host ${hostLabel(host)} path ${JSON.stringify(raw)}`);
        v.routes.push({ host, path, pathType, kind, ingress: s.ref, ...(backend ? { backend } : {}), options: s.options, isDefaultBackend: false });
      }
    }
  }

  // defaultBackend: the hosts of its own rules, plus the catch-all for rule-less or host-less Ingresses.
  for (const s of served) {
    const db = s.ing.spec?.defaultBackend;
    if (!db) continue;
    const rules = rulesOf.get(s)!;
    const hosts = new Set(rules.map((r) => r.host));
    if (rules.length === 0) hosts.add(CATCH_ALL_HOST);
    let backend: Backend | undefined;
    let resolved = false;
    for (const host of [...hosts].sort()) {
      const v = vhost(host);
      if (v.fallback) {
        if (refKey(v.fallback.ingress) !== refKey(s.ref)) {
          warn(s.ref, 'DefaultBackendConflict', `host ${hostLabel(host)} already has the defaultBackend of older Ingress ${refKey(v.fallback.ingress)}; this defaultBackend is ignored there`);
        }
        continue;
      }
      if (!resolved) { backend = backendFor(s, db, 'defaultBackend'); resolved = true; }
      v.fallback = { host, path: '/', pathType: 'Prefix', kind: 'prefix', ingress: s.ref, ...(backend ? { backend } : {}), options: s.options, isDefaultBackend: true };
    }
  }

  // TLS: the oldest Ingress whose tls entry covers a host decides its Secret.
  const secrets = new Map((input.secrets ?? []).map((s) => [`${s.metadata.namespace ?? 'default'}/${s.metadata.name}`, s]));
  const useTls = (host: string, tls: HostTls) => { vhost(host).tls ??= tls; };
  for (const s of served) {
    const ruleHosts = [...new Set(rulesOf.get(s)!.map((r) => r.host))].filter((h) => h !== CATCH_ALL_HOST);
    for (const entry of s.ing.spec?.tls ?? []) {
      const listed = (entry.hosts ?? []).map(normalizeHost);
      if (listed.length > 0) {
        for (const host of ruleHosts) if (namesCover(listed, host) && !vhost(host).tls) useTls(host, tlsFromSecret(s, entry.secretName, secrets, warn, input.lastValidCerts));
        continue;
      }
      const tls = tlsWithoutHosts(s, entry.secretName, secrets, warn, input.lastValidCerts);
      if (!tls) continue;
      // ingress-nginx (extractTLSSecretName): the rule hosts the certificate
      // is valid for, never the default server, whose certificate answers
      // every unknown name and is no one Ingress's to replace
      const covered = ruleHosts.filter((h) => namesCover(tls.names, h));
      if (covered.length === 0) {
        warn(s.ref, 'TLSHostsNotCovered', `the certificate of Secret ${s.ref.namespace}/${entry.secretName} in a tls entry without hosts covers none of this Ingress's hosts${ruleHosts.length > 0 ? ` (${ruleHosts.join(', ')})` : ''}; it is not used`);
      }
      for (const host of covered) useTls(host, tls.tls);
    }
  }

  // HTTPRoutes join the hosts after every Ingress: an Ingress's certificate for a host stays.
  for (const g of input.gateway?.hosts ?? []) {
    const v = vhost(g.host, g.anyDepth);
    v.routes.push(...g.routes);
    if (g.routes[0]) v.options ??= g.routes[0].options;
    if (g.tls) v.tls ??= { ...g.tls, fromGateway: true };
  }
  for (const b of input.gateway?.backends ?? []) backends.set(b.key, b);

  const hosts = [...vhosts.values()].sort((a, b) => (a.host < b.host ? -1 : a.host > b.host ? 1 : a.anyDepth ? 1 : b.anyDepth ? -1 : 0));
  for (const v of hosts) v.routes.sort(compareRoutes);
  return {
    hosts,
    backends: [...backends.values()].sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0)),
    served: served.map((s) => s.ref),
    warnings,
  };
}

/** What this table's hosts serve, by Secret: the next build's lastValidCerts. */
export function lastValidCerts(table: RouteTable): Map<string, CertKeyPair> {
  const out = new Map<string, CertKeyPair>();
  for (const h of table.hosts) if (h.tls?.secret && h.tls.cert && h.tls.key) out.set(h.tls.secret, { cert: h.tls.cert, key: h.tls.key });
  return out;
}

function tlsFromSecret(s: Served, secretName: string | undefined, secrets: Map<string, Secret>, warn: (r: IngressRef, reason: string, m: string) => void,
  lastValid?: ReadonlyMap<string, CertKeyPair>): HostTls {
  if (!secretName) return { ingress: s.ref };
  const key = `${s.ref.namespace}/${secretName}`;
  const secret = secrets.get(key);
  if (!secret) {
    warn(s.ref, 'SecretNotFound', `TLS secret ${key} not found; serving the default certificate`);
    return { secret: key, ingress: s.ref };
  }
  const previous = lastValid?.get(key);
  // Any type holding the two keys will do: ingress-nginx reads tls.crt and tls.key whatever the type (an Opaque Secret too).
  const pair = secretKeyPair(secret);
  if ('cert' in pair) return { secret: key, ingress: s.ref, cert: pair.cert, key: pair.key };
  const why = pair.noPem ? ` ${pair.problem} (as a ${TLS_SECRET_TYPE} Secret does)` : `: ${pair.problem}`;
  warn(s.ref, 'InvalidSecret', `TLS secret ${key}${why}; serving ${previous ? 'its last valid certificate' : 'the default certificate'}`);
  return previous ? { secret: key, ingress: s.ref, cert: previous.cert, key: previous.key } : { secret: key, ingress: s.ref };
}

/**
 * A tls entry without hosts (IngressTLS.hosts: "defaults to the wildcard host
 * setting for the loadbalancer controller"): its Secret and the names its
 * certificate is valid for, which decide the hosts it applies to. Undefined,
 * with a warning, when there is no certificate to read names from.
 */
function tlsWithoutHosts(s: Served, secretName: string | undefined, secrets: Map<string, Secret>, warn: (r: IngressRef, reason: string, m: string) => void,
  lastValid?: ReadonlyMap<string, CertKeyPair>): { tls: HostTls; names: string[] } | undefined {
  if (!secretName) {
    warn(s.ref, 'TLSWithoutHosts', 'a tls entry lists neither hosts nor a secretName; it is ignored');
    return undefined;
  }
  const tls = tlsFromSecret(s, secretName, secrets, warn, lastValid);
  if (!tls.cert) return undefined; // warned: missing or malformed Secret
  const names = certificateNames(tls.cert);
  if (!names) {
    warn(s.ref, 'InvalidSecret', `TLS secret ${tls.secret}: tls.crt is not an X.509 certificate node:crypto can read, so the hosts of a tls entry without hosts cannot be matched against it; it is ignored`);
    return undefined;
  }
  return { tls, names };
}

function hostLabel(host: string): string {
  return host === CATCH_ALL_HOST ? '*' : host;
}

/** What matchRoute knows of a request besides host and path (Gateway API matches read these). */
export interface RequestFacts {
  method?: string;
  /** header names in any case */
  headers?: Readonly<Record<string, string>>;
  scheme?: 'http' | 'https';
}

/**
 * The route a request would take, by the same rules nginx-conf.ts renders:
 * undefined means the controller's 404. `path` may carry a query string.
 * Among the routes whose path matches, the first by precedence whose
 * conditions (HTTPRoute matches) the request meets.
 */
export function matchRoute(table: RouteTable, host: string, path: string, request: RequestFacts = {}): Route | undefined {
  const v = selectHost(table.hosts, host);
  if (!v) return undefined;
  const [p, query] = splitQuery(path);
  const headers = new Map(Object.entries(request.headers ?? {}).map(([k, val]) => [k.toLowerCase(), val]));
  const meets = (r: Route) => conditionsMet(r.conditions, request, headers, query);
  // A more specific hostname's routes all come first (compareRoutes sorts by hostLevel first).
  for (const level of new Set(v.routes.map((r) => r.order?.hostLevel ?? 0))) {
    const routes = v.routes.filter((r) => (r.order?.hostLevel ?? 0) === level);
    // nginx checks `location =` first; in regex hosts the regexes follow in order.
    const hit = routes.find((r) => r.kind === 'exact' && r.path === p && meets(r)) ?? routes.find((r) => pathMatches(r.kind, r.path, p) && meets(r));
    if (hit) return hit;
  }
  return v.fallback;
}

function splitQuery(path: string): [string, URLSearchParams] {
  const i = path.indexOf('?');
  return i < 0 ? [path, new URLSearchParams()] : [path.slice(0, i), new URLSearchParams(path.slice(i + 1))];
}

/** `headers`: the request's, by lowercased name */
function conditionsMet(c: RouteConditions | undefined, request: RequestFacts, headers: ReadonlyMap<string, string>, query: URLSearchParams): boolean {
  if (!c) return true;
  if (c.scheme && (request.scheme ?? 'http') !== c.scheme) return false;
  if (c.method && (request.method ?? 'GET') !== c.method) return false;
  if (!(c.headers ?? []).every((m) => valueMatches(m, headers.get(m.name)))) return false;
  return (c.queryParams ?? []).every((m) => valueMatches(m, query.get(m.name) ?? undefined));
}

/** Exact compares the whole value; a RegularExpression must match the whole value too (as nginx-conf.ts renders it). */
function valueMatches(m: ValueMatch, value: string | undefined): boolean {
  if (value === undefined) return false;
  if (m.type === 'Exact') return value === m.value;
  try { return new RegExp(`^(?:${m.value})$`).test(value); } catch { return false; }
}

/**
 * The order routes are tried in for one request: the hostname's (a route
 * under this very name before one reaching it from a wildcard), the path's precedence
 * (paths.ts), then the Gateway API's among equal paths: a method match, more
 * header matches, more query matches, the older route, its namespace/name,
 * its rule and match index. Ingress routes have no conditions and no order:
 * among equal paths they come before an HTTPRoute's unconditional match.
 */
export function compareRoutes(a: Route, b: Route): number {
  const byHost = (a.order?.hostLevel ?? 0) - (b.order?.hostLevel ?? 0);
  if (byHost !== 0) return byHost;
  const byPath = comparePrecedence(a, b);
  if (byPath !== 0) return byPath;
  const ca = a.conditions ?? {};
  const cb = b.conditions ?? {};
  const diff = (cb.method ? 1 : 0) - (ca.method ? 1 : 0) || (cb.headers?.length ?? 0) - (ca.headers?.length ?? 0)
    || (cb.queryParams?.length ?? 0) - (ca.queryParams?.length ?? 0);
  if (diff !== 0) return diff;
  if (!a.order || !b.order) return (a.order ? 1 : 0) - (b.order ? 1 : 0);
  if (a.order.created !== b.order.created) return a.order.created < b.order.created ? -1 : 1;
  const ka = refKey(a.ingress);
  const kb = refKey(b.ingress);
  if (ka !== kb) return ka < kb ? -1 : 1;
  return a.order.rule - b.order.rule || a.order.match - b.order.match;
}
