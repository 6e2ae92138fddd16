// ADD+DEL latency of podnet-cni against the reference bridge + host-local
// plugins (/usr/lib/cni), side by side in one run. Each sample is what a
// runtime pays per pod: create the pod netns, ADD, DEL, delete the netns.
// Every plugin is exec'd as a runtime execs it: inside its node namespace
// (`ip netns exec`), environment PATH + CNI_*, the configuration on stdin.
//
// Three sides, interleaved so load drifts hit all of them:
//   podnet-cni (resident)    the installed shim with a resident CNI server up
//                            in the node namespace (as the node agent runs it)
//   podnet-cni (standalone)  the same shim with no server: a Node start per call
//   bridge + host-local      the reference plugins
// The ratio the issue asks for is resident / reference; standalone is printed
// for honesty. Also: the CPU time all plugin processes and the server used.
//
//   node dist/bench/cni/add-del.js [N]      (default N=30; needs root)

import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { installPodnetCni } from '../../src/cni/exec-plugin.js';
import { cpuMs, procStat } from '../proc-stat.js';

const N = Number(process.argv[2] ?? 30);
const REFERENCE_DIR = '/usr/lib/cni';
const SERVER = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../src/cni/server-main.js');
const PREFIX = `pn-cnib${process.pid % 10000}`;
const SERVER_START_TIMEOUT_MS = 10_000;

interface Side {
  label: string; nodeNs: string; exe: string; type: string; bridge: string; env: Record<string, string>;
  samples: number[]; cpuMs: number;
}

function run(argv: string[], input = '', env: NodeJS.ProcessEnv = process.env): void {
  const r = spawnSync(argv[0]!, argv.slice(1), { input, env, encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`${argv.join(' ')} failed: ${r.stdout}${r.stderr}`);
}

function config(side: Side, dataDir: string): string {
  return JSON.stringify({
    cniVersion: '1.0.0', name: `${PREFIX}-${side.label}`, type: side.type, bridge: side.bridge, isGateway: true, mtu: 1500, hairpinMode: true,
    ipam: { type: 'host-local', subnet: '10.244.0.0/24', routes: [{ dst: '0.0.0.0/0' }], dataDir },
  });
}

function sample(side: Side, i: number, dataDir: string): number {
  const podNs = `${PREFIX}-${side.label}-p${i}`;
  const env = {
    PATH: '/usr/sbin:/usr/bin:/sbin:/bin', ...side.env,
    CNI_CONTAINERID: `bench-${side.label}-${i}`, CNI_NETNS: `/run/netns/${podNs}`, CNI_IFNAME: 'eth0', CNI_PATH: REFERENCE_DIR,
  };
  const conf = config(side, dataDir);
  const cpu0 = procStat(process.pid)!.childrenCpuMs;
  const t0 = process.hrtime.bigint();
  run(['ip', 'netns', 'add', podNs]);
  run(['ip', 'netns', 'exec', side.nodeNs, side.exe], conf, { ...env, CNI_COMMAND: 'ADD' });
  run(['ip', 'netns', 'exec', side.nodeNs, side.exe], conf, { ...env, CNI_COMMAND: 'DEL' });
  run(['ip', 'netns', 'del', podNs]);
  const ms = Number(process.hrtime.bigint() - t0) / 1e6;
  side.cpuMs += procStat(process.pid)!.childrenCpuMs - cpu0;
  return ms;
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
}

/** The resident server in the node namespace, as the agent runs it; resolves once it listens. */
async function startServer(nodeNs: string, socket: string): Promise<ChildProcess> {
  const child = spawn('ip', ['netns', 'exec', nodeNs, process.execPath, SERVER, '--socket', socket], { stdio: ['ignore', 'pipe', 'inherit'] });
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('the CNI server did not start')), SERVER_START_TIMEOUT_MS);
    child.stdout!.setEncoding('utf8').on('data', (d: string) => { if (d.includes('listening')) { clearTimeout(timer); resolve(); } });
    child.once('exit', (code) => { clearTimeout(timer); reject(new Error(`the CNI server exited (${code})`)); });
  });
  return child;
}

async function main(): Promise<void> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), `${PREFIX}-`));
  const dataDir = path.join(dir, 'ipam');
  const socket = path.join(dir, 'podnet-cni.sock');
  const bin = installPodnetCni(path.join(dir, 'bin'), { socket });
  const sides: Side[] = [
    { label: 'res', nodeNs: `${PREFIX}-res`, exe: `${bin}/podnet-cni`, type: 'podnet-cni', bridge: 'cni0', env: {}, samples: [], cpuMs: 0 },
    { label: 'ref', nodeNs: `${PREFIX}-ref`, exe: `${REFERENCE_DIR}/bridge`, type: 'bridge', bridge: 'cni0', env: {}, samples: [], cpuMs: 0 },
    // PODNET_CNI_SOCKET='' tells the shim there is no server: it execs Node
    { label: 'std', nodeNs: `${PREFIX}-std`, exe: `${bin}/podnet-cni`, type: 'podnet-cni', bridge: 'cni0', env: { PODNET_CNI_SOCKET: '' }, samples: [], cpuMs: 0 },
  ];
  let server: ChildProcess | undefined;
  let serverCpu = 0;
  const load0 = os.loadavg();
  try {
    for (const s of sides) run(['ip', 'netns', 'add', s.nodeNs]);
    server = await startServer(sides[0]!.nodeNs, socket);
    // one warm-up each: creates the bridges, loads the plugin code, pulls the binaries into the page cache
    for (const s of sides) sample(s, 0, dataDir);
    for (const s of sides) s.cpuMs = 0;
    const cpu0 = cpuMs(server.pid!);
    for (let i = 1; i <= N; i++) {
      const order = i % 2 ? sides : [...sides].reverse();
      for (const s of order) s.samples.push(sample(s, i, dataDir));
    }
    serverCpu = cpuMs(server.pid!) - cpu0;
  } finally {
    if (server) { server.kill('SIGTERM'); await new Promise((r) => server!.once('exit', r)); }
    for (const s of sides) spawnSync('ip', ['netns', 'del', s.nodeNs]);
    for (const name of fs.existsSync('/run/netns') ? fs.readdirSync('/run/netns') : []) if (name.startsWith(PREFIX)) spawnSync('ip', ['netns', 'del', name]);
    fs.rmSync(dir, { recursive: true, force: true });
  }
  const [res, ref, std] = sides as [Side, Side, Side];
  const fmt = (x: number) => x.toFixed(1).padStart(6);
  const row = (name: string, s: Side, extraCpu = 0) =>
    `  ${name.padEnd(26)}${fmt(median(s.samples))}  (min ${fmt(Math.min(...s.samples))}, max ${fmt(Math.max(...s.samples))})   CPU/pod ${fmt((s.cpuMs + extraCpu) / N)}`;
  console.log(`ADD+DEL incl. netns add/del, N=${N} each, median ms (load average before: ${load0.map((l) => l.toFixed(2)).join(' ')})`);
  console.log(row('podnet-cni, resident', res, serverCpu) + `  (of which server ${(serverCpu / N).toFixed(1)})`);
  console.log(row('podnet-cni, standalone', std));
  console.log(row('bridge + host-local', ref));
  console.log(`  ratio resident / reference     ${(median(res.samples) / median(ref.samples)).toFixed(2)}   (goal <= 2.0)`);
  console.log(`  ratio standalone / reference   ${(median(std.samples) / median(ref.samples)).toFixed(2)}`);
  console.log(`load average after: ${os.loadavg().map((l) => l.toFixed(2)).join(' ')}`);
}

await main();
