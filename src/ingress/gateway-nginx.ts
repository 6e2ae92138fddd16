// How an HTTPRoute rule's extras become nginx.conf text (pure): the
// conditions beyond the path (method, headers, query parameters, listener),
// weighted backends, and the filters. nginx-conf.ts calls these; Ingress
// routes never need them, so an Ingress-only conf is unchanged by them.
//
//  - Conditions: nginx picks a location by path alone. A location whose
//    best route has conditions gets a `rewrite_by_lua_block` that tries the
//    location's candidate routes in precedence order and jumps (ngx.exec) to
//    the named location of the first whose conditions hold; the last
//    candidate is unconditional or the 404. Only such locations pay for Lua.
//  - Weights: `split_clients` at http level hashes the id NGINX composes for
//    each request (GENERATED_REQUEST_ID: worker pid, connection, request
//    number, milliseconds; distinct per request, so its MurmurHash spreads
//    them) to pick the backend key. Not $request_id, whose random bytes were
//    measured at ~8% of a worker's CPU (nginx-conf.ts GENERATED_REQUEST_ID);
//    a client's X-Request-ID does not make it sticky either. A backendRef that
//    cannot be used keeps its share, which answers 500 (Gateway API: requests
//    for an invalid backend get 500).
//  - RequestHeaderModifier and URLRewrite.hostname: proxy_set_header. A
//    location that sets any header must repeat every inherited one (nginx
//    inherits proxy_set_header only into levels that set none).
//  - ResponseHeaderModifier: proxy_hide_header + add_header … always.
//  - RequestRedirect: `return` or, to replace a path prefix, `rewrite … redirect|permanent`.
//  - URLRewrite.path: `rewrite … break` (the proxy sends the rewritten URI).

import type { HTTPHeaderFilter, HTTPPathModifier, HTTPRequestRedirectFilter } from '../api/gateway-types.js';
import { escapeRegex } from './paths.js';
import type { Route, RouteConditions, ValueMatch, WeightedBackend } from './route-table.js';

/** A string nginx takes verbatim: `$` does not start a variable (via the http-level $podnet_dollar). */
export function nginxLiteral(s: string): string {
  return `"${s.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\$/g, '${podnet_dollar}')}"`;
}

/** A Lua string literal for any text: control characters as three-digit decimal escapes (so a digit after one stays a digit). */
export function luaLiteral(s: string): string {
  return `"${s.replace(/[\\"]/g, '\\$&').replace(/[\u0000-\u001f\u007f]/g, (c) => `\\${String(c.charCodeAt(0)).padStart(3, '0')}`)}"`;
}

/**
 * The http-level blocks that locations refer to (split_clients, maps),
 * collected while the servers are rendered and written after them (nginx
 * resolves variables once the whole conf is read). Identical blocks share
 * one variable.
 */
export class HttpLevelBlocks {
  private readonly blocks = new Map<string, { name: string; lines: string[] }>();

  /** `splitOn`: what split_clients hashes, distinct per request (nginx-conf.ts passes GENERATED_REQUEST_ID, not the costly $request_id) */
  constructor(private readonly splitOn: string) {}

  /** the variable holding the chosen backend key ('' for a share that answers 500) and the one naming its Service for the log */
  split(split: readonly WeightedBackend[]): { backendVar: string; serviceVar: string } {
    const shares = splitShares(split);
    const id = this.blocks.size;
    const key = `split\u0000${JSON.stringify(shares)}`;
    const existing = this.blocks.get(key);
    const name = existing?.name ?? `$podnet_split_${id}`;
    if (!existing) {
      const lines = [`split_clients "${this.splitOn}" ${name} {`];
      shares.forEach((s, i) => lines.push(`  ${i === shares.length - 1 ? '*' : `${s.percent}%`} ${nginxLiteral(s.key)};`));
      lines.push('}');
      lines.push(`map ${name} ${name}_service {`);
      lines.push('  default "";');
      for (const s of new Map(shares.filter((x) => x.key !== '').map((x) => [x.key, x.service]))) lines.push(`  ${nginxLiteral(s[0])} ${nginxLiteral(s[1])};`);
      lines.push('}');
      this.blocks.set(key, { name, lines });
    }
    return { backendVar: name, serviceVar: `${name}_service` };
  }

  /**
   * `:port` in a redirect that names a port but no scheme: nothing when the
   * request's own scheme has that port as its default (http:80, https:443)
   */
  redirectPort(port: number): string {
    const own = port === 80 ? 'http' : port === 443 ? 'https' : undefined;
    if (!own) return `:${port}`;
    const key = `port\u0000${port}`;
    const existing = this.blocks.get(key);
    if (existing) return existing.name;
    const name = `$podnet_redirect_port_${port}`;
    this.blocks.set(key, { name, lines: [`map $scheme ${name} { ${own} ""; default ":${port}"; }`] });
    return name;
  }

  /** a variable with the request's header `name` followed by `,value`, or just `value` when the request has none (Gateway API `add`) */
  appended(name: string, value: string): string {
    const key = `add\u0000${name}\u0000${value}`;
    const existing = this.blocks.get(key);
    if (existing) return existing.name;
    const varName = `$podnet_add_${this.blocks.size}`;
    const header = `$http_${name.toLowerCase().replace(/-/g, '_')}`;
    this.blocks.set(key, { name: varName, lines: [`map ${header} ${varName} {`, `  "" ${nginxLiteral(value)};`, `  default "${header},${nginxLiteral(value).slice(1)};`, '}'] });
    return varName;
  }

  lines(): string[] {
    return [...this.blocks.values()].flatMap((b) => b.lines);
  }
}

interface Share { key: string; service: string; percent: string }

/**
 * The shares of a split in percent with two decimals (split_clients'
 * precision), the last one taking the rest; weight-0 entries and shares that
 * round to nothing are left out.
 */
export function splitShares(split: readonly WeightedBackend[]): Share[] {
  const live = split.filter((s) => s.weight > 0);
  const total = live.reduce((n, s) => n + s.weight, 0);
  const shares: Share[] = [];
  for (const s of live) {
    const percent = Math.floor((s.weight / total) * 10000) / 100;
    if (percent <= 0) continue;
    shares.push({ key: s.backend?.key ?? '', service: s.backend ? serviceLabel(s.backend) : '', percent: percent.toFixed(2) });
  }
  return shares;
}

export function serviceLabel(b: { namespace: string; service: string; servicePort: number }): string {
  return `${b.namespace}/${b.service}:${b.servicePort}`;
}

/** The headers every proxied request carries (rendered at http level, repeated in a location that changes any). */
export const PROXY_HEADERS: readonly (readonly [string, string])[] = [
  ['Host', '$podnet_best_host'],
  ['Upgrade', '$http_upgrade'],
  ['Connection', '$connection_upgrade'],
  // The edge does not trust client-supplied forwarding headers (ingress-nginx
  // default use-forwarded-headers=false): X-Forwarded-For is the peer address.
  ['X-Real-IP', '$remote_addr'],
  ['X-Forwarded-For', '$remote_addr'],
  ['X-Forwarded-Proto', '$scheme'],
  ['X-Forwarded-Host', '$podnet_best_host'],
  ['X-Forwarded-Port', '$server_port'],
  ['X-Request-ID', '$podnet_request_id'],
  // httpoxy: a client's Proxy header must not reach CGI-style backends as HTTP_PROXY (ingress-nginx clears it too)
  ['Proxy', '""'],
];

/**
 * proxy_set_header lines for a route that changes request headers (its
 * RequestHeaderModifier, URLRewrite.hostname): every inherited header, with
 * these changes; empty when the route changes none (the http level's apply).
 * A header set to "" is not sent (nginx), which is how `remove` works.
 */
export function requestHeaderLines(r: Route, http: HttpLevelBlocks): string[] {
  const f = r.filters?.requestHeaders;
  const host = r.filters?.rewrite?.hostname;
  if (!f && host === undefined) return [];
  const headers = new Map<string, [string, string]>(PROXY_HEADERS.map(([n, v]) => [n.toLowerCase(), [n, v]]));
  if (host !== undefined) headers.set('host', ['Host', nginxLiteral(host)]);
  for (const h of f?.set ?? []) headers.set(h.name.toLowerCase(), [h.name, nginxLiteral(h.value)]);
  for (const h of f?.add ?? []) headers.set(h.name.toLowerCase(), [h.name, http.appended(h.name, h.value)]);
  for (const name of f?.remove ?? []) headers.set(name.toLowerCase(), [name, '""']);
  return [...headers.values()].map(([n, v]) => `proxy_set_header ${n} ${v};`);
}

/** ResponseHeaderModifier: set replaces the backend's header, add adds one more, remove hides it. */
export function responseHeaderLines(f: HTTPHeaderFilter | undefined): string[] {
  if (!f) return [];
  const out: string[] = [];
  for (const h of f.set ?? []) out.push(`proxy_hide_header ${h.name};`, `add_header ${h.name} ${nginxLiteral(h.value)} always;`);
  for (const h of f.add ?? []) out.push(`add_header ${h.name} ${nginxLiteral(h.value)} always;`);
  for (const name of f.remove ?? []) out.push(`proxy_hide_header ${name};`);
  return out;
}

/**
 * RequestRedirect. Without a port the Location keeps the listener's port
 * unless a scheme is given (then that scheme's own port); ports 80 for http
 * and 443 for https are never written (Gateway API HTTPRequestRedirectFilter).
 */
export function redirectLines(r: Route, f: HTTPRequestRedirectFilter, http: HttpLevelBlocks): string[] {
  const scheme = f.scheme ?? '$scheme';
  const host = f.hostname ?? '$host';
  const port = f.port === undefined ? (f.scheme !== undefined ? '' : '$podnet_listener_port')
    : f.scheme === undefined ? http.redirectPort(f.port)
      : isDefaultPort(f.scheme, f.port) ? '' : `:${f.port}`;
  const base = `${scheme}://${host}${port}`;
  const code = f.statusCode ?? 302;
  const path = f.path;
  if (!path) return [`return ${code} "${base}$request_uri";`];
  if (path.type === 'ReplaceFullPath') return [`return ${code} "${base}${escapeForString(path.replaceFullPath ?? '/')}$is_args$args";`];
  // the rewrites cover every URI of the route's location; should one slip past, no static file is served
  return [...prefixRewrites(r.path, path, base, code === 301 ? 'permanent' : 'redirect'), 'return 500;'];
}

function isDefaultPort(scheme: string | undefined, port: number): boolean {
  return (scheme === 'http' && port === 80) || (scheme === 'https' && port === 443);
}

/** URLRewrite.path: the URI the backend gets (set before, so the `break` ends nothing that matters). */
export function rewriteLines(r: Route): string[] {
  const path = r.filters?.rewrite?.path;
  if (!path) return [];
  if (path.type === 'ReplaceFullPath') return [`rewrite ^ ${nginxLiteral(path.replaceFullPath ?? '/')} break;`];
  return prefixRewrites(r.path, path, '', 'break');
}

/**
 * Replace the matched prefix: `/foo` → `/bar` turns `/foo/x` into `/bar/x`
 * and `/foo` into `/bar`; a replacement `/` turns `/foo/x` into `/x`
 * (Gateway API HTTPPathModifier). Two rewrites: the prefix alone, and the
 * prefix followed by more path.
 */
function prefixRewrites(prefix: string, m: HTTPPathModifier, base: string, flag: 'break' | 'redirect' | 'permanent'): string[] {
  const replacement = m.replacePrefixMatch ?? '/';
  const trimmed = replacement.replace(/\/+$/, '');
  const target = (rest: string) => `"${base}${escapeForString(rest)}`;
  // (?s): a path may hold a percent-decoded newline, which `.` would not match
  if (prefix === '/') return [`rewrite "(?s)^(/.*)$" ${target(trimmed)}$1" ${flag};`];
  const p = quotedRegex(prefix);
  return [
    `rewrite "^${p}$" ${target(replacement === '' ? '/' : replacement)}" ${flag};`,
    `rewrite "(?s)^${p}(/.*)$" ${target(trimmed)}$1" ${flag};`,
  ];
}

/** inside a double-quoted nginx string: quotes and backslashes escaped, `$` not a variable */
function escapeForString(s: string): string {
  return nginxLiteral(s).slice(1, -1);
}

/** a literal path as a pattern inside a double-quoted nginx string */
function quotedRegex(s: string): string {
  return escapeRegex(s).replace(/"/g, '\\"');
}

/** A time nginx reads: whole seconds as `Ns`, else `Nms`. */
function nginxTime(ms: number): string {
  return ms % 1000 === 0 ? `${ms / 1000}s` : `${ms}ms`;
}

/** NGINX has no timeout to disable: a zero Duration ("no timeout") is the longest it keeps (its times are 32-bit milliseconds, < 24.9 days). */
const NO_TIMEOUT = '24d';

/**
 * An HTTPRoute rule's timeouts as NGINX can keep them. backendRequest (or,
 * without it, request) bounds each try at the backend: how long NGINX waits to
 * send to it and between two reads from it, which for a response that does not
 * stream is the time to its answer (a 504 after it). request also bounds the
 * tries together (proxy_next_upstream_timeout). NGINX has no limit on a whole
 * streamed response: a backend that keeps sending is not cut off.
 */
export function gatewayTimeouts(r: Route, connectMs: number): { attempt?: string; total?: string; connect?: string } | undefined {
  const t = r.timeouts;
  if (!t) return undefined;
  // each try within the request's own bound too; the connection within the try's
  const bounds = [t.backendRequestMs, t.requestMs].filter((ms): ms is number => ms !== undefined && ms > 0);
  const attemptMs = bounds.length > 0 ? Math.min(...bounds) : (t.backendRequestMs ?? t.requestMs);
  return {
    ...(attemptMs !== undefined ? { attempt: attemptMs === 0 ? NO_TIMEOUT : nginxTime(attemptMs) } : {}),
    ...(attemptMs !== undefined && attemptMs > 0 && attemptMs < connectMs ? { connect: nginxTime(attemptMs) } : {}),
    ...(t.requestMs ? { total: nginxTime(t.requestMs) } : {}),
  };
}

/** Does this route need the Lua dispatch (anything beyond the path)? */
export function hasConditions(r: Route | undefined): boolean {
  const c = r?.conditions;
  return !!c && (c.method !== undefined || (c.headers?.length ?? 0) > 0 || (c.queryParams?.length ?? 0) > 0 || c.scheme !== undefined);
}

/**
 * The location's `rewrite_by_lua_block`: each candidate's conditions in
 * order, the first that holds jumps to its named location; `last` (an
 * unconditional candidate's location) or a 404 when none does.
 */
export function dispatchLua(candidates: readonly { conditions: RouteConditions; target: string }[], last: string | undefined): string {
  const needs = { method: false, headers: false, query: false };
  for (const c of candidates) {
    needs.method ||= c.conditions.method !== undefined;
    needs.headers ||= (c.conditions.headers?.length ?? 0) > 0;
    needs.query ||= (c.conditions.queryParams?.length ?? 0) > 0;
  }
  const parts: string[] = [];
  if (needs.headers || needs.query) parts.push('local function one(v) if type(v) == "table" then v = v[1] end if v == true then return "" end return v end');
  if (needs.method) parts.push('local m = ngx.req.get_method()');
  if (needs.headers) parts.push('local h = ngx.req.get_headers()');
  if (needs.query) parts.push('local q = ngx.req.get_uri_args()');
  for (const c of candidates) {
    const tests: string[] = [];
    if (c.conditions.scheme) tests.push(`ngx.var.scheme == ${luaLiteral(c.conditions.scheme)}`);
    if (c.conditions.method) tests.push(`m == ${luaLiteral(c.conditions.method)}`);
    for (const hm of c.conditions.headers ?? []) tests.push(valueTest(`one(h[${luaLiteral(hm.name.toLowerCase())}])`, hm));
    for (const qm of c.conditions.queryParams ?? []) tests.push(valueTest(`one(q[${luaLiteral(qm.name)}])`, qm));
    parts.push(`if ${tests.join(' and ')} then return ngx.exec(${luaLiteral(c.target)}) end`);
  }
  parts.push(last ? `return ngx.exec(${luaLiteral(last)})` : 'return ngx.exit(404)');
  return `rewrite_by_lua_block { ${parts.join('; ')} }`;
}

/** Exact: the whole value; RegularExpression: PCRE (ngx.re), anchored at both ends, as matchRoute reads it. */
function valueTest(expr: string, m: ValueMatch): string {
  if (m.type === 'Exact') return `${expr} == ${luaLiteral(m.value)}`;
  return `(${expr} ~= nil and ngx.re.find(${expr}, ${luaLiteral(`^(?:${m.value})$`)}, "jo") ~= nil)`;
}
