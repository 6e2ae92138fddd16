// Throwaway namespaces and plugin invocations for podnet-cni's integration
// tests. Everything is named pn-cnit-<pid>-..., so parallel runs never meet
// and `ip netns list | grep pn-cnit` finds leftovers of a crashed one.

import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { execCni, installPodnetCni } from '../../../src/cni/exec-plugin.js';
import type { CniCommand } from '../../../src/cni/env.js';
import { ExecRunner } from '../../../src/net/runner.js';
import type { LinkInfo, RouteInfo } from '../../../src/net/links.js';

export const runner = new ExecRunner();
export const REFERENCE_CNI_PATH = ['/usr/lib/cni'];

/**
 * The two ways the installed podnet-cni runs, and every test runs through
 * both: `standalone` (the shim finds no server and execs Node) and `resident`
 * (the shim hands the call to a CNI server running in the node namespace).
 */
export const CNI_MODES = ['standalone', 'resident'] as const;
export type CniMode = (typeof CNI_MODES)[number];

const SERVER_MAIN = fileURLToPath(new URL('../../../src/cni/server-main.js', import.meta.url));
const SERVER_START_TIMEOUT_MS = 30_000;

export class Sandbox {
  readonly prefix: string;
  readonly dir: string;
  readonly pluginDir: string;
  readonly dataDir: string;
  private readonly names = new Set<string>();
  private readonly servers = new Map<string, Promise<ChildProcess>>();
  private readonly serverLogs = new Map<string, string[]>();

  constructor(tag: string, readonly mode: CniMode = 'standalone') {
    this.prefix = `pn-cnit-${process.pid % 100000}-${tag}${mode === 'resident' ? 'r' : 's'}`;
    this.dir = fs.mkdtempSync(path.join(os.tmpdir(), `${this.prefix}-`));
    this.pluginDir = installPodnetCni(path.join(this.dir, 'bin'));
    this.dataDir = path.join(this.dir, 'ipam');
  }

  ns(name: string): string {
    return `${this.prefix}-${name}`;
  }

  async addNetns(...names: string[]): Promise<string[]> {
    const full = names.map((n) => this.ns(n));
    for (const n of full) this.names.add(n);
    await runner.run(['ip', '-batch', '-'], { input: full.map((n) => `netns add ${n}\n`).join('') });
    return full;
  }

  async delNetns(...names: string[]): Promise<void> {
    const full = names.map((n) => this.ns(n));
    await runner.run(['ip', '-force', '-batch', '-'], { input: full.map((n) => `netns del ${n}\n`).join(''), allowFailure: true });
  }

  /**
   * Environment that points the shim at the node's server (resident mode;
   * starting it on first use): what a runtime gets from the installed shim's
   * default socket, given explicitly because each test node has its own.
   * Standalone mode: an empty socket, so the shim execs Node.
   */
  async shimEnv(node: string): Promise<Record<string, string>> {
    if (this.mode === 'standalone') return { PODNET_CNI_SOCKET: '' };
    const socket = path.join(this.dir, `${node}.sock`);
    if (!this.servers.has(node)) {
      const log: string[] = [];
      this.serverLogs.set(node, log);
      this.servers.set(node, startServer(this.ns(node), socket, log));
    }
    await this.servers.get(node);
    // the server logs each call it serves: proof that the call did not fall back to standalone
    return { PODNET_CNI_SOCKET: socket, PODNET_DEBUG: 'cni' };
  }

  /** What the node's resident server logged (resident mode). */
  serverLog(node: string): string {
    return (this.serverLogs.get(node) ?? []).join('');
  }

  async cleanup(): Promise<void> {
    for (const server of this.servers.values()) {
      const child = await server.catch(() => undefined);
      if (child && child.exitCode === null) {
        child.kill('SIGTERM');
        await new Promise((r) => child.once('exit', r));
      }
    }
    const all = [...this.names];
    await runner.run(['ip', '-force', '-batch', '-'], { input: all.map((n) => `netns del ${n}\n`).join(''), allowFailure: true });
    fs.rmSync(this.dir, { recursive: true, force: true });
  }

  config(extra: Record<string, unknown> = {}, ipam: Record<string, unknown> = {}): Record<string, unknown> {
    return {
      cniVersion: '1.1.0', name: `${this.prefix}-net`, type: 'podnet-cni', mtu: 1400,
      ...extra,
      ipam: { type: 'host-local', subnet: '10.244.0.0/24', dataDir: this.dataDir, ...ipam },
    };
  }

  /** The plugin run as the node agent runs it: inside the node namespace, per the exec protocol. */
  async cni(command: CniCommand, node: string, o: { config: Record<string, unknown>; containerId?: string; pod?: string; netns?: string; ifName?: string; pluginPath?: string[]; timeoutMs?: number }) {
    return execCni(command, {
      env: await this.shimEnv(node),
      config: o.config,
      pluginPath: o.pluginPath ?? [this.pluginDir],
      runInNetns: this.ns(node),
      ...(o.timeoutMs !== undefined ? { timeoutMs: o.timeoutMs } : {}),
      args: { K8S_POD_NAMESPACE: 'default', K8S_POD_NAME: o.containerId ?? 'none' },
      ...(o.containerId !== undefined ? { containerId: o.containerId } : {}),
      ...(o.netns !== undefined ? { netns: o.netns } : o.pod !== undefined ? { netns: `/run/netns/${this.ns(o.pod)}` } : {}),
      ...(command === 'ADD' || command === 'DEL' || command === 'CHECK' ? { ifName: o.ifName ?? 'eth0' } : {}),
    });
  }

  ipFiles(network = `${this.prefix}-net`): string[] {
    const dir = path.join(this.dataDir, network);
    return fs.existsSync(dir) ? fs.readdirSync(dir).filter((f) => /^\d+\.\d+\.\d+\.\d+$/.test(f)).sort() : [];
  }
}

/** A resident CNI server inside `netns`, as its own process; resolves once it listens. */
function startServer(netns: string, socket: string, log: string[]): Promise<ChildProcess> {
  const child = spawn('ip', ['netns', 'exec', netns, process.execPath, SERVER_MAIN, '--socket', socket], { stdio: ['ignore', 'pipe', 'pipe'] });
  child.stderr!.setEncoding('utf8').on('data', (d: string) => { log.push(d); });
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => { child.kill(); reject(new Error(`the CNI server in ${netns} did not start`)); }, SERVER_START_TIMEOUT_MS);
    child.stdout!.setEncoding('utf8').on('data', (d: string) => { if (d.includes('listening')) { clearTimeout(timer); resolve(child); } });
    child.once('exit', (code) => { clearTimeout(timer); reject(new Error(`the CNI server in ${netns} exited (${code})`)); });
  });
}

export async function links(netns: string): Promise<LinkInfo[]> {
  const { stdout } = await runner.run(['ip', '-j', '-d', 'addr', 'show'], { netns });
  return JSON.parse(stdout || '[]') as LinkInfo[];
}

export async function link(netns: string, name: string): Promise<LinkInfo | undefined> {
  return (await links(netns)).find((l) => l.ifname === name);
}

export async function routes(netns: string): Promise<RouteInfo[]> {
  const { stdout } = await runner.run(['ip', '-j', 'route', 'show'], { netns });
  return JSON.parse(stdout || '[]') as RouteInfo[];
}

export function inet(l: LinkInfo | undefined): string[] {
  return (l?.addr_info ?? []).filter((a) => a.family === 'inet').map((a) => `${a.local}/${a.prefixlen}`);
}

/** A TCP round trip from one namespace to an address in another (nc; this box has no ping). */
export async function tcpReaches(fromNs: string, toNs: string, ip: string, port = 7000): Promise<boolean> {
  const server = spawn('ip', ['netns', 'exec', toNs, 'timeout', '5', 'nc', '-l', ip, String(port)], { stdio: ['ignore', 'pipe', 'ignore'] });
  let got = '';
  const closed = new Promise((r) => server.once('close', r));
  server.stdout.setEncoding('utf8').on('data', (d: string) => { got += d; });
  try {
    for (let attempt = 0; attempt < 20; attempt++) {
      const res = await runner.run(['ip', 'netns', 'exec', fromNs, 'nc', '-N', '-w', '2', ip, String(port)], { input: 'hello\n', allowFailure: true });
      if (res.code === 0) break;
      await new Promise((r) => setTimeout(r, 50)); // the listener may not be up yet
    }
    await closed;
  } finally {
    server.kill();
  }
  return got.includes('hello');
}
