// The endpoints NGINX proxies to, changed without a reload (as ingress-nginx's
// balancer.lua does). nginx.conf names one upstream, `podnet_balancer`, whose
// `balancer_by_lua_block` picks a pod IP per request from a table the
// controller sends; every proxy location only says which Service port it
// wants ($podnet_backend). So a rolling update, a scale or a pod turning ready
// changes this table and never the rendered conf: no reload, no draining
// worker generation.
//
// The path of an update: the controller writes the table to ENDPOINTS_FILE
// (renderBalancerEndpoints, atomic rename), then POSTs /endpoints on the
// control socket; the worker that answers reads the file into shared memory
// (BALANCER_DICT, kept across reloads) with a new version number; every worker
// sees the new version at its next request and parses the text once. A fresh
// master's workers read the file themselves (init_worker), so NGINX starts
// with the endpoints the conf was rendered with.

import path from 'node:path';
import type { Backend } from './backends.js';
import type { RouteTable } from './route-table.js';

/** shared memory for the endpoints text; 4 MiB holds ~100,000 endpoints */
export const BALANCER_DICT = 'podnet_endpoints';
export const BALANCER_DICT_SIZE = '4m';
export const BALANCER_UPSTREAM = 'podnet_balancer';
export const LUA_MODULE_NAME = 'podnet_balancer';
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
export function renderBalancerEndpoints(table: RouteTable): string {
  return table.backends.map(endpointsLine).join('');
}

function endpointsLine(b: Backend): string {
  const cluster = b.clusterIP ? `${b.clusterIP},${b.servicePort}` : '-';
  return `${b.key} ${cluster}${b.endpoints.map((e) => ` ${e.ip},${e.port}`).join('')}\n`;
}

/**
 * The Lua module. Per request: route() in the access phase (503 when the
 * Service port has no ready endpoint, as ingress-nginx answers), balance()
 * each time NGINX needs a peer: round robin over the pods, skipping the ones
 * this request tried and the ones that failed within PEER_FAIL_TIMEOUT_S;
 * after the pods, the Service's ClusterIP once (kube-proxy's rules know the
 * live pods even when this table is a moment stale). Retries stay bounded by
 * proxy_next_upstream_tries.
 */
export function balancerLua(runtimeDir: string): string {
  return `-- Rendered by the podnet ingress controller (src/ingress/lua-balancer.ts).
local balancer = require "ngx.balancer"
local dict = ngx.shared.${BALANCER_DICT}
local FILE = ${luaString(endpointsFile(runtimeDir))}
local FAIL_TIMEOUT = ${PEER_FAIL_TIMEOUT_S}

local M = {}
local version = nil
local backends = {}
local failed = {}

local function peer(token)
  local host, port = token:match("^(.+),(%d+)$")
  if host then return { host, tonumber(port), token } end
end

local function parse(text)
  local t = {}
  for line in text:gmatch("[^\\n]+") do
    local key, cluster, rest = line:match("^(%S+) (%S+)(.*)$")
    if key then
      local b = { peers = {}, next = 1 }
      if cluster ~= "-" then b.cluster = peer(cluster) end
      for token in rest:gmatch("%S+") do b.peers[#b.peers + 1] = peer(token) end
      t[key] = b
    end
  end
  return t
end

-- Read the controller's file into shared memory under a new version.
function M.load_file()
  local f, err = io.open(FILE, "rb")
  if not f then return nil, err end
  local text = f:read("*a")
  f:close()
  local ok, serr = dict:set("data", text)
  if not ok then return nil, "storing the endpoints: " .. serr end
  local v = dict:incr("version", 1, 0)
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
    backends = parse(dict:get("data") or "")
    version = v
    local now = ngx.now()
    for id, at in pairs(failed) do
      if now - at >= FAIL_TIMEOUT then failed[id] = nil end
    end
  end
end

function M.route()
  sync()
  local b = backends[ngx.var.podnet_backend]
  if not b or #b.peers == 0 then return ngx.exit(503) end
  ngx.ctx.podnet = { b = b, tried = {} }
end

function M.balance()
  local ctx = ngx.ctx.podnet
  local b = ctx.b
  local now = ngx.now()
  if balancer.get_last_failure() then
    failed[ctx.peer[3]] = now
  else
    local n = #b.peers + (b.cluster and 1 or 0)
    if n > 1 then balancer.set_more_tries(n - 1) end
  end
  local count = #b.peers
  local chosen
  for i = 0, count - 1 do
    local idx = (b.next + i - 1) % count + 1
    local p = b.peers[idx]
    local at = failed[p[3]]
    if not ctx.tried[p] and not (at and now - at < FAIL_TIMEOUT) then
      chosen = p
      b.next = idx % count + 1
      break
    end
  end
  if not chosen and b.cluster and not ctx.tried[b.cluster] then chosen = b.cluster end
  if not chosen then
    -- every pod failed lately: try one this request has not, as nginx does when all are down
    for i = 1, count do
      if not ctx.tried[b.peers[i]] then chosen = b.peers[i] break end
    end
  end
  chosen = chosen or b.peers[1]
  ctx.tried[chosen] = true
  ctx.peer = chosen
  local ok, err = balancer.set_current_peer(chosen[1], chosen[2])
  if not ok then
    ngx.log(ngx.ERR, "podnet: cannot use peer ", chosen[3], ": ", err)
    return ngx.exit(502)
  end
end

return M
`;
}

/** A Lua long-bracket-free string literal for a file path. */
function luaString(s: string): string {
  return `"${s.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`;
}
