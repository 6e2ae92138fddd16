// The Lua module NGINX loads (libnginx-mod-http-lua): the balancer, which
// takes endpoint changes without a reload (as ingress-nginx's balancer.lua
// does), and the drain before a reload (nginx-conf.ts drainLines).
//
// The balancer. nginx.conf names one upstream, `podnet_balancer` (and its
// twin `podnet_balancer_tls` for backend-protocol HTTPS), whose
// `balancer_by_lua_block` picks a pod IP per request from a table the
// controller sends; every proxy location only says which Service port it
// wants ($podnet_backend). So a rolling update, a scale or a pod turning ready
// changes this table and never the rendered conf: no reload, no draining
// worker generation.
//
// The path of an update: the controller writes the table to a file
// (endpointsFile(), renderBalancerEndpoints, atomic rename), then POSTs /endpoints on the
// control socket; the worker that answers reads the file into shared memory
// (BALANCER_DICT, kept across reloads) with a new version number; every worker
// sees the new version at its next request and parses the text once. A fresh
// master's workers read the file themselves (init_worker), so NGINX starts
// with the endpoints the conf was rendered with.

import path from 'node:path';
import type { Backend } from './backends.js';
import type { RouteTable } from './route-table.js';

/** shared memory for the endpoints text, two versions of it: 4 MiB holds two of ~100,000 endpoints */
export const BALANCER_DICT = 'podnet_endpoints';
export const BALANCER_DICT_SIZE = '4m';
export const BALANCER_UPSTREAM = 'podnet_balancer';
/** the module's name: `require` name, global in the workers, file name */
export const LUA_MODULE_NAME = 'podnet';
/**
 * Shared memory the controller's drain flag lives in. NGINX keeps a zone of
 * the same name and size across reloads, so the generation a reload starts
 * sees the flag the controller set before it.
 */
export const CONTROL_DICT = 'podnet_control';
/** the drain flag expires on its own if the controller dies before clearing it */
export const DRAIN_TTL_S = 10;
/** seconds a pod IP that failed is not chosen again (nginx's fail_timeout, with max_fails=1) */
export const PEER_FAIL_TIMEOUT_S = 5;

export function luaDir(runtimeDir: string): string { return path.join(runtimeDir, 'lua'); }
export function endpointsFile(runtimeDir: string): string { return path.join(runtimeDir, 'endpoints.txt'); }
export function luaModuleFile(runtimeDir: string): string { return path.join(luaDir(runtimeDir), `${LUA_MODULE_NAME}.lua`); }

/**
 * One line per backend: `key clusterIP,port|- ip,port ip,port …` (pods in the
 * route table's order). Keys are DNS-1123 names joined by '_', addresses
 * never contain ',' or spaces (IPv6 included), so the Lua side splits on both.
 */
export function renderBalancerEndpoints(table: Pick<RouteTable, 'backends'>): string {
  return table.backends.map(endpointsLine).join('');
}

function endpointsLine(b: Backend): string {
  const cluster = b.clusterIP ? `${b.clusterIP},${b.servicePort}` : '-';
  return `${b.key} ${cluster}${b.endpoints.map((e) => ` ${e.ip},${e.port}`).join('')}\n`;
}

/**
 * The Lua module. Per proxied request NGINX calls balance() (no access-phase
 * handler: a Lua coroutine per request cost as much again, measured with
 * callgrind): round robin over the Service port's ready pods, skipping pods
 * that failed in the last PEER_FAIL_TIMEOUT_S; on a retry
 * (proxy_next_upstream) every address this request already tried
 * ($upstream_addr) is marked failed and skipped; after the pods comes the
 * Service's ClusterIP, once (kube-proxy's rules know the live pods even when
 * this table is a moment stale). Retries stay bounded by
 * proxy_next_upstream_tries. A Service port without ready pods is sent to
 * the controller's own 503 server (noEndpointsSocket): the balancer phase
 * cannot answer by itself.
 */
export function balancerLua(runtimeDir: string): string {
  return `-- Rendered by the podnet ingress controller (src/ingress/lua-module.ts).
local balancer = require "ngx.balancer"
local dict = ngx.shared.${BALANCER_DICT}
local FILE = ${luaString(endpointsFile(runtimeDir))}
local FAIL_TIMEOUT = ${PEER_FAIL_TIMEOUT_S}
local NO_ENDPOINTS = ${luaString(`unix:${noEndpointsSocket(runtimeDir, 'http')}`)}
local NO_ENDPOINTS_TLS = ${luaString(`unix:${noEndpointsSocket(runtimeDir, 'https')}`)}
local control = ngx.shared.${CONTROL_DICT}
local exiting = ngx.worker.exiting

local M = {}
local version = nil
local backends = {}
-- address ("ip:port", as in $upstream_addr) -> when it last failed, in this worker
local failed = {}

-- { host for set_current_peer (IPv6 in brackets), port, "ip:port" as $upstream_addr writes it }
local function peer(token)
  local host, port = token:match("^(.+),(%d+)$")
  if not host then return nil end
  if host:find(":", 1, true) then host = "[" .. host .. "]" end
  return { host, tonumber(port), host .. ":" .. port }
end

local function parse(text, previous)
  local t = {}
  for line in text:gmatch("[^\\n]+") do
    local key, cluster, rest = line:match("^(%S+) (%S+)(.*)$")
    if key then
      -- the round robin goes on where it was: frequent updates must not pile onto the first pod
      local b = { peers = {}, next = previous[key] and previous[key].next or 1 }
      if cluster ~= "-" then b.cluster = peer(cluster) end
      for token in rest:gmatch("%S+") do b.peers[#b.peers + 1] = peer(token) end
      t[key] = b
    end
  end
  return t
end

-- Read the controller's file into shared memory under a new version. The
-- text is stored under its version's key first, with safe_set (which never
-- evicts): if the zone is full, the current version stays whole. The one
-- before it is kept too, for a worker that read the old version number a
-- moment ago; the one before that goes.
function M.load_file()
  local f, err = io.open(FILE, "rb")
  if not f then return nil, err end
  local text = f:read("*a")
  f:close()
  local v = (dict:get("version") or 0) + 1
  local ok, serr = dict:safe_set("data" .. v, text)
  if not ok then return nil, "storing the endpoints: " .. serr end
  dict:set("version", v)
  dict:delete("data" .. (v - 2))
  return v
end

function M.init_worker()
  if not dict:get("version") then
    local ok, err = M.load_file()
    if not ok then ngx.log(ngx.ERR, "podnet: no endpoints loaded: ", err) end
  end
end

local function sync()
  local v = dict:get("version")
  if v ~= version then
    local text = v and dict:get("data" .. v)
    if v and not text then return end -- not there (yet): keep what this worker has, look again next request
    backends = text and parse(text, backends) or {}
    version = v
    local now = ngx.now()
    for addr, at in pairs(failed) do
      if now - at >= FAIL_TIMEOUT then failed[addr] = nil end
    end
  end
end

-- The next pod in round-robin order that is not in skip and has not failed lately.
local function next_pod(b, skip, now)
  local count = #b.peers
  for i = 0, count - 1 do
    local idx = (b.next + i - 1) % count + 1
    local p = b.peers[idx]
    local at = failed[p[3]]
    if not (skip and skip[p[3]]) and not (at and now - at < FAIL_TIMEOUT) then
      b.next = idx % count + 1
      return p
    end
  end
end

local function use(p)
  local ok, err = balancer.set_current_peer(p[1], p[2])
  if not ok then ngx.log(ngx.ERR, "podnet: cannot use peer ", p[3], ": ", err) end
end

-- the controller's 503 server, in the request's protocol
local function no_endpoints(tls)
  local ok, err = balancer.set_current_peer(tls and NO_ENDPOINTS_TLS or NO_ENDPOINTS)
  if not ok then ngx.log(ngx.ERR, "podnet: ", err) end
end

-- tls: the request goes out in TLS (the upstream of backend-protocol HTTPS)
-- key: the Service port, when not the request's $podnet_backend (a mirror's
-- copy: a subrequest shares its parent's variables, so it names its own in ngx.ctx)
function M.balance(tls, key)
  sync()
  local b = backends[key or ngx.var.podnet_backend]
  local now = ngx.now()
  if not balancer.get_last_failure() then
    if not b or #b.peers == 0 then return no_endpoints(tls) end
    local n = #b.peers + (b.cluster and 1 or 0)
    if n > 1 then balancer.set_more_tries(n - 1) end
    return use(next_pod(b, nil, now) or (b.cluster or b.peers[1]))
  end
  -- A retry: everything this request tried so far failed.
  -- the pods may have gone away between two tries
  if not b or #b.peers == 0 then return no_endpoints(tls) end
  local tried = {}
  -- the current try is listed without an address yet (" : ")
  for addr in ngx.var.upstream_addr:gmatch("[^,%s]+") do
    if addr ~= ":" then
      tried[addr] = true
      failed[addr] = now
    end
  end
  local p = next_pod(b, tried, now)
  if not p and b.cluster and not tried[b.cluster[3]] then p = b.cluster end
  if not p then
    -- every pod failed lately: one this request has not tried, as nginx does when all are down
    for i = 1, #b.peers do
      if not tried[b.peers[i][3]] then p = b.peers[i] break end
    end
  end
  return use(p or b.peers[1])
end

-- The drain (POST /drain on the control socket) and every response's check of it.
function M.set_drain(on)
  if on then control:set("drain", true, ${DRAIN_TTL_S}) else control:delete("drain") end
  return control:get("drain") and "draining" or "not draining"
end

function M.header_filter()
  -- HTTP/1.x only: HTTP/2 forbids the Connection header (a client resets the stream); nginx ends h2 connections itself with GOAWAY
  if ngx.status ~= 101 and ngx.req.http_version() < 2 and (exiting() or control:get("drain")) then ngx.header["Connection"] = "close" end
end

return M
`;
}

/** The controller's own server that answers 503 for a Service port with no ready pod; `https` speaks TLS (backend-protocol HTTPS). */
export function noEndpointsSocket(runtimeDir: string, protocol: 'http' | 'https'): string {
  return path.join(runtimeDir, protocol === 'https' ? 'no-endpoints-tls.sock' : 'no-endpoints.sock');
}

/** A Lua long-bracket-free string literal for a file path. */
function luaString(s: string): string {
  return `"${s.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`;
}

/**
 * The endpoints lines of `next`, plus those of `running` whose Service port
 * `next` lacks (one line per port, keyed by its first word, as renderBalancerEndpoints writes them).
 */
export function mergeEndpoints(running: string, next: string): string {
  const keyOf = (line: string) => line.slice(0, line.indexOf(' '));
  const lines = next.split('\n').filter(Boolean);
  const have = new Set(lines.map(keyOf));
  for (const line of running.split('\n')) if (line && !have.has(keyOf(line))) lines.push(line);
  return lines.map((l) => `${l}\n`).join('');
}
