// API server benchmark: watch fan-out speed and daemon memory.
//   npx tsc -p tsconfig.json && node dist/bench/apiserver/apiserver-bench.js [--objects 10000]
// Runs the API server in its own process (dist/src/apiserver/main.js) on a temp
// dir, talks to it with HttpClient over the Unix socket, prints a table.
// Bounded: a fixed number of objects, every wait has a timeout; cleans up.

import type { ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { HttpClient } from '../../src/client/http-client.js';
import type { KubeObject } from '../../src/api/types.js';
import { rssKb } from '../proc-stat.js';
import { startApiServer } from './standalone.js';

const argIndex = process.argv.indexOf('--objects');
const N = argIndex >= 0 ? Number(process.argv[argIndex + 1]) : 10_000;
const WRITE_CONCURRENCY = 32;
const WATCHERS = 10;
const WAIT_TIMEOUT_MS = 120_000;

interface Daemon { child: ChildProcess; client: HttpClient; dir: string }

async function startDaemon(): Promise<Daemon> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'podnet-bench-'));
  const socketPath = path.join(dir, 'api.sock');
  const child = await startApiServer(dir, socketPath);
  return { child, client: new HttpClient({ socketPath }), dir };
}

async function stopDaemon(d: Daemon): Promise<void> {
  d.client.close();
  d.child.kill('SIGTERM');
  await new Promise((r) => d.child.once('exit', r));
  fs.rmSync(d.dir, { recursive: true, force: true });
}

function rssMiB(pid: number): number {
  return rssKb(pid) / 1024;
}

async function createMany(client: HttpClient, count: number, make: (i: number) => KubeObject): Promise<number> {
  const start = performance.now();
  let next = 0;
  const worker = async () => {
    while (next < count) await client.create(make(next++));
  };
  await Promise.all(Array.from({ length: WRITE_CONCURRENCY }, worker));
  return performance.now() - start;
}

const configMap = (prefix: string) => (i: number): KubeObject =>
  ({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: `${prefix}-${i}`, namespace: 'default', labels: { app: 'bench' } }, data: { index: String(i) } });
const service = (i: number): KubeObject => ({
  apiVersion: 'v1', kind: 'Service', metadata: { name: `svc-${i}`, namespace: 'default', labels: { app: `app-${i % 100}` } },
  spec: { selector: { app: `app-${i % 100}` }, ports: [{ name: 'http', port: 80, targetPort: 8080, protocol: 'TCP' }] },
});
const pod = (i: number): KubeObject => ({
  apiVersion: 'v1', kind: 'Pod', metadata: { name: `pod-${i}`, namespace: 'default', labels: { app: `app-${i % 100}` } },
  spec: { nodeName: `node-${i % 2 + 1}`, containers: [{ name: 'echo', image: 'podnet/echo', ports: [{ containerPort: 8080 }], env: [{ name: 'PORT', value: '8080' }] }] },
});

/** Starts `count` watchers from `rv`; resolves with each one's time until it has seen `expect` events. */
function watchers(client: HttpClient, count: number, rv: string | undefined, expect: number, t0: () => number): { done: Promise<number[]>; stop: () => void } {
  const handles: { stop(): void }[] = [];
  const done = Promise.all(Array.from({ length: count }, () => new Promise<number>((resolve, reject) => {
    let seen = 0;
    const timer = setTimeout(() => reject(new Error(`watcher saw ${seen}/${expect} events`)), WAIT_TIMEOUT_MS);
    const h = client.watch('configmaps', 'default', { resourceVersion: rv }, () => {
      if (++seen === expect) {
        clearTimeout(timer);
        resolve(performance.now() - t0());
      }
    });
    h.done.catch(reject);
    handles.push(h);
  })));
  return { done, stop: () => handles.forEach((h) => h.stop()) };
}

const rows: [string, string][] = [];
const row = (what: string, value: string) => { rows.push([what, value]); console.error(`${what}: ${value}`); };
const ms = (v: number) => `${v.toFixed(0)} ms`;

const d1 = await startDaemon();
try {
  const startRv = (await d1.client.list('configmaps', 'default')).metadata.resourceVersion!;
  // live: one watcher connected while N objects are written
  let writeStart = 0;
  const live1 = watchers(d1.client, 1, startRv, N, () => writeStart);
  writeStart = performance.now();
  const writeMs = await createMany(d1.client, N, configMap('a'));
  const [live1Ms] = await live1.done;
  live1.stop();
  row(`create ${N} ConfigMaps over HTTP (${WRITE_CONCURRENCY} in flight)`, `${ms(writeMs)} (${(N / writeMs * 1000).toFixed(0)}/s)`);
  row('1 live watcher: last event after last write ack', ms(live1Ms! - writeMs));

  // replay: the N events are in the history; watchers start from before them
  let t = performance.now();
  const r1 = watchers(d1.client, 1, startRv, N, () => t);
  const [replay1] = await r1.done;
  r1.stop();
  row(`1 watcher receives ${N} events (replay)`, ms(replay1!));
  t = performance.now();
  const r10 = watchers(d1.client, WATCHERS, startRv, N, () => t);
  const replay10 = await r10.done;
  r10.stop();
  row(`${WATCHERS} watchers each receive ${N} events (replay)`, `max ${ms(Math.max(...replay10))}`);

  // live fan-out: ten watchers while N more objects are written
  const rv2 = (await d1.client.list('configmaps', 'default', { fieldSelector: 'metadata.name=none' })).metadata.resourceVersion!;
  const live10 = watchers(d1.client, WATCHERS, rv2, N, () => writeStart);
  writeStart = performance.now();
  const write2Ms = await createMany(d1.client, N, configMap('b'));
  const live10Ms = await live10.done;
  live10.stop();
  row(`${WATCHERS} live watchers: last event after last write ack`, `max ${ms(Math.max(...live10Ms) - write2Ms)} (writes took ${ms(write2Ms)})`);
} finally {
  await stopDaemon(d1);
}

const d2 = await startDaemon();
try {
  row('daemon RSS, empty cluster', `${rssMiB(d2.child.pid!).toFixed(0)} MiB`);
  const svcMs = await createMany(d2.client, N, service);
  const podMs = await createMany(d2.client, N, pod);
  row(`create ${N} Services + ${N} Pods`, `${ms(svcMs)} + ${ms(podMs)}`);
  row(`daemon RSS with ${N} Services + ${N} Pods`, `${rssMiB(d2.child.pid!).toFixed(0)} MiB`);
  const t = performance.now();
  const list = await d2.client.list('pods');
  row(`list ${list.items.length} pods over HTTP`, ms(performance.now() - t));
} finally {
  await stopDaemon(d2);
}

const width = Math.max(...rows.map((r) => r[0].length));
console.log(`\n${'measurement'.padEnd(width)} | result`);
console.log(`${'-'.repeat(width)}-|-${'-'.repeat(30)}`);
for (const [k, v] of rows) console.log(`${k.padEnd(width)} | ${v}`);
