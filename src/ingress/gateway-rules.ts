// An HTTPRoute's rules as podnet serves them, independent of the hosts they
// end up on: each match as a path plus the conditions beyond it, each rule's
// backendRefs as a weighted split, and its filters. A rule using what podnet
// cannot do (a RegularExpression path, ExtensionRef or CORS, filters on a
// backendRef) is left out whole, never served with the
// part it cannot honour dropped silently; the route status says which rule and
// which field. Invalid backendRefs keep their weight with no backend: their
// share of requests answers 500, as the spec requires.

import { GATEWAY_GROUP, type HTTPBackendRef, type HTTPRoute, type HTTPRouteFilter, type HTTPRouteMatch, type HTTPRouteRule, type ReferenceGrant } from '../api/gateway-types.js';
import type { PathType } from '../api/types.js';
import { resolveBackend, type Backend, type ServiceIndex } from './backends.js';
import { referenceAllowed } from './gateway-reference-grants.js';
import { CONTROL_CHARS, invalidPathReason, normalizePrefix, type MatchKind } from './paths.js';
import type { Route, RouteConditions, RouteFilters, ValueMatch, WeightedBackend } from './route-table.js';
import { gatewayDurationMs } from '../api/gateway-duration.js';

export interface TranslatedMatch { index: number; path: string; pathType: PathType; kind: MatchKind; conditions: RouteConditions }
export interface TranslatedRule { index: number; matches: TranslatedMatch[]; split: WeightedBackend[]; filters?: RouteFilters; timeouts?: Route['timeouts'] }
/** A ResolvedRefs problem: upstream's reason, and which backendRef */
export interface RefProblem { reason: 'BackendNotFound' | 'InvalidKind' | 'RefNotPermitted'; message: string }

export interface TranslatedRules {
  rules: TranslatedRule[];
  /** one line per rule left out: `rule 1 (name): field … is not supported` */
  dropped: string[];
  refProblems: RefProblem[];
}

const SUPPORTED_FILTERS = new Set(['RequestHeaderModifier', 'ResponseHeaderModifier', 'RequestRedirect', 'URLRewrite', 'RequestMirror']);
/** A rule without matches matches every request: a PathPrefix `/` (the CRD's default). */
const MATCH_ALL: HTTPRouteMatch = { path: { type: 'PathPrefix', value: '/' } };

export function translateRules(route: HTTPRoute, index: ServiceIndex, grants: readonly ReferenceGrant[]): TranslatedRules {
  const out: TranslatedRules = { rules: [], dropped: [], refProblems: [] };
  const rules = route.spec.rules?.length ? route.spec.rules : [{}];
  rules.forEach((rule, r) => {
    const unsupported = unsupportedField(rule, r);
    if (unsupported) {
      out.dropped.push(`rule ${r}${rule.name ? ` (${rule.name})` : ''}: ${unsupported}`);
      return;
    }
    const matches = (rule.matches?.length ? rule.matches : [MATCH_ALL]).map((m, i) => translateMatch(m, i));
    const split = (rule.backendRefs ?? []).map((b, k) => {
      const resolved = resolveRef(route, b, `rules[${r}].backendRefs[${k}]`, index, grants);
      if ('reason' in resolved) out.refProblems.push(resolved);
      return 'reason' in resolved ? { weight: b.weight ?? 1 } : resolved;
    });
    const mirrors = (rule.filters ?? []).flatMap((f, i) => {
      if (f.type !== 'RequestMirror' || !f.requestMirror) return [];
      const resolved = resolveRef(route, { ...f.requestMirror.backendRef, weight: 1 }, `rules[${r}].filters[${i}].requestMirror.backendRef`, index, grants);
      if ('reason' in resolved) { out.refProblems.push(resolved); return []; }
      return resolved.backend ? [resolved.backend] : [];
    });
    const filters = ruleFilters(rule, mirrors);
    const timeouts = ruleTimeouts(rule);
    out.rules.push({ index: r, matches, split, ...(filters ? { filters } : {}), ...(timeouts ? { timeouts } : {}) });
  });
  return out;
}

/** The first field of the rule podnet cannot serve, as `field: why`; undefined when it can serve it all. */
function unsupportedField(rule: HTTPRouteRule, r: number): string | undefined {
  const at = `rules[${r}]`;
  for (const [i, m] of (rule.matches ?? []).entries()) {
    const type = m.path?.type ?? 'PathPrefix';
    if (type !== 'Exact' && type !== 'PathPrefix') return `${at}.matches[${i}].path.type ${type} is not supported (Exact and PathPrefix are)`;
    const bad = invalidPathReason(m.path?.value ?? '/');
    if (bad) return `${at}.matches[${i}].path.value: ${bad}`;
    for (const [j, h] of (m.headers ?? []).entries()) if (!isValueMatchType(h.type)) return `${at}.matches[${i}].headers[${j}].type ${h.type} is not supported`;
    for (const [j, q] of (m.queryParams ?? []).entries()) if (!isValueMatchType(q.type)) return `${at}.matches[${i}].queryParams[${j}].type ${q.type} is not supported`;
  }
  for (const [i, f] of (rule.filters ?? []).entries()) {
    if (!SUPPORTED_FILTERS.has(f.type)) return `${at}.filters[${i}].type ${f.type} is not supported (${[...SUPPORTED_FILTERS].join(', ')} are)`;
    if (f.requestMirror?.percent !== undefined || f.requestMirror?.fraction !== undefined) return `${at}.filters[${i}].requestMirror: percent and fraction are not supported (every request is mirrored or none)`;
    const unsafe = unsafeFilterValue(f, `${at}.filters[${i}]`);
    if (unsafe) return unsafe;
  }
  for (const [k, b] of (rule.backendRefs ?? []).entries()) {
    if (b.filters?.length) return `${at}.backendRefs[${k}].filters are not supported (filters on the rule are)`;
  }
  return undefined;
}

/** Header names podnet writes into nginx.conf: letters, digits, '-' and '_' (the CRD allows any RFC 7230 token, and `remove` any string). */
const HEADER_NAME = /^[A-Za-z0-9][A-Za-z0-9_-]*$/;

/**
 * A header name or value, or a path, that could not be written into
 * nginx.conf as that one thing: a name with other characters (`$`, `'`, `#`,
 * spaces would end or change the directive), a value or path with control
 * characters (CR and LF would start a header line of their own).
 */
function unsafeFilterValue(f: HTTPRouteFilter, at: string): string | undefined {
  for (const [key, h] of [['requestHeaderModifier', f.requestHeaderModifier], ['responseHeaderModifier', f.responseHeaderModifier]] as const) {
    for (const [list, entries] of [['set', h?.set], ['add', h?.add]] as const) {
      for (const [j, e] of (entries ?? []).entries()) {
        if (!HEADER_NAME.test(e.name)) return `${at}.${key}.${list}[${j}].name ${JSON.stringify(e.name)}: podnet serves header names of letters, digits, '-' and '_'`;
        if (CONTROL_CHARS.test(e.value)) return `${at}.${key}.${list}[${j}].value: control characters (CR, LF…) are not served`;
      }
    }
    for (const [j, name] of (h?.remove ?? []).entries()) {
      if (!HEADER_NAME.test(name)) return `${at}.${key}.remove[${j}] ${JSON.stringify(name)}: podnet serves header names of letters, digits, '-' and '_'`;
    }
  }
  for (const [key, p] of [['requestRedirect', f.requestRedirect?.path], ['urlRewrite', f.urlRewrite?.path]] as const) {
    const value = p?.replaceFullPath ?? p?.replacePrefixMatch;
    if (value !== undefined && CONTROL_CHARS.test(value)) return `${at}.${key}.path: control characters are not served`;
  }
  return undefined;
}

function isValueMatchType(type: string | undefined): boolean {
  return type === undefined || type === 'Exact' || type === 'RegularExpression';
}

function translateMatch(m: HTTPRouteMatch, index: number): TranslatedMatch {
  const value = m.path?.value ?? '/';
  const path = m.path?.type === 'Exact' ? { path: value, pathType: 'Exact' as const, kind: 'exact' as const }
    : { path: normalizePrefix(value), pathType: 'Prefix' as const, kind: 'prefix' as const };
  const headers = firstOfEachName(m.headers ?? [], (n) => n.toLowerCase());
  const queryParams = firstOfEachName(m.queryParams ?? [], (n) => n);
  return {
    index, ...path,
    conditions: {
      ...(m.method ? { method: m.method } : {}),
      ...(headers.length ? { headers } : {}),
      ...(queryParams.length ? { queryParams } : {}),
    },
  };
}

/** Only the first entry of each name counts (header names compare case-insensitively, query parameter names exactly). */
function firstOfEachName(list: readonly { type?: string; name: string; value: string }[], key: (name: string) => string): ValueMatch[] {
  const seen = new Map<string, ValueMatch>();
  for (const v of list) {
    const name = key(v.name);
    if (!seen.has(name)) seen.set(name, { name, type: v.type === 'RegularExpression' ? 'RegularExpression' : 'Exact', value: v.value });
  }
  return [...seen.values()];
}

function ruleFilters(rule: HTTPRouteRule, mirrors: Backend[]): RouteFilters | undefined {
  const f: RouteFilters = mirrors.length > 0 ? { mirrors } : {};
  for (const filter of rule.filters ?? []) {
    if (filter.type === 'RequestHeaderModifier' && filter.requestHeaderModifier) f.requestHeaders = filter.requestHeaderModifier;
    if (filter.type === 'ResponseHeaderModifier' && filter.responseHeaderModifier) f.responseHeaders = filter.responseHeaderModifier;
    if (filter.type === 'RequestRedirect' && filter.requestRedirect) f.redirect = filter.requestRedirect;
    if (filter.type === 'URLRewrite' && filter.urlRewrite) f.rewrite = filter.urlRewrite;
  }
  return Object.keys(f).length ? f : undefined;
}

function ruleTimeouts(rule: HTTPRouteRule): Route['timeouts'] | undefined {
  const { request, backendRequest } = rule.timeouts ?? {};
  if (request === undefined && backendRequest === undefined) return undefined;
  return {
    ...(request !== undefined ? { requestMs: gatewayDurationMs(request) } : {}),
    ...(backendRequest !== undefined ? { backendRequestMs: gatewayDurationMs(backendRequest) } : {}),
  };
}

/** A backendRef → its Service port's backend, or the ResolvedRefs reason it fails with. */
function resolveRef(route: HTTPRoute, b: HTTPBackendRef, at: string, index: ServiceIndex, grants: readonly ReferenceGrant[]): WeightedBackend | RefProblem {
  const routeNamespace = route.metadata.namespace ?? 'default';
  const namespace = b.namespace ?? routeNamespace;
  const what = `${at}: Service ${namespace}/${b.name}`;
  if ((b.group ?? '') !== '' || (b.kind ?? 'Service') !== 'Service') {
    return { reason: 'InvalidKind', message: `${at}: ${b.group ?? ''}/${b.kind} ${b.name} is not a Service, the only kind podnet routes to` };
  }
  if (!referenceAllowed(grants, { group: GATEWAY_GROUP, kind: 'HTTPRoute', namespace: routeNamespace }, { group: '', kind: 'Service', namespace, name: b.name })) {
    return { reason: 'RefNotPermitted', message: `${what} is in another namespace and no ReferenceGrant there allows HTTPRoutes of ${routeNamespace} to use it` };
  }
  if (b.port === undefined) return { reason: 'BackendNotFound', message: `${what}: a port is required` };
  const r = resolveBackend(namespace, { name: b.name, port: { number: b.port } }, index);
  if (!r.ok) return { reason: 'BackendNotFound', message: `${at}: ${r.message}` };
  return { backend: r.backend, weight: b.weight ?? 1 };
}
