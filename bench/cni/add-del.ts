// ADD+DEL latency of podnet-cni against the reference bridge + host-local
// plugins (/usr/lib/cni), side by side in one run. Each sample is what a
// runtime pays per pod: create the pod netns, ADD, DEL, delete the netns.
// The plugins run inside their own node namespace via `ip netns exec`, as the
// node agent runs them, with the same minimal environment (PATH and CNI_*,
// like a runtime's), alternating ours/reference so load drifts hit both.
//
//   node dist/bench/cni/add-del.js [N]      (default N=30; needs root)

import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { spawnSync } from 'node:child_process';

const N = Number(process.argv[2] ?? 30);
const REFERENCE_DIR = '/usr/lib/cni';
const PLUGIN = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../src/cni/main.js');
const PREFIX = `pn-cnib${process.pid % 10000}`;
const DATA_DIR = `/tmp/${PREFIX}-ipam`;

interface Side { label: string; nodeNs: string; exe: string; type: string; ipamType: string; bridge: string; samples: number[] }

function run(argv: string[], input = '', env: NodeJS.ProcessEnv = process.env): string {
  const r = spawnSync(argv[0]!, argv.slice(1), { input, env, encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`${argv.join(' ')} failed: ${r.stdout}${r.stderr}`);
  return r.stdout;
}

function config(side: Side): string {
  return JSON.stringify({
    cniVersion: '1.0.0', name: `${PREFIX}-${side.label}`, type: side.type, bridge: side.bridge, isGateway: true, mtu: 1500, hairpinMode: true,
    ipam: { type: side.ipamType, subnet: '10.244.0.0/24', routes: [{ dst: '0.0.0.0/0' }], dataDir: DATA_DIR },
  });
}

function plugin(side: Side, command: string, id: string, podNs: string): void {
  const env = {
    PATH: '/usr/sbin:/usr/bin:/sbin:/bin',
    CNI_COMMAND: command, CNI_CONTAINERID: id, CNI_NETNS: `/run/netns/${podNs}`, CNI_IFNAME: 'eth0', CNI_PATH: REFERENCE_DIR,
  };
  run(['ip', 'netns', 'exec', side.nodeNs, side.exe], config(side), env);
}

function sample(side: Side, i: number): number {
  const podNs = `${PREFIX}-${side.label}-p${i}`;
  const t0 = process.hrtime.bigint();
  run(['ip', 'netns', 'add', podNs]);
  plugin(side, 'ADD', `bench-${side.label}-${i}`, podNs);
  plugin(side, 'DEL', `bench-${side.label}-${i}`, podNs);
  run(['ip', 'netns', 'del', podNs]);
  return Number(process.hrtime.bigint() - t0) / 1e6;
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
}

function main(): void {
  fs.chmodSync(PLUGIN, 0o755);
  const sides: Side[] = [
    { label: 'ours', nodeNs: `${PREFIX}-ours`, exe: PLUGIN, type: 'podnet-cni', ipamType: 'host-local', bridge: 'cni0', samples: [] },
    { label: 'ref', nodeNs: `${PREFIX}-ref`, exe: `${REFERENCE_DIR}/bridge`, type: 'bridge', ipamType: 'host-local', bridge: 'cni0', samples: [] },
  ];
  try {
    for (const s of sides) run(['ip', 'netns', 'add', s.nodeNs]);
    // one warm-up each: creates the bridges and pulls the binaries into the page cache
    for (const s of sides) sample(s, 0);
    for (let i = 1; i <= N; i++) for (const s of (i % 2 ? sides : [...sides].reverse())) s.samples.push(sample(s, i));
  } finally {
    for (const s of sides) spawnSync('ip', ['netns', 'del', s.nodeNs]);
    for (const name of fs.existsSync('/run/netns') ? fs.readdirSync('/run/netns') : []) if (name.startsWith(PREFIX)) spawnSync('ip', ['netns', 'del', name]);
    fs.rmSync(DATA_DIR, { recursive: true, force: true });
  }
  const [ours, ref] = sides.map((s) => median(s.samples)) as [number, number];
  const fmt = (x: number) => x.toFixed(1);
  console.log(`ADD+DEL incl. netns add/del, N=${N} each, median ms`);
  console.log(`  podnet-cni            ${fmt(ours)}  (min ${fmt(Math.min(...sides[0]!.samples))}, max ${fmt(Math.max(...sides[0]!.samples))})`);
  console.log(`  bridge + host-local   ${fmt(ref)}  (min ${fmt(Math.min(...sides[1]!.samples))}, max ${fmt(Math.max(...sides[1]!.samples))})`);
  console.log(`  ratio                 ${(ours / ref).toFixed(2)}`);
}

main();
