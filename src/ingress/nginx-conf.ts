// Route table → the complete nginx.conf text. Pure and deterministic: the same
// table and options give byte-identical output (hosts and locations are
// sorted; no endpoint appears: the Lua balancer gets those, lua-module.ts), so
// the process driver can skip reloads whenever the text is unchanged.
//
// How the Ingress path semantics map onto NGINX's own location selection
// (http://nginx.org/en/docs/http/ngx_http_core_module.html#location: `=`
// matches first and stops; then the longest literal prefix; then regexes in
// order of appearance unless that prefix is `^~`):
//   Exact  /p            → location = /p
//   Prefix /             → location /
//   Prefix /p (or /p/)   → location = /p   and   location /p/
// Longest literal prefix ≡ longest Ingress path, and `=` ≡ Exact beating Prefix
// at equal length, because every Prefix rule is split at its element boundary.
// An Exact and a Prefix rule for the same /p both want `= /p`; the Exact wins it
// (precedence order) and the Prefix keeps `/p/`. Regex hosts (use-regex or
// rewrite-target, as in ingress-nginx) render `location ~* "^path"` in
// precedence order (longest first) and keep `=` for Exact.

import type { CertFiles } from '../self-signed-cert.js';
import { createHash } from 'node:crypto';
import path from 'node:path';
import { CONTROL_DICT, BALANCER_DICT, BALANCER_DICT_SIZE, BALANCER_UPSTREAM, balancerLua, LUA_MODULE_NAME, luaDir, luaModuleFile, noEndpointsSocket } from './lua-module.js';
import { CATCH_ALL_HOST, isWildcard, namesCover, suffixWildcardMatches } from './hosts.js';
import { escapeRegex, prefixMatches, RESERVED_PATH_PREFIX } from './paths.js';
import { refKey, type HostTls, type Route, type RouteTable, type VirtualHost, type IngressRef } from './route-table.js';
import { dispatchLua, gatewayTimeouts, hasConditions, HttpLevelBlocks, luaLiteral, PROXY_HEADERS, redirectLines, requestHeaderLines, responseHeaderLines, rewriteLines, serviceLabel } from './gateway-nginx.js';

/**
 * Workers for a node with `cpus` CPUs: half of them, at least one. NGINX shares
 * the node with the pods it proxies to (and in the benchmark with the client):
 * on 2 cores a second worker made every proxied request cost ~30% more CPU
 * (nginx, wrk and the backend alike: half the events per epoll wake-up, more
 * context switches) without a core to spare (docs/ingress.md, "Data path").
 * ingress-nginx's `auto` (one per CPU) assumes a node of its own.
 */
export function defaultWorkerProcesses(cpus: number): number {
  return Math.max(1, Math.floor(cpus / 2));
}
/** when the caller does not say (tests, small nodes) */
export const DEFAULT_WORKER_PROCESSES = 1;
/** per worker; a proxied request holds two (client + upstream), so 2,048 requests in flight per worker */
export const WORKER_CONNECTIONS = 4096;
/** open files per worker: every connection is a descriptor, plus logs and temp files (the soft limit may be 1,024) */
export const WORKER_RLIMIT_NOFILE = 2 * WORKER_CONNECTIONS;
/**
 * How long a worker generation replaced by a reload may keep serving its open
 * requests and WebSockets before NGINX closes them. Any Ingress, Service or
 * Secret change reloads (endpoint changes do not), so it starts this clock for
 * every connection open at that moment: ingress-nginx's 240s, so a long
 * download or WebSocket survives four minutes past it, while draining
 * generations (each a full set of workers and their memory) are still bounded.
 */
export const WORKER_SHUTDOWN_TIMEOUT = '240s';
/**
 * Idle connections to the backends each worker keeps open
 * (ngx_http_upstream_keepalive), shared by every Service: there is one
 * upstream, the Lua balancer's, as in ingress-nginx, whose default this is.
 * Requests in flight beyond it open and close their own upstream connection.
 */
export const UPSTREAM_KEEPALIVE_CONNECTIONS = 320;
/** requests per upstream connection before nginx closes it (nginx default 1000; ingress-nginx 10000) */
export const UPSTREAM_KEEPALIVE_REQUESTS = 10_000;
/**
 * Idle upstream connections are closed by us before the backend does: Node's
 * http.Server (podnet/echo) closes idle keep-alive sockets after 5 s, and a
 * request written into a socket the peer just closed fails with 502.
 */
export const UPSTREAM_KEEPALIVE_TIMEOUT = '4s';
/**
 * The access log is written in chunks (ngx_http_log_module `buffer=`/`flush=`)
 * instead of one write(2) per request: under load a 64 KiB buffer holds ~100
 * lines, so one write for ~100 requests. `flush` bounds how stale the file can
 * be when traffic is light (podnet demo and the tests read it right after a
 * request); at a few requests per second it costs what unbuffered logging does.
 * Workers flush on exit, so a reload loses no lines.
 */
export const ACCESS_LOG_BUFFER = '64k';
export const ACCESS_LOG_FLUSH = '100ms';
/**
 * The id NGINX gives a request that brought no X-Request-ID: worker pid,
 * connection serial number, request number on that connection, time in ms
 * (`3630-1234-17-1764232000.123`). Unique: the connection counter is shared by
 * a generation's workers (an atomic in shared memory), live workers have
 * distinct pids, and the time separates a reused pid from its predecessor. It
 * replaces ingress-nginx's `$request_id` (16 random bytes in hex): OpenSSL's
 * RAND_bytes, with the getpid(2) of its fork check, was ~8% of the worker's CPU
 * per proxied request (in-cluster A/B, docs/ingress.md), and the parts say
 * which worker and client connection carried the request, which a random id
 * does not. Not meant to be unguessable; nothing here relies on that.
 */
export const GENERATED_REQUEST_ID = '$pid-$connection-$connection_requests-$msec';
export const PROXY_NEXT_UPSTREAM_TRIES = 3;
/**
 * The server_names_hash_bucket_size podnet never goes below (what it rendered
 * before the size followed the names): enough for names of up to 110 bytes.
 */
export const MIN_SERVER_NAMES_HASH_BUCKET_SIZE = 128;
const WORD_SIZE = 8; // sizeof(void *) on the 64-bit builds podnet runs on

/**
 * ingress-nginx's nginxHashBucketSize: a hash bucket must hold one element
 * (a pointer plus the name and its 2-byte length, aligned to the word size,
 * ngx_hash.h NGX_HASH_ELT_SIZE) and the bucket's terminating pointer; rounded
 * up to a power of two. NGINX cannot grow the bucket itself: a longer server
 * name fails the whole conf with "could not build server_names_hash", an error
 * that names no line (trac.nginx.org tickets 352 and 631).
 */
export function nginxHashBucketSize(longestName: number): number {
  const aligned = Math.ceil((longestName + 2) / WORD_SIZE) * WORD_SIZE;
  return nextPowerOf2(aligned + 2 * WORD_SIZE);
}

function nextPowerOf2(n: number): number {
  let p = 1;
  while (p < n) p *= 2;
  return p;
}

/** server_names_hash_bucket_size for these hosts: from the longest name (in bytes), never below the floor. */
export function serverNamesHashBucketSize(hosts: readonly string[]): number {
  const longest = hosts.reduce((m, h) => Math.max(m, Buffer.byteLength(h)), 0);
  return Math.max(MIN_SERVER_NAMES_HASH_BUCKET_SIZE, nginxHashBucketSize(longest));
}
export const LOG_FORMAT_NAME = 'podnet_json';
/** Debian's dynamic modules: libnginx-mod-http-lua and the NDK it is built on */
export const NGINX_MODULE_DIR = '/usr/lib/nginx/modules';
export const LUA_MODULE_FILES = ['ndk_http_module.so', 'ngx_http_lua_module.so'] as const;
export const ERROR_LOCATION_PREFIX = `${RESERVED_PATH_PREFIX}/error/`;

/** Bodies of the controller's own answers (errorPageFiles writes them under runtimeDir/errors). */
export const ERROR_PAGES: Readonly<Record<number, { title: string; text: string }>> = {
  404: { title: '404 Not Found', text: 'podnet ingress: no Ingress rule matches this host and path.' },
  // Gateway API: the share of a rule whose backendRef cannot be used, or a rule without backends
  500: { title: '500 Internal Server Error', text: 'podnet gateway: this HTTPRoute rule has no backend that can be used (podnet describe httproute says why).' },
  502: { title: '502 Bad Gateway', text: 'podnet ingress: the backend refused or reset the connection.' },
  // the same page for a Service without ready endpoints and for a backend the controller cannot use (a missing Service or port, an ExternalName): the Ingress's events say which
  503: { title: '503 Service Unavailable', text: 'podnet ingress: the Service has no ready endpoints, or this backend cannot be used (podnet describe ingress says why).' },
  504: { title: '504 Gateway Timeout', text: 'podnet ingress: the backend did not answer in time.' },
};

/** where a certificate and its key are on disk */
export type { CertFiles };

export interface RenderOptions {
  /** absolute; pid file, logs and temp files all live here, never in the host's /run, /var/log or /var/lib/nginx */
  runtimeDir: string;
  /** absolute; per-Secret PEM files (see tlsFiles) */
  certDir: string;
  httpPort: number;
  httpsPort: number;
  /** e.g. 127.0.0.1 in tests; all addresses when absent */
  listenAddress?: string;
  /** the certificate for unknown SNI names and hosts without TLS */
  defaultCert: CertFiles;
  workerProcesses?: number;
  /** rendered as `user` when set (only meaningful when the master runs as root) */
  workerUser?: string;
  /** where libnginx-mod-http-lua's .so files are (NGINX_MODULE_DIR) */
  moduleDir?: string;
  /** also write the access log to stdout (the pod's log), besides runtimeDir/logs/access.log */
  accessLogStdout?: boolean;
}

/**
 * Lines [startLine, endLine] (1-based, inclusive) rendered from these Ingresses
 * (a server block or a location inside it): lets NGINX's errors name their cause.
 */
export interface ConfSection { startLine: number; endLine: number; host: string; ingresses: IngressRef[]; files?: string[] }

/**
 * The Ingresses behind an `nginx -t` error (`... in /path/nginx.conf:123`);
 * empty when it is not theirs. The narrowest section holding the line decides:
 * a line inside a location belongs to the Ingress of that location's route,
 * not to every Ingress of the host.
 */
export function attributeConfError(stderr: string, sections: readonly ConfSection[]): IngressRef[] {
  const m = /\bin \S+:(\d+)\s*$/m.exec(stderr);
  if (m) {
    const line = Number(m[1]);
    let narrowest: ConfSection | undefined;
    for (const x of sections) {
      if (line < x.startLine || line > x.endLine) continue;
      if (!narrowest || x.endLine - x.startLine < narrowest.endLine - narrowest.startLine) narrowest = x;
    }
    if (narrowest) return narrowest.ingresses;
  }
  // Certificates are loaded after parsing; their errors name the file, not a line.
  const s = sections.find((x) => x.files?.some((f) => stderr.includes(f)));
  return s ? s.ingresses : [];
}

export interface RenderedConf { text: string; sections: ConfSection[] }

export function accessLogPath(runtimeDir: string): string { return path.join(runtimeDir, 'logs', 'access.log'); }
export function errorLogPath(runtimeDir: string): string { return path.join(runtimeDir, 'logs', 'error.log'); }
export function pidPath(runtimeDir: string): string { return path.join(runtimeDir, 'nginx.pid'); }

/** The Unix socket of the control server (drain on/off); not reachable from any network. */
export function controlSocketPath(runtimeDir: string): string { return path.join(runtimeDir, 'control.sock'); }

/** Every Unix socket the conf listens on (a master that was killed leaves them behind, and NGINX will not bind over them). */
export function unixSockets(runtimeDir: string): string[] {
  return [controlSocketPath(runtimeDir), noEndpointsSocket(runtimeDir, 'http'), noEndpointsSocket(runtimeDir, 'https')];
}

export function errorPageDir(runtimeDir: string): string { return path.join(runtimeDir, 'errors'); }

/** The error pages the conf serves: path → HTML. */
export function errorPageFiles(runtimeDir: string): Map<string, string> {
  const files = new Map<string, string>();
  for (const [code, page] of Object.entries(ERROR_PAGES)) {
    files.set(path.join(errorPageDir(runtimeDir), `${code}.html`), `<!doctype html><title>${page.title}</title><h1>${page.title}</h1><p>${page.text}</p>\n`);
  }
  return files;
}

/** Every file the rendered conf refers to besides itself: error pages, the balancer's Lua and TLS PEMs (path → content). */
export function confFiles(table: RouteTable, options: RenderOptions): Map<string, string> {
  return new Map([
    ...errorPageFiles(options.runtimeDir),
    [luaModuleFile(options.runtimeDir), balancerLua(options.runtimeDir)],
    ...tlsFiles(table, options.certDir),
  ]);
}

/** The PEM file for a host's Secret: named after the Secret and its content, so a rotated cert is a new file. */
export function tlsFileName(certDir: string, tls: HostTls): string | undefined {
  if (!tls.secret || !tls.cert || !tls.key) return undefined;
  const digest = createHash('sha256').update(tls.cert).update('\0').update(tls.key).digest('hex').slice(0, 16);
  return path.join(certDir, `${tls.secret.replace('/', '_')}-${digest}.pem`);
}

/** Every PEM file the rendered conf refers to: path → certificate chain + key. */
export function tlsFiles(table: RouteTable, certDir: string): Map<string, string> {
  const files = new Map<string, string>();
  for (const v of table.hosts) {
    const file = v.tls ? tlsFileName(certDir, v.tls) : undefined;
    if (file) files.set(file, `${v.tls!.cert!.trimEnd()}\n${v.tls!.key!.trimEnd()}\n`);
  }
  return files;
}

/** A double-quoted nginx string: nginx unescapes \" and \\ (ngx_conf_read_token). */
export function quote(s: string): string {
  return `"${s.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`;
}

class Lines {
  readonly out: string[] = [];
  add(indent: number, text: string) { this.out.push(text === '' ? '' : `${'  '.repeat(indent)}${text}`); }
  get next(): number { return this.out.length + 1; }
}

export function renderNginxConf(table: RouteTable, options: RenderOptions): RenderedConf {
  const o = options;
  const rt = o.runtimeDir;
  const L = new Lines();
  const sections: ConfSection[] = [];
  L.add(0, '# Rendered by the podnet ingress controller from the cluster\'s Ingresses; rewritten on every change.');
  if (o.workerUser) L.add(0, `user ${o.workerUser};`);
  // The controller runs the master as its child (daemon off) so the pod's process model tracks it.
  L.add(0, 'daemon off;');
  for (const m of LUA_MODULE_FILES) L.add(0, `load_module ${path.join(o.moduleDir ?? NGINX_MODULE_DIR, m)};`);
  L.add(0, `worker_processes ${o.workerProcesses ?? DEFAULT_WORKER_PROCESSES};`);
  L.add(0, `worker_rlimit_nofile ${WORKER_RLIMIT_NOFILE};`);
  L.add(0, `pid ${pidPath(rt)};`);
  L.add(0, `error_log ${errorLogPath(rt)} notice;`);
  L.add(0, 'error_log stderr warn;');
  L.add(0, `worker_shutdown_timeout ${WORKER_SHUTDOWN_TIMEOUT};`);
  L.add(0, '');
  L.add(0, `events { worker_connections ${WORKER_CONNECTIONS}; }`);
  L.add(0, '');
  L.add(0, 'http {');
  const tmp = (n: string) => path.join(rt, 'tmp', n);
  for (const [directive, dir] of [['client_body_temp_path', 'body'], ['proxy_temp_path', 'proxy'], ['fastcgi_temp_path', 'fastcgi'], ['uwsgi_temp_path', 'uwsgi'], ['scgi_temp_path', 'scgi']] as const) {
    L.add(1, `${directive} ${tmp(dir)};`);
  }
  L.add(1, 'default_type application/octet-stream;');
  L.add(1, 'server_tokens off;');
  L.add(1, 'keepalive_timeout 75s;');
  // Small responses go out as soon as they are written (nginx's default for keep-alive connections, stated).
  L.add(1, 'tcp_nodelay on;');
  L.add(1, 'server_names_hash_max_size 16384;');
  // Sized from the longest host (which the table sorts, so the text stays deterministic).
  L.add(1, `server_names_hash_bucket_size ${serverNamesHashBucketSize(table.hosts.map((v) => v.host))};`);
  // Per-location identity ($podnet_*) is unset for requests no location claims.
  L.add(1, 'uninitialized_variable_warn off;');
  L.add(1, '');
  // JSON lines with the upstream nginx chose: the evidence `podnet trace` reads and `podnet observe` follows.
  L.add(1, `log_format ${LOG_FORMAT_NAME} escape=json '{"time":"$time_iso8601","msec":$msec,"remote_addr":"$remote_addr","scheme":"$scheme","host":"$host","method":"$request_method","uri":"$request_uri","status":$status,"bytes_sent":$body_bytes_sent,"request_time":$request_time,"ingress":"$podnet_ingress","service":"$podnet_service","rule_host":"$podnet_host","rule_path":"$podnet_path","upstream_addr":"$upstream_addr","upstream_status":"$upstream_status","upstream_response_time":"$upstream_response_time","upstream_bytes_received":"$upstream_bytes_received","request_id":"$podnet_request_id"}';`);
  const buffered = `buffer=${ACCESS_LOG_BUFFER} flush=${ACCESS_LOG_FLUSH}`;
  L.add(1, `access_log ${accessLogPath(rt)} ${LOG_FORMAT_NAME} ${buffered};`);
  if (o.accessLogStdout) L.add(1, `access_log /dev/stdout ${LOG_FORMAT_NAME} ${buffered};`);
  L.add(1, '');
  // WebSocket (RFC 6455 §4.1) needs Upgrade/Connection passed on; otherwise an
  // empty Connection header keeps the upstream connection reusable.
  L.add(1, 'map $http_upgrade $connection_upgrade { default upgrade; \'\' \'\'; }');
  // Host preserved as the client sent it, port included (ingress-nginx $best_http_host).
  L.add(1, 'map $http_host $podnet_best_host { \'\' $host; default $http_host; }');
  // nginx strings in `set` interpolate variables and have no escape for '$'; regex paths contain it.
  L.add(1, 'geo $podnet_dollar { default "$"; }');
  // The request's id: the client's own X-Request-ID when it sends one (ingress-nginx
  // $req_id), so an id a caller already traces by passes through the hop and
  // names the access-log line; else one NGINX composes (GENERATED_REQUEST_ID).
  L.add(1, `map $http_x_request_id $podnet_request_id { '' ${GENERATED_REQUEST_ID}; default $http_x_request_id; }`);
  L.add(1, '');
  // The port a redirect keeps when it names none (HTTPRoute RequestRedirect): the listener's, unless it is the scheme's own.
  L.add(1, 'map "$scheme:$server_port" $podnet_listener_port { "http:80" ""; "https:443" ""; default ":$server_port"; }');
  L.add(1, '');
  L.add(1, 'proxy_http_version 1.1;');
  for (const [name, value] of PROXY_HEADERS) L.add(1, `proxy_set_header ${name} ${value};`);
  // A retry goes back to the balancer, which takes the next pod (lua-module.ts).
  L.add(1, 'proxy_next_upstream error timeout;');
  L.add(1, `proxy_next_upstream_tries ${PROXY_NEXT_UPSTREAM_TRIES};`);
  L.add(1, 'proxy_redirect off;');
  // Buffered (nginx's default; ingress-nginx turns it off): the response is read
  // whole and sent with its header in one writev; unbuffered sends the header
  // and the body separately, one more syscall per small response (measured).
  // The upstream connection is also free again as soon as the backend is done.
  L.add(1, 'proxy_buffering on;');
  L.add(1, '');
  for (const line of ERROR_PAGE_LINES) L.add(1, line);
  L.add(1, '');
  for (const line of drainLines(rt)) L.add(1, line);
  L.add(1, '');
  L.add(1, 'ssl_protocols TLSv1.2 TLSv1.3;');
  L.add(1, 'ssl_session_cache shared:podnet_ssl:4m;');
  // No http-level ssl_certificate: nginx would load it into a separate SSL_CTX for
  // every server block (measured with 1,000 hosts and the Lua module: +1.5 s on a
  // 1.2 s `nginx -t`, docs/ingress.md "Merging, conflicts, classes, backends, TLS").

  L.add(1, '');
  for (const line of balancerLines(rt, table.hosts.some((v) => v.routes.some((r) => r.filters?.mirrors?.length)))) L.add(1, line);
  L.add(1, '');
  for (const line of noEndpointsServerLines(o)) L.add(1, line);
  const http = new HttpLevelBlocks(GENERATED_REQUEST_ID);
  const wildcards = {
    ingress: table.hosts.filter((w) => w.tls && isWildcard(w.host) && !w.anyDepth).map((w) => w.host),
    gateway: table.hosts.filter((w) => w.tls && w.anyDepth).map((w) => w.host),
  };
  for (const v of table.hosts) {
    L.add(1, '');
    const start = L.next;
    renderServer(L, v, o, sections, shadowedOnHttps(wildcards, v), http);
    sections.push({ startLine: start, endLine: L.next - 1, host: v.host, ingresses: ingressesOf(v) });
    const cert = v.tls ? tlsFileName(o.certDir, v.tls) : undefined;
    // A file-only section (no lines): a broken certificate is the fault of the Ingress that named its Secret.
    if (cert && v.tls?.ingress) sections.push({ startLine: 0, endLine: -1, host: v.host, ingresses: [v.tls.ingress], files: [cert] });
  }
  const blocks = http.lines();
  if (blocks.length > 0) {
    L.add(1, '');
    L.add(1, '# HTTPRoute backend weights and appended request headers (gateway-nginx.ts)');
    for (const line of blocks) L.add(1, line);
  }
  L.add(0, '}');
  return { text: `${L.out.join('\n')}\n`, sections };
}

/**
 * A host without TLS that a TLS wildcard covers: an Ingress wildcard (one
 * label), or a Gateway's HTTPS wildcard (any depth) when the host has no
 * HTTPRoute routes of its own. A name with HTTPRoute routes under a Gateway
 * wildcard is that HTTPS listener's over HTTPS (listener isolation), and
 * gateway-placement.ts gave it the listener's routes and certificate.
 */
function shadowedOnHttps(tlsWildcards: { ingress: readonly string[]; gateway: readonly string[] }, v: VirtualHost): boolean {
  if (v.tls || v.host === CATCH_ALL_HOST) return false;
  if (namesCover(tlsWildcards.ingress, v.host)) return true;
  return !hasHTTPRoutes(v) && tlsWildcards.gateway.some((w) => suffixWildcardMatches(w, v.host));
}

function hasHTTPRoutes(v: VirtualHost): boolean {
  return v.routes.some((r) => r.ingress.kind === 'HTTPRoute');
}

function hostPort(ip: string, port: number): string {
  return ip.includes(':') ? `[${ip}]:${port}` : `${ip}:${port}`;
}

function ingressesOf(v: VirtualHost): IngressRef[] {
  const m = new Map<string, IngressRef>();
  for (const r of [...v.routes, ...(v.fallback ? [v.fallback] : [])]) m.set(refKey(r.ingress), r.ingress);
  return [...m.entries()].sort(([a], [b]) => (a < b ? -1 : 1)).map(([, r]) => r);
}

function listen(o: RenderOptions, port: number): string {
  return o.listenAddress ? `${hostPort(o.listenAddress, port)}` : `${port}`;
}

/**
 * `shadowedOnHttps`: a host without TLS that a TLS wildcard host covers. Left
 * off the HTTPS port, its SNI name would select the wildcard's server and its
 * requests that Ingress's backends; so it listens there too, with the default
 * certificate, and keeps its own routes as over HTTP (ingress-nginx serves
 * every host on HTTPS).
 */
function renderServer(L: Lines, v: VirtualHost, o: RenderOptions, sections: ConfSection[], shadowedOnHttps: boolean, http: HttpLevelBlocks) {
  const catchAll = v.host === CATCH_ALL_HOST;
  // With several workers, one listening socket per worker (SO_REUSEPORT): the
  // kernel spreads new connections over them instead of waking every worker
  // for each (ingress-nginx reuse-port). Not with one worker: there it gains
  // nothing and would let a stray second nginx bind the same port silently
  // instead of failing with EADDRINUSE. Allowed once per address:port, so on
  // the default server's listen lines.
  const reuseport = catchAll && (o.workerProcesses ?? DEFAULT_WORKER_PROCESSES) > 1 ? ' reuseport' : '';
  const dflt = catchAll ? ` default_server${reuseport}` : '';
  L.add(1, `server {`);
  L.add(2, `# host ${catchAll ? '(catch-all: rules without host, unknown hosts and SNI names)' : v.host}; ingresses ${ingressesOf(v).map(refKey).join(' ') || '(none)'}`);
  L.add(2, `listen ${listen(o, o.httpPort)}${dflt};`);
  // HTTPS for the default server (unknown SNI → default cert), TLS hosts and
  // hosts a TLS wildcard would otherwise take; any other host without spec.tls
  // reached over HTTPS is answered by the default server (ingress-nginx serves
  // it with the default cert; here that would cost an SSL_CTX per host on
  // every parse, measured in docs/ingress.md).
  const https = catchAll || v.tls !== undefined || shadowedOnHttps;
  // HTTP/2 over TLS, as ingress-nginx's use-http2 default (ALPN: HTTP/1.1 clients and upgrades are unaffected)
  if (https) L.add(2, `listen ${listen(o, o.httpsPort)} ssl http2${dflt};`);
  // nginx `*.example.com` matches any depth, as a Gateway API wildcard does; an Ingress wildcard matches one label.
  const name = catchAll ? '_' : isWildcard(v.host) && !v.anyDepth ? quote(`~^[^.]+${v.host.slice(1).replace(/\./g, '\\.')}$`) : v.host;
  L.add(2, `server_name ${name};`);
  if (https) {
    const certFile = v.tls ? tlsFileName(o.certDir, v.tls) : undefined;
    L.add(2, `ssl_certificate ${certFile ?? o.defaultCert.certPath};`);
    L.add(2, `ssl_certificate_key ${certFile ?? o.defaultCert.keyPath};`);
  }
  // The controller's own answers: static pages (errorPageFiles) keep the status of the error (no `=code`).
  // error_page itself is set at http level and inherited by every location.
  L.add(2, errorPagesLocation(o.runtimeDir));
  // log_format names $podnet_*; nginx only knows a variable some `set` declares,
  // so an Ingress-less conf declares them in a location no request can reach.
  if (catchAll) L.add(2, `location = ${RESERVED_PATH_PREFIX}/declare { internal; set $podnet_ingress ""; set $podnet_service ""; set $podnet_host ""; set $podnet_path ""; return 404; }`);

  // plain HTTP is redirected on TLS hosts of Ingresses (the default server
  // has none: it answers unknown SNI names with the default certificate)
  const redirect = v.tls !== undefined && !v.tls.fromGateway;
  const blocks: { key: string; modifier: string; route: Route | undefined }[] = [];
  if (v.regex) {
    for (const r of v.routes) blocks.push(r.kind === 'exact' ? exactBlock(r) : { key: `~* ^${r.path}`, modifier: `~* ${quote(`^${r.path}`)}`, route: r });
  } else {
    const taken = new Set<string>();
    const claim = (key: string, modifier: string, route: Route) => {
      if (taken.has(key)) return;
      taken.add(key);
      blocks.push({ key, modifier, route });
    };
    for (const r of v.routes) {
      if (r.kind === 'exact') { const b = exactBlock(r); claim(b.key, b.modifier, r); }
      else if (r.path === '/') claim('/', '/', r);
      else {
        claim(`= ${r.path}`, `= ${quote(r.path)}`, r);
        claim(`${r.path}/`, quote(`${r.path}/`), r);
      }
    }
    // Order does not matter to nginx among literal locations; sort by path, `=` first, for reading.
    const sortKey = (k: string) => (k.startsWith('= ') ? `${k.slice(2)}\u0000` : `${k}\u0001`);
    blocks.sort((a, b) => (sortKey(a.key) < sortKey(b.key) ? -1 : sortKey(a.key) > sortKey(b.key) ? 1 : 0));
  }
  // Regex locations are tried in the order written: Exact ones (`~ ^p/$`, disjoint) before the host's `~*` paths.
  const rank = (k: string) => (k.startsWith('~* ') ? 2 : k.startsWith('~ ') ? 1 : 0);
  if (v.regex) blocks.sort((a, b) => rank(a.key) - rank(b.key));
  const hasRoot = blocks.some((b) => b.key === '/');
  if (!hasRoot) blocks.push({ key: '/', modifier: '/', route: v.fallback });

  // Only HTTPRoute routes (their conditions, their hostname precedence) can
  // answer a location's requests with another route than the one that claimed it.
  const fromRoutes = hasHTTPRoutes(v);
  const named = new NamedLocations();
  for (const b of blocks) {
    const start = L.next;
    const candidates = v.regex || !b.route || !fromRoutes ? [b.route] : candidatesFor(b.key, v);
    if (candidates.length === 1 && !hasConditions(candidates[0])) {
      renderLocation(L, b.modifier, candidates[0], v, redirect, o, http);
    } else {
      renderDispatch(L, b.modifier, candidates, named);
    }
    const refs = candidates.flatMap((r) => (r ? [r.ingress] : []));
    if (refs.length > 0) sections.push({ startLine: start, endLine: L.next - 1, host: v.host, ingresses: refs });
  }
  for (const [route, name] of named.entries()) {
    const start = L.next;
    renderLocation(L, name, route, v, redirect, o, http);
    sections.push({ startLine: start, endLine: L.next - 1, host: v.host, ingresses: [route.ingress] });
  }
  // RequestMirror: where the copies go (the original URI, the balancer's pod for that Service port; answers discarded by nginx)
  const mirrors = new Map(v.routes.flatMap((r) => r.filters?.mirrors ?? []).map((b) => [b.key, b]));
  for (const key of [...mirrors.keys()].sort()) {
    // not `set $podnet_backend`: the copy shares the request's variables, and a retry of the request would go to the mirror
    L.add(2, `location = ${mirrorPath(key)} { internal; rewrite_by_lua_block { ngx.ctx.${MIRROR_CTX_KEY} = ${luaLiteral(key)} } proxy_pass http://${MIRROR_UPSTREAM}$request_uri; }`);
  }
  L.add(1, '}');
}

function mirrorPath(backendKey: string): string {
  return `${RESERVED_PATH_PREFIX}/mirror/${backendKey}`;
}

/** The named location each route that a dispatch can jump to gets, once per server, numbered in order of first use. */
class NamedLocations {
  private readonly names = new Map<Route, string>();
  nameOf(r: Route): string {
    let n = this.names.get(r);
    if (!n) this.names.set(r, (n = `@podnet_route_${this.names.size}`));
    return n;
  }
  entries(): [Route, string][] { return [...this.names.entries()]; }
}

/**
 * The routes a request reaching this location can take, best first: those
 * whose path matches every URI the location holds (an HTTPRoute whose
 * conditions fail falls through to the next, as the Gateway API wants),
 * ending at the first without conditions, else at the host's fallback.
 */
function candidatesFor(key: string, v: VirtualHost): (Route | undefined)[] {
  // `= /p` and `~ ^/p/$` hold one URI; `/p/` and `/` every URI under them.
  const uri = key.startsWith('= ') ? key.slice(2) : key.startsWith('~ ') ? exactRouteOf(key, v)?.path : undefined;
  const covers = (r: Route): boolean => {
    if (uri !== undefined) return r.kind === 'exact' ? r.path === uri : r.kind === 'prefix' && prefixMatches(r.path, uri);
    return r.kind === 'prefix' && prefixMatches(r.path, key === '/' ? '/' : key.replace(/\/$/, ''));
  };
  const out: (Route | undefined)[] = [];
  for (const r of v.routes) {
    if (!covers(r)) continue;
    out.push(r);
    if (!hasConditions(r)) return out;
  }
  out.push(v.fallback);
  return out;
}

/** The Exact route an `~ ^/p/$` block was rendered for (exactBlock): the one URI it holds. */
function exactRouteOf(key: string, v: VirtualHost): Route | undefined {
  return v.routes.find((r) => r.kind === 'exact' && exactBlock(r).key === key);
}

/**
 * A location whose best route has conditions: Lua tries the candidates in
 * order and jumps to the named location of the first that holds.
 */
function renderDispatch(L: Lines, modifier: string, candidates: readonly (Route | undefined)[], named: NamedLocations) {
  const last = candidates[candidates.length - 1];
  const conditional = candidates.filter((r): r is Route => r !== undefined && hasConditions(r));
  const fallback = last && !hasConditions(last) ? named.nameOf(last) : undefined;
  L.add(2, `location ${modifier} {`);
  L.add(3, dispatchLua(conditional.map((r) => ({ conditions: r.conditions!, target: named.nameOf(r) })), fallback));
  L.add(2, '}');
}

/**
 * Exact /p → `location = /p`. But NGINX answers a request for `/p` with a 301 to
 * `/p/` when a proxy_pass location's name is `/p/` — `=` locations included —
 * (auto_redirect, ngx_http_core_find_static_location), which would make Exact
 * `/p/` match `/p`. Such paths become an anchored case-sensitive regex instead:
 * nothing else can match the same single URI, so precedence is unchanged.
 */
function exactBlock(r: Route): { key: string; modifier: string; route: Route } {
  if (r.path.length > 1 && r.path.endsWith('/')) {
    const re = `^${escapeRegex(r.path)}$`;
    return { key: `~ ${re}`, modifier: `~ ${quote(re)}`, route: r };
  }
  return { key: `= ${r.path}`, modifier: `= ${quote(r.path)}`, route: r };
}

function renderLocation(L: Lines, modifier: string, r: Route | undefined, v: VirtualHost, redirect: boolean, o: RenderOptions, http: HttpLevelBlocks) {
  L.add(2, `location ${modifier} {`);
  if (r) {
    L.add(3, `set $podnet_ingress ${quote(refKey(r.ingress))};`);
    L.add(3, `set $podnet_host ${quote(v.host)};`);
    L.add(3, `set $podnet_path ${quote(r.isDefaultBackend ? '(defaultBackend)' : r.path.replace(/\$/g, '${podnet_dollar}'))};`);
    if (r.backend) L.add(3, `set $podnet_service ${quote(serviceLabel(r.backend))};`);
    // allowlist-source-range: NGINX's access phase, after the redirect and before the proxy (403 to the rest)
    if (r.options.allowlist) {
      for (const range of r.options.allowlist) L.add(3, `allow ${range};`);
      L.add(3, 'deny all;');
    }
  }
  // TLS hosts answer plain HTTP with a permanent redirect that keeps the method
  // (RFC 9110 §15.4.9 308). A location no route decides (the root added for a
  // host without `/`) follows the annotations of the host's oldest Ingress.
  if (redirect && ((r?.options ?? v.options)?.sslRedirect ?? true)) {
    const port = o.httpsPort === 443 ? '' : `:${o.httpsPort}`;
    L.add(3, `if ($scheme = http) { return 308 https://$host${port}$request_uri; }`);
  }
  if (!r) {
    L.add(3, 'return 404;');
  } else if (r.filters?.redirect) {
    for (const line of redirectLines(r, r.filters.redirect, http)) L.add(3, line);
  } else if (r.split) {
    renderSplitProxy(L, r, http);
  } else if (!r.backend) {
    L.add(3, 'return 503;');
  } else {
    const opt = r.options;
    // Before the rewrite: its `break` ends the location's `set`s too.
    // The balancer picks this Service port's pod (the 503 server when none is ready).
    L.add(3, `set $podnet_backend ${quote(r.backend.key)};`);
    if (opt.rewriteTarget !== undefined && !r.isDefaultBackend) {
      const pattern = r.kind === 'exact' ? `^${escapeRegex(r.path)}$` : `(?i)^${r.path}`;
      L.add(3, `rewrite ${quote(pattern)} ${opt.rewriteTarget} break;`);
    }
    proxyLines(L, r);
  }
  L.add(2, '}');
}

function proxyLines(L: Lines, r: Route) {
  const opt = r.options;
  const t = gatewayTimeouts(r, opt.proxyConnectTimeoutS * 1000);
  L.add(3, `proxy_connect_timeout ${t?.connect ?? `${opt.proxyConnectTimeoutS}s`};`);
  L.add(3, `proxy_send_timeout ${t?.attempt ?? `${opt.proxySendTimeoutS}s`};`);
  L.add(3, `proxy_read_timeout ${t?.attempt ?? `${opt.proxyReadTimeoutS}s`};`);
  if (t?.total) L.add(3, `proxy_next_upstream_timeout ${t.total};`);
  L.add(3, `client_max_body_size ${opt.proxyBodySize};`);
  L.add(3, opt.backendProtocol === 'HTTPS' ? `proxy_pass https://${BALANCER_UPSTREAM}_tls;` : `proxy_pass http://${BALANCER_UPSTREAM};`);
}

/**
 * An HTTPRoute rule's backends: one usable backend is named directly, several
 * are chosen per request by weight (gateway-nginx.ts); a share that cannot be
 * used, or a rule with no weight at all, answers 500. Then the filters that
 * change what the backend gets and what the client gets back.
 */
function renderSplitProxy(L: Lines, r: Route, http: HttpLevelBlocks) {
  const live = (r.split ?? []).filter((s) => s.weight > 0);
  const only = live.length === 1 ? live[0]!.backend : undefined;
  if (live.length === 0 || live.every((s) => !s.backend)) {
    L.add(3, 'return 500;');
    return;
  }
  if (only) {
    L.add(3, `set $podnet_service ${quote(serviceLabel(only))};`);
    L.add(3, `set $podnet_backend ${quote(only.key)};`);
  } else {
    const { backendVar, serviceVar } = http.split(live);
    L.add(3, `set $podnet_service ${serviceVar};`);
    L.add(3, `set $podnet_backend ${backendVar};`);
    if (live.some((s) => !s.backend)) L.add(3, 'if ($podnet_backend = "") { return 500; }');
  }
  for (const m of r.filters?.mirrors ?? []) L.add(3, `mirror ${mirrorPath(m.key)};`);
  for (const line of rewriteLines(r)) L.add(3, line);
  for (const line of requestHeaderLines(r, http)) L.add(3, line);
  for (const line of responseHeaderLines(r.filters?.responseHeaders)) L.add(3, line);
  proxyLines(L, r);
}

/**
 * One upstream for every Service: the Lua balancer (lua-module.ts) picks
 * the pod per request from the endpoints the controller sent, so endpoint
 * changes never change this text. `server 0.0.0.1` is never used (nginx needs
 * a server line). A second, identical upstream serves backend-protocol HTTPS:
 * the keep-alive cache matches connections by address alone, and would hand
 * a TLS connection to a plain-HTTP request for the same pod. The module is
 * loaded in the master (init_by_lua) so the workers share it; a fresh worker
 * reads the endpoints file if shared memory has none yet.
 */
function balancerLines(runtimeDir: string, mirrors: boolean): string[] {
  const upstream = (name: string, tls: boolean, key?: string) => [
    `upstream ${name} {`,
    '  server 0.0.0.1;',
    `  balancer_by_lua_block { ${LUA_MODULE_NAME}.balance(${tls}${key ? `, ${key}` : ''}) }`,
    `  keepalive ${UPSTREAM_KEEPALIVE_CONNECTIONS};`,
    `  keepalive_requests ${UPSTREAM_KEEPALIVE_REQUESTS};`,
    `  keepalive_timeout ${UPSTREAM_KEEPALIVE_TIMEOUT};`,
    '}',
  ];
  return [
    `lua_package_path ${quote(`${luaDir(runtimeDir)}/?.lua;;`)};`,
    `lua_shared_dict ${BALANCER_DICT} ${BALANCER_DICT_SIZE};`,
    `init_by_lua_block { ${LUA_MODULE_NAME} = require "${LUA_MODULE_NAME}" }`,
    `init_worker_by_lua_block { ${LUA_MODULE_NAME}.init_worker() }`,
    ...upstream(BALANCER_UPSTREAM, false),
    ...upstream(`${BALANCER_UPSTREAM}_tls`, true),
    // RequestMirror's copies (only when some route mirrors): the Service port in the copy's own ngx.ctx
    ...(mirrors ? upstream(MIRROR_UPSTREAM, false, `ngx.ctx.${MIRROR_CTX_KEY}`) : []),
  ];
}

const MIRROR_UPSTREAM = `${BALANCER_UPSTREAM}_mirror`;
const MIRROR_CTX_KEY = 'podnet_mirror';

/**
 * Where the balancer sends a request for a Service port without a ready pod:
 * the controller's 503 page, from NGINX itself, over a Unix socket no network
 * reaches (once in TLS, for backend-protocol HTTPS). Not logged here: the
 * client's request has its own line, with this socket as its upstream.
 */
function noEndpointsServerLines(o: RenderOptions): string[] {
  return [
    'server {',
    '  # Service ports without a ready pod: the balancer sends their requests here',
    `  listen unix:${noEndpointsSocket(o.runtimeDir, 'http')};`,
    `  listen unix:${noEndpointsSocket(o.runtimeDir, 'https')} ssl;`,
    `  ssl_certificate ${o.defaultCert.certPath};`,
    `  ssl_certificate_key ${o.defaultCert.keyPath};`,
    '  access_log off;',
    `  ${errorPagesLocation(o.runtimeDir)}`,
    '  location / { return 503; }',
    '}',
  ];
}

/**
 * Keep-alive clients must not lose a request to a reload. On SIGHUP the old
 * workers close their idle keep-alive connections at once, and a request the
 * client sends at that moment is answered with a TCP reset, which clients
 * like wrk or any POST do not retry (docs/ingress.md, "Reloads and keep-alive
 * clients"). So during a reload, from the moment the new workers run until
 * nginx tells the old ones to quit (its master waits 100 ms), the controller
 * sets the drain flag: every response in that window tells its client to
 * close (`Connection: close`), so no busy connection is idle and reused when
 * the old workers close them. A worker of a replaced generation (exiting) says
 * close on every response it still sends. A 101 (WebSocket) keeps its Upgrade.
 */
function drainLines(runtimeDir: string): string[] {
  return [
    `lua_shared_dict ${CONTROL_DICT} 64k;`,
    // a module function: its locals cost less per response than a block's globals (callgrind: 1.7k against 2.5k instructions)
    `header_filter_by_lua_block { ${LUA_MODULE_NAME}.header_filter() }`,
    '',
    'server {',
    '  # control: the controller sets (POST /drain?on=1) and clears (POST /drain?on=0) the drain flag around a reload,',
    '  # and has the endpoints file read into shared memory (POST /endpoints: no reload for endpoint changes)',
    `  listen unix:${controlSocketPath(runtimeDir)};`,
    '  access_log off;',
    `  location = /endpoints { content_by_lua_block { if ngx.req.get_method() ~= "POST" then return ngx.exit(405) end; local v, err = ${LUA_MODULE_NAME}.load_file(); if not v then ngx.status = 500; ngx.say(err); return end; ngx.say(v) } }`,
    `  location = /drain { content_by_lua_block { if ngx.req.get_method() ~= "POST" then return ngx.exit(405) end; ngx.say(${LUA_MODULE_NAME}.set_drain(ngx.var.arg_on == "1")) } }`,
    '  location / { return 404; }',
    '}',
  ];
}

/** The location error_page redirects to, in every server block: the controller's static pages (errorPageFiles). */
function errorPagesLocation(runtimeDir: string): string {
  return `location ^~ ${ERROR_LOCATION_PREFIX} { internal; alias ${errorPageDir(runtimeDir)}/; default_type text/html; }`;
}

/** One error_page per status of the controller's pages, built once: the same lines in every render. */
const ERROR_PAGE_LINES: readonly string[] = Object.keys(ERROR_PAGES).map((code) => `error_page ${code} ${ERROR_LOCATION_PREFIX}${code}.html;`);


