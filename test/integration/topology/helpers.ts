// Test fixtures for the real topology: fake pods on a cni0 bridge (the CNI
// plugin's job in production), tiny TCP servers that report who connected,
// and a snapshot of the host network namespace to prove it was not touched.

import { spawn, type ChildProcess } from 'node:child_process';
import { ExecRunner } from '../../../src/net/runner.js';

export const runner = new ExecRunner();

/** Host sysctls that change by themselves, not because of us. */
export const VOLATILE_SYSCTLS = [
  'net.netfilter.nf_conntrack_count', // host conntrack entries come and go with host traffic
  'net.core.netdev_rss_key', // random, generated lazily on first use
  'net.ipv4.tcp_fastopen_key', // random, generated lazily on first use
];

export interface HostSnapshot { link: string; addr: string; route: string; rule: string; nft: string; sysctl: string }

export async function snapshotHost(): Promise<HostSnapshot> {
  const out = async (argv: string[]) => (await runner.run(argv)).stdout;
  const [link, addr, route, rule, nft, sysctl] = await Promise.all([
    out(['ip', '-j', 'link', 'show']),
    out(['ip', '-j', 'addr', 'show']),
    out(['ip', '-j', 'route', 'show', 'table', 'all']),
    out(['ip', '-j', 'rule', 'show']),
    out(['nft', 'list', 'ruleset']),
    // sysctl -a prints unreadable keys (stable_secret...) as errors on stderr: not compared
    (await runner.run(['sysctl', '-a', '--pattern', '^net\\.'], { allowFailure: true })).stdout,
  ]);
  const volatile = new Set(VOLATILE_SYSCTLS);
  const stable = sysctl!.split('\n').filter((l) => !volatile.has(l.split(' = ')[0]!)).join('\n');
  return { link: link!, addr: addr!, route: route!, rule: rule!, nft: nft!, sysctl: stable };
}

/**
 * A fake pod: its own namespace with eth0 on the node's cni0 bridge (created
 * here if missing with GATEWAY/24), default route via the bridge.
 */
export async function fakePod(nodeNetns: string, podNetns: string, ip: string, gateway: string): Promise<void> {
  await runner.run(['ip', 'netns', 'add', podNetns]);
  const hostSide = `v${podNetns.slice(-8)}`;
  const node = await runner.run(['ip', '-j', 'link', 'show', 'cni0'], { netns: nodeNetns, allowFailure: true });
  const bridge = node.code === 0 ? [] : ['link add cni0 type bridge', `addr replace ${gateway}/24 dev cni0`, 'link set cni0 up'];
  await runner.run(['ip', '-batch', '-'], {
    netns: nodeNetns,
    input: [...bridge, `link add ${hostSide} type veth peer name eth0 netns ${podNetns}`, `link set ${hostSide} master cni0`, `link set ${hostSide} up`, ''].join('\n'),
  });
  await runner.run(['ip', '-batch', '-'], {
    netns: podNetns,
    input: [`addr add ${ip}/24 dev eth0`, 'link set lo up', 'link set eth0 up', `route add default via ${gateway}`, ''].join('\n'),
  });
}

const SERVER = `
const net = require('node:net');
const tag = process.argv[1];
net.createServer((s) => { s.end(tag + ' ' + s.remoteAddress + '\\n'); })
  .listen(Number(process.argv[2]), process.argv[3], () => console.log('listening'));
`;

const CLIENT = `
const net = require('node:net');
const s = net.connect({ host: process.argv[1], port: Number(process.argv[2]) });
let data = '';
s.setTimeout(Number(process.argv[3]), () => { console.log(JSON.stringify({ error: 'ETIMEDOUT' })); process.exit(0); });
s.on('data', (d) => { data += d; });
s.on('end', () => { console.log(JSON.stringify({ data: data.trim() })); process.exit(0); });
s.on('error', (e) => { console.log(JSON.stringify({ error: e.code })); process.exit(0); });
`;

/** A TCP server in NETNS that answers every connection with "TAG <peer address>". */
export async function startServer(netns: string, tag: string, port: number, host = '0.0.0.0'): Promise<ChildProcess> {
  const child = spawn('ip', ['netns', 'exec', netns, process.execPath, '-e', SERVER, tag, String(port), host], { stdio: ['ignore', 'pipe', 'inherit'] });
  await new Promise<void>((resolve, reject) => {
    child.once('error', reject);
    child.once('exit', (code) => reject(new Error(`server in ${netns} exited with ${code}`)));
    child.stdout!.setEncoding('utf8').once('data', () => resolve());
  });
  return child;
}

export interface Reply { data?: string; error?: string }

/** Connects from NETNS to HOST:PORT; resolves with what the server said or the socket error code. */
export async function request(netns: string, host: string, port: number, timeoutMs = 3000): Promise<Reply> {
  const { stdout } = await runner.run(['ip', 'netns', 'exec', netns, process.execPath, '-e', CLIENT, host, String(port), String(timeoutMs)]);
  return JSON.parse(stdout.trim()) as Reply;
}

export function stop(child: ChildProcess | undefined): void {
  if (child?.pid !== undefined && child.exitCode === null) child.kill('SIGKILL');
}
