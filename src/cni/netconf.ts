// Network configuration from stdin (CNI spec 1.1.0, "Section 1: Network
// configuration format"), parsed, defaulted and validated in one pure step.
// Decoding problems are code 6, bad values code 7, fields we refuse to
// implement code 2 (whose message must name the key and value).

import { CNI_ERROR, CniError } from '../errors.js';
import { buildRange, parseCidr, parseIp, type IpRange } from './ipam-range.js';
import type { Attachment, CniDns, CniRoute, IpamConfig, IpamRangeConfig, NetConf } from './types.js';

export const PLUGIN_TYPES = ['podnet-cni', 'podnet'];
/** `host-local` is accepted so configs written for the reference plugins work unchanged; the IPAM is built in either way */
export const IPAM_TYPES = ['host-local', 'podnet-ipam', 'podnet'];
export const DEFAULT_BRIDGE = 'cni0';
export const DEFAULT_MTU = 1500;
/** host-local's default */
export const DEFAULT_DATA_DIR = '/var/lib/cni/networks';
/** pods get a default route via the gateway unless the config lists routes (an empty list means none) */
export const DEFAULT_ROUTES: CniRoute[] = [{ dst: '0.0.0.0/0' }];
/** libcni sets both keys: the spec first named it `cni.dev/attachments` (containernetworking/cni#1101) */
const VALID_ATTACHMENT_KEYS = ['cni.dev/valid-attachments', 'cni.dev/attachments'];

const NETWORK_NAME = /^[a-zA-Z0-9][a-zA-Z0-9_.-]*$/;
const LINK_NAME = /^[^\s/:]{1,15}$/;
const MIN_MTU = 68;
const MAX_MTU = 65535;

type Json = Record<string, unknown>;

function invalid(msg: string, details = ''): CniError {
  return new CniError(CNI_ERROR.invalidNetworkConfig, msg, details);
}

function isObject(v: unknown): v is Json {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** JSON text → object; code 6 when it is not a JSON object. */
export function decodeConfig(text: string): Json {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (e) {
    throw new CniError(CNI_ERROR.decodeFailure, `error unmarshalling network config: ${(e as Error).message}`);
  }
  if (!isObject(parsed)) throw new CniError(CNI_ERROR.decodeFailure, 'error unmarshalling network config: not a JSON object');
  return parsed;
}

function optString(o: Json, key: string, where: string): string | undefined {
  const v = o[key];
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'string') throw invalid(`${where}${key} must be a string, got ${JSON.stringify(v)}`);
  return v;
}

function optBool(o: Json, key: string, fallback: boolean): boolean {
  const v = o[key];
  if (v === undefined || v === null) return fallback;
  if (typeof v !== 'boolean') throw invalid(`${key} must be a boolean, got ${JSON.stringify(v)}`);
  return v;
}

function stringList(v: unknown, where: string): string[] | undefined {
  if (v === undefined || v === null) return undefined;
  if (!Array.isArray(v) || v.some((s) => typeof s !== 'string')) throw invalid(`${where} must be a list of strings`);
  return v as string[];
}

function parseDns(v: unknown): CniDns {
  if (v === undefined || v === null) return {};
  if (!isObject(v)) throw invalid('dns must be an object');
  const dns: CniDns = {};
  const nameservers = stringList(v.nameservers, 'dns.nameservers');
  if (nameservers) dns.nameservers = nameservers;
  const domain = optString(v, 'domain', 'dns.');
  if (domain !== undefined) dns.domain = domain;
  const search = stringList(v.search, 'dns.search');
  if (search) dns.search = search;
  const options = stringList(v.options, 'dns.options');
  if (options) dns.options = options;
  return dns;
}

function parseRoutes(v: unknown): CniRoute[] {
  if (v === undefined || v === null) return DEFAULT_ROUTES.map((r) => ({ ...r }));
  if (!Array.isArray(v)) throw invalid('ipam.routes must be a list');
  return v.map((r, i) => {
    if (!isObject(r)) throw invalid(`ipam.routes[${i}] must be an object`);
    const dst = optString(r, 'dst', `ipam.routes[${i}].`);
    if (!dst || !parseCidr(dst)) throw invalid(`ipam.routes[${i}].dst must be an IPv4 CIDR, got ${JSON.stringify(r.dst)}`);
    const gw = optString(r, 'gw', `ipam.routes[${i}].`);
    if (gw !== undefined && parseIp(gw) === undefined) throw invalid(`ipam.routes[${i}].gw must be an IPv4 address, got "${gw}"`);
    return gw !== undefined ? { dst, gw } : { dst };
  });
}

/** `subnet`/`rangeStart`/`rangeEnd`/`gateway` at the top, or host-local's `ranges: [[{...}]]` with one range. */
function parseRangeConfig(ipam: Json): IpamRangeConfig {
  let source: Json = ipam;
  if (ipam.ranges !== undefined) {
    const sets = ipam.ranges;
    if (!Array.isArray(sets) || sets.length !== 1 || !Array.isArray(sets[0]) || sets[0].length !== 1 || !isObject(sets[0][0])) {
      throw invalid('ipam.ranges must hold exactly one range set with one range', 'podnet-cni allocates from a single IPv4 range');
    }
    source = sets[0][0] as Json;
  }
  const subnet = optString(source, 'subnet', 'ipam.');
  if (!subnet) throw invalid('ipam.subnet is required');
  const out: IpamRangeConfig = { subnet };
  for (const key of ['rangeStart', 'rangeEnd', 'gateway'] as const) {
    const v = optString(source, key, 'ipam.');
    if (v !== undefined) out[key] = v;
  }
  return out;
}

function parseIpam(v: unknown): IpamConfig {
  if (!isObject(v)) throw invalid('ipam is required', 'podnet-cni has a built-in host-local IPAM: {"type": "host-local", "subnet": "10.244.0.0/24"}');
  const type = optString(v, 'type', 'ipam.') ?? '';
  if (!IPAM_TYPES.includes(type)) throw invalid(`unsupported ipam type "${type}"`, `podnet-cni has a built-in IPAM; use one of ${IPAM_TYPES.join(', ')}`);
  const range = parseRangeConfig(v);
  buildRange(range); // validates now, so every command rejects a bad range the same way
  const dataDir = optString(v, 'dataDir', 'ipam.') ?? DEFAULT_DATA_DIR;
  if (!dataDir.startsWith('/')) throw invalid(`ipam.dataDir must be an absolute path, got "${dataDir}"`);
  return { type, range, dataDir, routes: parseRoutes(v.routes) };
}

function parseAttachments(conf: Json): Attachment[] | undefined {
  const key = VALID_ATTACHMENT_KEYS.find((k) => conf[k] !== undefined);
  if (!key) return undefined;
  const list = conf[key];
  if (!Array.isArray(list)) throw invalid(`${key} must be a list`);
  return list.map((a, i) => {
    if (!isObject(a) || typeof a.containerID !== 'string' || typeof a.ifname !== 'string') {
      throw invalid(`${key}[${i}] must be {"containerID": string, "ifname": string}`);
    }
    return { containerID: a.containerID, ifname: a.ifname };
  });
}

/** The version the configuration asks for; "" when absent (the caller turns that into code 1). */
export function configVersion(conf: Json): string {
  return typeof conf.cniVersion === 'string' ? conf.cniVersion : '';
}

/** Validates and defaults a decoded configuration (the version is checked by the caller). */
export function parseNetConf(conf: Json): NetConf {
  const name = optString(conf, 'name', '');
  if (!name) throw invalid('name is required');
  if (!NETWORK_NAME.test(name)) throw invalid(`invalid network name "${name}"`, 'must start with a letter or digit, then letters, digits, "_", "." or "-"');
  const type = optString(conf, 'type', '') ?? '';
  if (!PLUGIN_TYPES.includes(type)) throw invalid(`unexpected plugin type "${type}"`, `this is ${PLUGIN_TYPES.join(' / ')}`);
  if (conf.ipMasq === true) {
    throw new CniError(CNI_ERROR.unsupportedField, 'unsupported field ipMasq: true', 'the node agent masquerades pod egress itself (DESIGN.md); leave ipMasq unset');
  }
  const bridge = optString(conf, 'bridge', '') ?? DEFAULT_BRIDGE;
  if (!LINK_NAME.test(bridge)) throw invalid(`invalid bridge name "${bridge}"`, 'an interface name is 1-15 characters without "/", ":" or spaces');
  const mtu = conf.mtu ?? DEFAULT_MTU;
  if (typeof mtu !== 'number' || !Number.isInteger(mtu) || mtu < MIN_MTU || mtu > MAX_MTU) {
    throw invalid(`invalid mtu ${JSON.stringify(conf.mtu)}`, `want an integer between ${MIN_MTU} and ${MAX_MTU}`);
  }
  const out: NetConf = {
    cniVersion: configVersion(conf),
    name,
    type,
    bridge,
    isGateway: optBool(conf, 'isGateway', true),
    mtu,
    hairpinMode: optBool(conf, 'hairpinMode', true),
    ipam: parseIpam(conf.ipam),
    dns: parseDns(conf.dns),
  };
  if (conf.prevResult !== undefined) out.prevResult = conf.prevResult;
  const attachments = parseAttachments(conf);
  if (attachments) out.validAttachments = attachments;
  return out;
}

export function rangeOf(conf: NetConf): IpRange {
  return buildRange(conf.ipam.range);
}
