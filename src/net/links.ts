// Bridge, veth and sandbox-interface plumbing for podnet-cni, as ip(8) batch
// scripts: the node side and the sandbox side of an ADD run from a single
// `ip -batch` process. The line builders are pure; the functions below them
// run the scripts through the Runner.
//
// Unlike the helpers in netns.ts, the node side here runs in the *current*
// network namespace: a CNI plugin is executed by the runtime inside the node's
// namespace (CNI spec: the plugin creates host-side links where it runs).

import fs from 'node:fs';
import path from 'node:path';
import { CommandError } from '../errors.js';
import type { Runner } from './runner.js';

export interface BridgeAttachPlan {
  bridge: string;
  /** used only when the bridge is created; an existing bridge keeps its own */
  bridgeMac: string;
  mtu: number;
  /** gateway address in CIDR form given to the bridge, or undefined (isGateway false) */
  gatewayCidr?: string;
  hostVeth: string;
  hostMac: string;
  /** the sandbox end is created under this unique name and renamed by the sandbox script */
  peerTempName: string;
  peerMac: string;
  /** path of the sandbox's network namespace; ip(8) accepts a path for `netns` */
  netnsPath: string;
  hairpin: boolean;
}

export interface SandboxPlan {
  /** name the peer arrives with (BridgeAttachPlan.peerTempName) */
  tempName: string;
  ifName: string;
  /** CIDR form, e.g. 10.244.0.5/24 */
  address: string;
  routes: { dst: string; via?: string }[];
}

/** The first line creates the bridge and fails with "File exists" when it is already there; that failure is expected. */
export const BRIDGE_CREATE_LINE = 1;
/** The line that creates the veth pair; when it fails, the name belongs to someone else and must not be deleted. */
export const VETH_CREATE_LINE = 4;

/**
 * Node-side script. The peer is created directly inside the sandbox namespace
 * (rtnetlink's IFLA_NET_NS_FD on the peer) under a temporary name that only
 * this attachment uses; the sandbox script renames it to CNI_IFNAME. If an
 * interface of that name already exists there, the rename fails and the
 * script stops before it could touch someone else's interface.
 */
export interface BatchLine { cmd: string; what: string }

export function bridgeAttachLines(p: BridgeAttachPlan): BatchLine[] {
  return [
    { cmd: `link add ${p.bridge} address ${p.bridgeMac} mtu ${p.mtu} type bridge`, what: `create bridge ${p.bridge}` },
    p.gatewayCidr
      ? { cmd: `addr replace ${p.gatewayCidr} broadcast + dev ${p.bridge}`, what: `give bridge ${p.bridge} the gateway address ${p.gatewayCidr}` }
      : { cmd: `link show dev ${p.bridge}`, what: `find bridge ${p.bridge}` },
    { cmd: `link set dev ${p.bridge} up`, what: `set bridge ${p.bridge} up` },
    {
      cmd: `link add ${p.hostVeth} address ${p.hostMac} mtu ${p.mtu} type veth peer name ${p.peerTempName} address ${p.peerMac} mtu ${p.mtu} netns ${p.netnsPath}`,
      what: `create veth ${p.hostVeth} with its peer in netns ${p.netnsPath}`,
    },
    { cmd: `link set dev ${p.hostVeth} master ${p.bridge}`, what: `attach veth ${p.hostVeth} to bridge ${p.bridge}` },
    // hairpin: a pod reaching itself through a Service comes back out of the port it entered by
    { cmd: `link set dev ${p.hostVeth} type bridge_slave hairpin ${p.hairpin ? 'on' : 'off'}`, what: `set hairpin mode on veth ${p.hostVeth}` },
    { cmd: `link set dev ${p.hostVeth} up`, what: `set veth ${p.hostVeth} up` },
    { cmd: `link show dev ${p.bridge}`, what: `read bridge ${p.bridge}` },
  ];
}

export function sandboxLines(p: SandboxPlan): BatchLine[] {
  return [
    { cmd: `link set dev ${p.tempName} name ${p.ifName}`, what: `name the sandbox interface ${p.ifName}` },
    { cmd: 'link set dev lo up', what: 'set lo up' },
    { cmd: `addr add ${p.address} broadcast + dev ${p.ifName}`, what: `add address ${p.address} to ${p.ifName}` },
    { cmd: `link set dev ${p.ifName} up`, what: `set ${p.ifName} up` },
    ...p.routes.map((r) => ({
      // append, not add: a default route another attachment already set is not an error (SPEC.md, "Notes" on routes)
      cmd: `route append ${r.dst}${r.via ? ` via ${r.via}` : ''} dev ${p.ifName}`,
      what: `add route ${r.dst}${r.via ? ` via ${r.via}` : ''} on ${p.ifName}`,
    })),
  ];
}

function script(lines: BatchLine[]): string {
  return lines.map((l) => l.cmd + '\n').join('');
}

export interface BatchFailure {
  /** "-" for the script on stdin, else the script file's path */
  source: string;
  line: number;
  message: string;
}

/** ip -batch reports each failed line as "<message>\nCommand failed <file>:<line>" (file "-" for stdin). */
export function parseBatchFailures(stderr: string): BatchFailure[] {
  const out: BatchFailure[] = [];
  let pending: string[] = [];
  for (const raw of stderr.split('\n')) {
    const m = /^Command failed (.+):(\d+)$/.exec(raw.trim());
    if (m) {
      out.push({ source: m[1]!, line: Number(m[2]), message: pending.join('; ') });
      pending = [];
    } else if (raw.trim()) {
      pending.push(raw.trim());
    }
  }
  return out;
}

/** `link/ether xx:..` from one-line `ip -o link show` output. */
export function parseLinkMac(stdout: string): string | undefined {
  return /link\/ether ([0-9a-f:]{17})/.exec(stdout)?.[1];
}

/** /run/netns/NAME (or /var/run/netns/NAME) can use `ip -n NAME`; other paths need nsenter. */
export function netnsName(netnsPath: string): string | undefined {
  return /^(?:\/var)?\/run\/netns\/([^/]+)$/.exec(netnsPath)?.[1];
}

export class LinkSetupError extends Error {
  constructor(readonly step: string, readonly detail: string, readonly hostVethCreated: boolean) {
    super(`${step}: ${detail}`);
  }
}

/**
 * Creates the bridge if needed, plugs a new veth pair into it and configures
 * the sandbox end; returns the bridge's MAC. When the sandbox is a named
 * namespace, the sandbox script runs from the node-side batch (`netns exec
 * NAME ip -batch FILE`, FILE written to `scratchDir`), so the whole ADD costs
 * one process spawn from the plugin; otherwise it takes a second one (nsenter).
 */
export async function plugPod(runner: Runner, p: BridgeAttachPlan, sandbox: SandboxPlan, scratchDir: string): Promise<string> {
  const lines = bridgeAttachLines(p);
  const inner = sandboxLines(sandbox);
  const name = netnsName(p.netnsPath);
  const scriptPath = name ? path.join(scratchDir, `.sandbox-${p.hostVeth}-${process.pid}.batch`) : undefined;
  if (scriptPath) {
    fs.writeFileSync(scriptPath, script(inner));
    lines.push({ cmd: `netns exec ${name} ip -batch ${scriptPath}`, what: `configure ${sandbox.ifName} in netns ${p.netnsPath}` });
  }
  let res;
  try {
    res = await runner.run(['ip', '-o', '-force', '-batch', '-'], { input: script(lines), allowFailure: true });
  } finally {
    if (scriptPath) fs.rmSync(scriptPath, { force: true });
  }
  const all = parseBatchFailures(res.stderr);
  const vethCreated = !all.some((f) => f.source === '-' && f.line === VETH_CREATE_LINE);
  const innerFailure = all.find((f) => f.source === scriptPath);
  if (innerFailure) throw new LinkSetupError(`could not ${inner[innerFailure.line - 1]?.what ?? 'configure the sandbox'} in netns ${p.netnsPath}`, innerFailure.message, vethCreated);
  const failures = all.filter((f) => f.source === '-' && !(f.line === BRIDGE_CREATE_LINE && /File exists/.test(f.message)));
  if (failures.length > 0) {
    const first = failures[0]!;
    throw new LinkSetupError(`could not ${lines[first.line - 1]?.what ?? 'set up links'}`, first.message || res.stderr.trim(), vethCreated);
  }
  // with -force the exit status is non-zero after any failed line, the expected one included
  if (res.code !== 0 && all.length === 0) throw new LinkSetupError('could not run ip -batch', res.stderr.trim() || `exit ${res.code}`, true);
  const mac = parseLinkMac(res.stdout);
  if (!mac) throw new LinkSetupError(`could not read the MAC of bridge ${p.bridge}`, res.stdout.trim(), true);
  if (!scriptPath) await configureSandbox(runner, p.netnsPath, sandbox);
  return mac;
}

/** Runs the sandbox script in a namespace given by path (second process: nsenter). */
async function configureSandbox(runner: Runner, netnsPath: string, p: SandboxPlan): Promise<void> {
  const lines = sandboxLines(p);
  try {
    await runInNetns(runner, netnsPath, ['-batch', '-'], script(lines));
  } catch (e) {
    const stderr = e instanceof CommandError ? e.stderr : String(e);
    const failed = parseBatchFailures(stderr)[0];
    const step = (failed && lines[failed.line - 1]?.what) || `configure ${p.ifName}`;
    throw new LinkSetupError(`could not ${step} in netns ${netnsPath}`, failed?.message || stderr.trim(), true);
  }
}

/** Deletes a link in the current namespace (its veth peer goes with it); false when it was not there. */
export async function deleteLink(runner: Runner, name: string): Promise<boolean> {
  const res = await runner.run(['ip', 'link', 'del', 'dev', name], { allowFailure: true });
  if (res.code === 0) return true;
  if (/Cannot find device|does not exist/.test(res.stderr)) return false;
  throw new CommandError(['ip', 'link', 'del', 'dev', name], res.code, res.stderr);
}

/** Deletes several links in one ip process, ignoring those already gone. */
export async function deleteLinks(runner: Runner, names: readonly string[]): Promise<void> {
  if (names.length === 0) return;
  await runner.run(['ip', '-force', '-batch', '-'], { input: names.map((n) => `link del dev ${n}\n`).join(''), allowFailure: true });
}

export interface LinkInfo {
  ifname: string;
  address?: string;
  mtu?: number;
  master?: string;
  operstate?: string;
  flags?: string[];
  linkinfo?: { info_kind?: string; info_slave_kind?: string; info_slave_data?: { hairpin?: boolean } };
  addr_info?: { family: string; local: string; prefixlen: number }[];
}

/** `ip -j -d addr show dev NAME` (details and addresses), in the current namespace or a sandbox; undefined when absent. */
export async function showLink(runner: Runner, name: string, netnsPath?: string): Promise<LinkInfo | undefined> {
  const args = ['-j', '-d', 'addr', 'show', 'dev', name];
  const res = netnsPath ? await runInNetns(runner, netnsPath, args, undefined, true) : await runner.run(['ip', ...args], { allowFailure: true });
  if (res.code !== 0) return undefined;
  return (JSON.parse(res.stdout || '[]') as LinkInfo[])[0];
}

export interface RouteInfo { dst: string; gateway?: string; dev?: string }

export async function showRoutes(runner: Runner, netnsPath: string, dev: string): Promise<RouteInfo[]> {
  const res = await runInNetns(runner, netnsPath, ['-j', 'route', 'show', 'dev', dev], undefined, true);
  if (res.code !== 0) return [];
  return JSON.parse(res.stdout || '[]') as RouteInfo[];
}

/** Ports of a bridge in the current namespace; [] when the bridge does not exist. */
export async function bridgePorts(runner: Runner, bridge: string): Promise<string[]> {
  const res = await runner.run(['ip', '-j', 'link', 'show', 'master', bridge], { allowFailure: true });
  if (res.code !== 0) return [];
  return (JSON.parse(res.stdout || '[]') as LinkInfo[]).map((l) => l.ifname);
}

function runInNetns(runner: Runner, netnsPath: string, ipArgs: string[], input?: string, allowFailure = false) {
  const name = netnsName(netnsPath);
  const argv = name ? ['ip', '-n', name, ...ipArgs] : ['nsenter', `--net=${netnsPath}`, 'ip', ...ipArgs];
  return runner.run(argv, { ...(input !== undefined ? { input } : {}), allowFailure });
}
