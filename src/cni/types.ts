// The shapes podnet-cni reads and writes (CNI spec 1.1.0, "Network
// configuration format" and "Success" result; host-local's IPAM fields).

export interface CniDns {
  nameservers?: string[];
  domain?: string;
  search?: string[];
  options?: string[];
}

export interface CniRoute { dst: string; gw?: string }

export interface CniInterface { name: string; mac: string; sandbox?: string }

export interface CniIpConfig {
  /** CIDR form, e.g. 10.244.0.5/24 */
  address: string;
  gateway?: string;
  /** index into interfaces */
  interface: number;
}

export interface CniResult {
  interfaces: CniInterface[];
  ips: CniIpConfig[];
  routes: CniRoute[];
  dns: CniDns;
}

/** One address range (host-local's `range`): all IPv4, as dotted quads. */
export interface IpamRangeConfig {
  subnet: string;
  rangeStart?: string;
  rangeEnd?: string;
  gateway?: string;
}

export interface IpamConfig {
  type: string;
  range: IpamRangeConfig;
  /** allocations live in <dataDir>/<network name>, as with host-local */
  dataDir: string;
  routes: CniRoute[];
}

export interface Attachment { containerID: string; ifname: string }

/** A parsed, defaulted and validated network configuration. */
export interface NetConf {
  cniVersion: string;
  name: string;
  type: string;
  bridge: string;
  isGateway: boolean;
  mtu: number;
  hairpinMode: boolean;
  ipam: IpamConfig;
  dns: CniDns;
  /** CHECK input; DEL ignores it (everything it needs follows from container id and ifname) */
  prevResult?: unknown;
  /** GC input (`cni.dev/valid-attachments`) */
  validAttachments?: Attachment[];
}
