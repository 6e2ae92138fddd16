// A small sealed world for the proxy's kernel tests, built from scratch:
//
//   pn-pxt-<id>-out (172.18.0.100)          pn-pxt-<id>-rt: bridge br0 (no address)
//        │                                      │                 │
//   pn-pxt-<id>-n1  eth0 172.18.0.2   pn-pxt-<id>-n2  eth0 172.18.0.3
//     cni0 10.244.0.1/24                  cni0 10.244.1.1/24
//       ├ p1 10.244.0.5                     └ p3 10.244.1.5
//       ├ p2 10.244.0.6
//       └ c  10.244.0.9 (client pod)
//
// Nodes route each other's pod ranges via the node IPs (no NAT between pods).
// Every pod runs a tiny Node HTTP server on 8080 and a UDP echo on 5353 that
// answer with the pod's name and the client address they saw.

import { spawn, type ChildProcess } from 'node:child_process';
import { ExecRunner, type Runner } from '../../../src/net/runner.js';

export interface Pod { ns: string; name: string; ip: string; node: 'n1' | 'n2' }

const SERVER = `
const http = require('http'), dgram = require('dgram');
const name = process.argv[1];
http.createServer((q, s) => { s.setHeader('Connection', 'close'); s.end(JSON.stringify({ pod: name, client: q.socket.remoteAddress }) + '\\n'); }).listen(8080, '0.0.0.0');
const u = dgram.createSocket('udp4');
u.on('message', (m, r) => u.send(JSON.stringify({ pod: name, client: r.address }) + '\\n', r.port, r.address));
u.bind(5353);
`;

export class World {
  readonly runner: Runner = new ExecRunner();
  readonly prefix: string;
  readonly pods: Pod[];
  private readonly servers: ChildProcess[] = [];
  private readonly created: string[] = [];

  constructor(id: string) {
    this.prefix = `pn-pxt-${id}`;
    this.pods = [
      { ns: `${this.prefix}-p1`, name: 'p1', ip: '10.244.0.5', node: 'n1' },
      { ns: `${this.prefix}-p2`, name: 'p2', ip: '10.244.0.6', node: 'n1' },
      { ns: `${this.prefix}-p3`, name: 'p3', ip: '10.244.1.5', node: 'n2' },
      { ns: `${this.prefix}-c`, name: 'c', ip: '10.244.0.9', node: 'n1' },
    ];
  }

  ns(short: string): string { return `${this.prefix}-${short}`; }

  private ip(ns: string, ...args: string[]) { return this.runner.run(['ip', ...args], { netns: ns }); }
  private exec(ns: string, ...argv: string[]) { return this.runner.run(argv, { netns: ns }); }

  private async addNetns(short: string): Promise<string> {
    const name = this.ns(short);
    await this.runner.run(['ip', 'netns', 'add', name]);
    this.created.push(name);
    await this.ip(name, 'link', 'set', 'lo', 'up');
    return name;
  }

  async build(): Promise<void> {
    const rt = await this.addNetns('rt');
    await this.ip(rt, 'link', 'add', 'br0', 'type', 'bridge');
    await this.ip(rt, 'link', 'set', 'br0', 'up');
    const nodes = [{ short: 'n1', ip: '172.18.0.2', cidr: '10.244.0' }, { short: 'n2', ip: '172.18.0.3', cidr: '10.244.1' }];
    for (const [i, n] of nodes.entries()) {
      const ns = await this.addNetns(n.short);
      await this.uplink(rt, ns, `pxt${i}`, `${n.ip}/16`);
      await this.ip(ns, 'route', 'add', 'default', 'via', '172.18.0.1', 'dev', 'eth0');
      await this.ip(ns, 'link', 'add', 'cni0', 'type', 'bridge');
      await this.ip(ns, 'addr', 'add', `${n.cidr}.1/24`, 'dev', 'cni0');
      await this.ip(ns, 'link', 'set', 'cni0', 'up');
      await this.exec(ns, 'sysctl', '-qw', 'net.ipv4.ip_forward=1');
      const other = nodes[1 - i]!;
      await this.ip(ns, 'route', 'add', `${other.cidr}.0/24`, 'via', other.ip);
    }
    const out = await this.addNetns('out');
    await this.uplink(rt, out, 'pxto', '172.18.0.100/16');
    for (const [i, p] of this.pods.entries()) {
      await this.addNetns(p.ns.slice(this.prefix.length + 1));
      const node = this.ns(p.node);
      const host = `pxtv${i}`;
      await this.ip(node, 'link', 'add', host, 'type', 'veth', 'peer', 'name', 'eth0', 'netns', p.ns);
      await this.ip(node, 'link', 'set', host, 'master', 'cni0');
      // As the CNI bridge plugin's hairpinMode: with br_netfilter loaded, a pod's
      // packet DNATed back to itself is bridged out of the port it came in on.
      await this.runner.run(['bridge', 'link', 'set', 'dev', host, 'hairpin', 'on'], { netns: node });
      await this.ip(node, 'link', 'set', host, 'up');
      await this.ip(p.ns, 'addr', 'add', `${p.ip}/24`, 'dev', 'eth0');
      await this.ip(p.ns, 'link', 'set', 'eth0', 'up');
      await this.ip(p.ns, 'route', 'add', 'default', 'via', p.ip.replace(/\.\d+$/, '.1'));
      if (p.name !== 'c') this.startServer(p);
    }
    await this.waitForServers();
  }

  /** veth from the router bridge into ns as eth0 */
  private async uplink(rt: string, ns: string, host: string, addr: string): Promise<void> {
    await this.ip(rt, 'link', 'add', host, 'type', 'veth', 'peer', 'name', 'eth0', 'netns', ns);
    await this.ip(rt, 'link', 'set', host, 'master', 'br0');
    await this.ip(rt, 'link', 'set', host, 'up');
    await this.ip(ns, 'addr', 'add', addr, 'dev', 'eth0');
    await this.ip(ns, 'link', 'set', 'eth0', 'up');
  }

  private startServer(p: Pod): void {
    const child = spawn('ip', ['netns', 'exec', p.ns, process.execPath, '-e', SERVER, p.name], { stdio: 'ignore' });
    this.servers.push(child);
  }

  private async waitForServers(): Promise<void> {
    for (const p of this.pods.filter((x) => x.name !== 'c')) {
      for (let i = 0; i < 100; i++) {
        const r = await this.runner.run(['curl', '-s', '--max-time', '1', `http://${p.ip}:8080/`], { netns: this.ns('c'), allowFailure: true });
        if (r.code === 0) break;
        await new Promise((res) => setTimeout(res, 100));
      }
    }
  }

  /** n HTTP requests, each on a new connection; the pods that answered. */
  async curlMany(ns: string, url: string, n: number): Promise<{ pod: string; client: string }[]> {
    const r = await this.runner.run(['curl', '-s', '--max-time', '5', '-H', 'Connection: close', ...Array<string>(n).fill(url)], { netns: ns });
    return r.stdout.trim().split('\n').map((l) => JSON.parse(l) as { pod: string; client: string });
  }

  async curl(ns: string, url: string) {
    return this.runner.run(['curl', '-sS', '--max-time', '5', url], { netns: ns, allowFailure: true });
  }

  /** one UDP datagram with nc from a fixed source port; the answer, if any */
  async udp(ns: string, host: string, port: number, srcPort: number): Promise<string> {
    const r = await this.runner.run(['nc', '-u', '-w', '1', '-p', String(srcPort), host, String(port)], { netns: ns, input: 'ping\n', allowFailure: true, timeoutMs: 5000 });
    return r.stdout.trim();
  }

  async destroy(): Promise<void> {
    for (const s of this.servers) s.kill('SIGKILL');
    for (const ns of this.created.reverse()) {
      // kills anything left in the namespace (the servers run as `ip netns exec` children)
      const pids = await this.runner.run(['ip', 'netns', 'pids', ns], { allowFailure: true });
      for (const pid of pids.stdout.split('\n').filter(Boolean)) {
        try { process.kill(Number(pid), 'SIGKILL'); } catch { /* already gone */ }
      }
      await this.runner.run(['ip', 'netns', 'del', ns], { allowFailure: true });
    }
  }
}
