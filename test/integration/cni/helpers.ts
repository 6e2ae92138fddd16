// Throwaway namespaces and plugin invocations for podnet-cni's integration
// tests. Everything is named pn-cnit-<pid>-..., so parallel runs never meet
// and `ip netns list | grep pn-cnit` finds leftovers of a crashed one.

import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { spawn } from 'node:child_process';
import { execCni, installPodnetCni } from '../../../src/cni/exec-plugin.js';
import type { CniCommand } from '../../../src/cni/env.js';
import { ExecRunner } from '../../../src/net/runner.js';
import type { LinkInfo, RouteInfo } from '../../../src/net/links.js';

export const runner = new ExecRunner();
export const REFERENCE_CNI_PATH = ['/usr/lib/cni'];

export class Sandbox {
  readonly prefix: string;
  readonly dir: string;
  readonly pluginDir: string;
  readonly dataDir: string;
  private readonly names = new Set<string>();

  constructor(tag: string) {
    this.prefix = `pn-cnit-${process.pid % 100000}-${tag}`;
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

  async cleanup(): Promise<void> {
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
  cni(command: CniCommand, node: string, o: { config: Record<string, unknown>; containerId?: string; pod?: string; netns?: string; ifName?: string; pluginPath?: string[]; timeoutMs?: number }) {
    return execCni(command, {
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
