// The five CNI commands of podnet-cni (bridge mode, built-in host-local-like
// IPAM). Each takes the parsed environment and configuration and either
// returns (the result for ADD) or throws a CniError; main.ts does the I/O.
//
// ADD order: address first (a pure file operation), then links; any failure
// after the address is reserved rolls back both, so a failed ADD leaves
// nothing behind (the reference bridge plugin leaks the veth in that case).

import fs from 'node:fs';
import { CNI_ERROR, CNI_PLUGIN_ERROR, CniError, CommandError } from '../errors.js';
import { bridgePorts, deleteLink, deleteLinks, LinkSetupError, plugPod, showLink, showRoutes } from '../net/links.js';
import type { Runner } from '../net/runner.js';
import type { CniEnv } from './env.js';
import { podLabel } from './env.js';
import { capacity, contains, formatIp, parseIp, subnetText } from './ipam-range.js';
import { IpamStore } from './ipam-store.js';
import { HOST_VETH_PATTERN, hostVethName, stableMac, tempPeerName } from './names.js';
import { rangeOf } from './netconf.js';
import type { CniResult, NetConf } from './types.js';

export interface PluginContext {
  runner: Runner;
  env: CniEnv;
  conf: NetConf;
  log: (line: string) => void;
}

/** Index of the sandbox interface in result.interfaces: [bridge, host veth, sandbox] as the bridge plugin reports them. */
const SANDBOX_INTERFACE_INDEX = 2;

function storeOf(conf: NetConf): IpamStore {
  return IpamStore.forNetwork(conf.ipam.dataDir, conf.name);
}

function requireNetns(netns: string): void {
  if (!fs.existsSync(netns)) {
    throw new CniError(CNI_ERROR.containerUnknown, `failed to open netns "${netns}"`, 'no such file or directory');
  }
}

export async function cmdAdd({ runner, env, conf, log }: PluginContext): Promise<CniResult> {
  requireNetns(env.netns);
  const range = rangeOf(conf);
  const store = storeOf(conf);
  const ip = store.allocate(range, env.containerId, env.ifName);
  const gateway = formatIp(range.gateway);
  const hostVeth = hostVethName(env.containerId, env.ifName);
  const hostMac = stableMac('host', env.containerId, env.ifName);
  const peerMac = stableMac('sandbox', env.containerId, env.ifName);
  const address = `${ip}/${range.prefix}`;
  log(`ADD ${podLabel(env)} container=${env.containerId} netns=${env.netns} ${env.ifName}=${address} host=${hostVeth}`);
  let bridgeMac: string;
  try {
    bridgeMac = await plugPod(runner, {
      bridge: conf.bridge,
      bridgeMac: stableMac('bridge', conf.name, conf.bridge, subnetText(range)),
      mtu: conf.mtu,
      ...(conf.isGateway ? { gatewayCidr: `${gateway}/${range.prefix}` } : {}),
      hostVeth,
      hostMac,
      peerTempName: tempPeerName(hostVeth),
      peerMac,
      netnsPath: env.netns,
      hairpin: conf.hairpinMode,
    }, {
      tempName: tempPeerName(hostVeth),
      ifName: env.ifName,
      address,
      routes: conf.ipam.routes.map((r) => ({ dst: r.dst, via: r.gw ?? gateway })),
    }, store.dir);
  } catch (e) {
    const created = !(e instanceof LinkSetupError) || e.hostVethCreated;
    if (created) await deleteLink(runner, hostVeth).catch(() => false);
    store.release(env.containerId, env.ifName);
    log(`ADD ${podLabel(env)} failed, rolled back ${address}${created ? ` and ${hostVeth}` : ''}: ${(e as Error).message}`);
    if (e instanceof LinkSetupError) throw new CniError(CNI_PLUGIN_ERROR.linkSetupFailed, e.step, e.detail);
    throw e;
  }
  log('links done');
  return {
    interfaces: [
      { name: conf.bridge, mac: bridgeMac },
      { name: hostVeth, mac: hostMac },
      { name: env.ifName, mac: peerMac, sandbox: env.netns },
    ],
    ips: [{ address, gateway, interface: SANDBOX_INTERFACE_INDEX }],
    routes: conf.ipam.routes,
    dns: conf.dns,
  };
}

/**
 * DEL is idempotent (SPEC.md: "should not return an error if ... already
 * removed"): an unknown container, a vanished netns or a second DEL all
 * succeed. Deleting the host veth takes the sandbox end with it, so the
 * sandbox is never entered.
 */
export async function cmdDel({ runner, env, conf, log }: PluginContext): Promise<void> {
  const hostVeth = hostVethName(env.containerId, env.ifName);
  let existed: boolean;
  try {
    existed = await deleteLink(runner, hostVeth);
  } catch (e) {
    throw new CniError(CNI_PLUGIN_ERROR.linkSetupFailed, `could not delete veth ${hostVeth}`, e instanceof CommandError ? e.stderr.trim() : String(e));
  }
  const released = storeOf(conf).release(env.containerId, env.ifName);
  log(`DEL ${podLabel(env)} container=${env.containerId} ${existed ? `deleted ${hostVeth}` : `${hostVeth} already gone`}, released [${released.join(',')}]`);
}

interface PrevAttachment { address: string; sandbox?: string }

/** The sandbox interface's address from prevResult, as the runtime cached it after ADD. */
function prevAttachment(prev: unknown, ifName: string): PrevAttachment {
  const fail = (why: string) => new CniError(CNI_ERROR.invalidNetworkConfig, `invalid prevResult: ${why}`);
  if (typeof prev !== 'object' || prev === null) throw fail('not an object');
  const p = prev as { interfaces?: { name?: string; sandbox?: string }[]; ips?: { address?: string; interface?: number }[] };
  const interfaces = p.interfaces ?? [];
  const index = interfaces.findIndex((i) => i.name === ifName && i.sandbox);
  if (index < 0) throw fail(`no sandbox interface named ${ifName}`);
  const ip = (p.ips ?? []).find((i) => i.interface === index);
  if (!ip?.address) throw fail(`no address for interface ${ifName}`);
  return { address: ip.address, ...(interfaces[index]!.sandbox ? { sandbox: interfaces[index]!.sandbox } : {}) };
}

/** CHECK: the attachment still looks as ADD left it (SPEC.md, CHECK). */
export async function cmdCheck({ runner, env, conf }: PluginContext): Promise<void> {
  if (conf.prevResult === undefined) throw new CniError(CNI_ERROR.invalidNetworkConfig, 'Required prevResult missing');
  const prev = prevAttachment(conf.prevResult, env.ifName);
  const fail = (msg: string, details = '') => new CniError(CNI_PLUGIN_ERROR.checkFailed, msg, details);
  requireNetns(env.netns);
  const range = rangeOf(conf);
  const gateway = formatIp(range.gateway);
  const [ip] = prev.address.split('/');

  const held = storeOf(conf).find(env.containerId, env.ifName);
  if (!held) throw fail(`no IPAM allocation for container ${env.containerId} interface ${env.ifName}`);
  if (held.ip !== ip) throw fail(`IPAM holds ${held.ip} for container ${env.containerId}, prevResult says ${prev.address}`);

  const hostVeth = hostVethName(env.containerId, env.ifName);
  const host = await showLink(runner, hostVeth);
  if (!host) throw fail(`host veth ${hostVeth} not found`);
  if (host.master !== conf.bridge) throw fail(`host veth ${hostVeth} is not attached to bridge ${conf.bridge}`, `master is ${host.master ?? 'none'}`);
  if (conf.hairpinMode && host.linkinfo?.info_slave_data?.hairpin !== true) throw fail(`hairpin mode is off on ${hostVeth}`);

  const sandbox = await showLink(runner, env.ifName, env.netns);
  if (!sandbox) throw fail(`interface ${env.ifName} not found in ${env.netns}`);
  if (!sandbox.flags?.includes('UP')) throw fail(`interface ${env.ifName} in ${env.netns} is down`);
  if (sandbox.mtu !== conf.mtu) throw fail(`interface ${env.ifName} has mtu ${sandbox.mtu}, config says ${conf.mtu}`);
  const has = (sandbox.addr_info ?? []).some((a) => a.family === 'inet' && `${a.local}/${a.prefixlen}` === prev.address);
  if (!has) throw fail(`interface ${env.ifName} in ${env.netns} lacks address ${prev.address}`);

  const routes = await showRoutes(runner, env.netns, env.ifName);
  for (const want of conf.ipam.routes) {
    const dst = want.dst === '0.0.0.0/0' ? 'default' : want.dst;
    const via = want.gw ?? gateway;
    if (!routes.some((r) => r.dst === dst && r.gateway === via)) throw fail(`route ${want.dst} via ${via} missing on ${env.ifName} in ${env.netns}`);
  }
}

/** STATUS (1.1.0): ready when the store is writable and an address is free; else code 50. */
export async function cmdStatus({ conf }: PluginContext): Promise<void> {
  const range = rangeOf(conf);
  const store = storeOf(conf);
  try {
    fs.mkdirSync(store.dir, { recursive: true });
    fs.accessSync(store.dir, fs.constants.W_OK);
  } catch (e) {
    throw new CniError(CNI_ERROR.pluginNotAvailable, `IPAM store ${store.dir} is not writable`, (e as Error).message);
  }
  const used = store.list().filter((a) => {
    const n = parseIp(a.ip);
    return n !== undefined && contains(range, n) && n !== range.gateway;
  }).length;
  if (used >= capacity(range)) {
    throw new CniError(CNI_ERROR.pluginNotAvailable, `no IP addresses available in range set: ${formatIp(range.start)}-${formatIp(range.end)}`,
      `all ${capacity(range)} addresses are allocated`);
  }
}

/**
 * GC (1.1.0): release every allocation not listed in
 * `cni.dev/valid-attachments`, and delete our leftover host veths: those of
 * released allocations and any `vethXXXXXXXX` port of the bridge that belongs
 * to no valid attachment.
 */
export async function cmdGc({ runner, conf, log }: PluginContext): Promise<void> {
  if (!conf.validAttachments) throw new CniError(CNI_ERROR.invalidNetworkConfig, 'cni.dev/valid-attachments is required for GC');
  const valid = new Set(conf.validAttachments.map((a) => `${a.containerID}\0${a.ifname}`));
  const released = storeOf(conf).releaseUnless((a) => valid.has(`${a.containerId}\0${a.ifName}`));
  const validVeths = new Set(conf.validAttachments.map((a) => hostVethName(a.containerID, a.ifname)));
  const orphans = new Set(released.map((a) => hostVethName(a.containerId, a.ifName)));
  for (const port of await bridgePorts(runner, conf.bridge)) {
    if (HOST_VETH_PATTERN.test(port) && !validVeths.has(port)) orphans.add(port);
  }
  await deleteLinks(runner, [...orphans]);
  log(`GC released [${released.map((a) => `${a.ip}:${a.containerId}/${a.ifName}`).join(', ')}], deleted links [${[...orphans].join(', ')}]`);
}
