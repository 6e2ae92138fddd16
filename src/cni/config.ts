// The network configuration a node agent hands to podnet-cni for its node:
// computed by a pure function, written with write-to-temp-and-rename so a
// reader never sees half a file (as kindnet writes its CNI config).

import fs from 'node:fs';
import path from 'node:path';

export const CNI_VERSION = '1.1.0';
export const CNI_CONFIG_FILE = '10-podnet.conf';
export const DEFAULT_POD_MTU = 1500;

export interface NodeNetworkOptions {
  cluster: string;
  node: string;
  /** the node's pod CIDR, e.g. 10.244.0.0/24; its .1 is the gateway on cni0 */
  podCIDR: string;
  /** per-cluster IPAM directory; allocations go to <dataDir>/<network name> */
  dataDir: string;
  mtu?: number;
  bridge?: string;
  dns?: { nameservers?: string[]; search?: string[]; options?: string[]; domain?: string };
}

/** The network name: unique per cluster and node, so IPAM directories never mix. */
export function nodeNetworkName(cluster: string, node: string): string {
  return `pn-${cluster}-${node}`;
}

export function nodeNetworkConfig(o: NodeNetworkOptions): Record<string, unknown> {
  return {
    cniVersion: CNI_VERSION,
    name: nodeNetworkName(o.cluster, o.node),
    type: 'podnet-cni',
    bridge: o.bridge ?? 'cni0',
    isGateway: true,
    mtu: o.mtu ?? DEFAULT_POD_MTU,
    hairpinMode: true,
    ipam: {
      type: 'host-local',
      subnet: o.podCIDR,
      dataDir: o.dataDir,
      routes: [{ dst: '0.0.0.0/0' }],
    },
    ...(o.dns ? { dns: o.dns } : {}),
  };
}

/** Writes `config` to <dir>/10-podnet.conf atomically; returns the path. Unchanged content is not rewritten. */
export function writeNetworkConfig(dir: string, config: Record<string, unknown>): string {
  fs.mkdirSync(dir, { recursive: true });
  const file = path.join(dir, CNI_CONFIG_FILE);
  const text = JSON.stringify(config, null, 2) + '\n';
  try {
    if (fs.readFileSync(file, 'utf8') === text) return file;
  } catch { /* not there yet */ }
  const tmp = `${file}.${process.pid}.tmp`;
  fs.writeFileSync(tmp, text);
  fs.renameSync(tmp, file);
  return file;
}

export function readNetworkConfig(dir: string): Record<string, unknown> {
  return JSON.parse(fs.readFileSync(path.join(dir, CNI_CONFIG_FILE), 'utf8')) as Record<string, unknown>;
}
