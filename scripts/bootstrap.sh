#!/usr/bin/env bash
# Installs what podnet needs on a fresh Debian machine and builds it.
# Fast when everything is already there: each step checks before it acts.
set -euo pipefail
cd "$(dirname "$0")/.."

if [ "$(id -u)" -ne 0 ]; then
  echo "podnet needs root (network namespaces, nftables): run as root" >&2
  exit 1
fi

# command -> Debian package that provides it
declare -A NEEDED=(
  [ip]=iproute2 [nft]=nftables [nginx]=nginx-light [conntrack]=conntrack
  [curl]=curl [dig]=dnsutils [nc]=netcat-openbsd [iperf3]=iperf3 [wrk]=wrk
  [dnsperf]=dnsperf [nsd]=nsd [openssl]=openssl [unshare]=util-linux
  [pgrep]=procps [ping]=iputils-ping [g++]=g++ [make]=make [python3]=python3 [tcpdump]=tcpdump
)
missing=()
for cmd in "${!NEEDED[@]}"; do
  command -v "$cmd" >/dev/null 2>&1 || missing+=("${NEEDED[$cmd]}")
done
[ -x /usr/lib/cni/bridge ] || missing+=(containernetworking-plugins)
# The ingress controller's NGINX loads it to drain keep-alive clients before a reload.
[ -f /usr/lib/nginx/modules/ngx_http_lua_module.so ] || missing+=(libnginx-mod-http-lua)
if [ ${#missing[@]} -gt 0 ]; then
  echo "podnet: installing system packages: ${missing[*]}" >&2
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi
# Debian's nginx and nsd packages may start system-wide daemons where an init
# system runs; podnet starts its own instances inside its namespaces only.

stamp=node_modules/.podnet-install-stamp
if [ ! -f "$stamp" ] || [ package.json -nt "$stamp" ] || [ package-lock.json -nt "$stamp" ]; then
  echo "podnet: installing npm dependencies" >&2
  # better-sqlite3's native module is compiled here (g++, make, python3 above):
  # without the flag its prebuild-install first fetches a binary from GitHub.
  npm_config_build_from_source=true npm ci --no-audit --no-fund --loglevel=error >/dev/null
  touch "$stamp"
fi

if [ ! -f dist/.build-stamp ] || [ -n "$(find src test bench tsconfig.json -newer dist/.build-stamp -name '*.ts' -o -newer dist/.build-stamp -name 'tsconfig.json' | head -1)" ]; then
  echo "podnet: building" >&2
  npx tsc -p tsconfig.json
  chmod +x dist/src/cli/main.js dist/src/cni/main.js 2>/dev/null || true
  touch dist/.build-stamp
fi
