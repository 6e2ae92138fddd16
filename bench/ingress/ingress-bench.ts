// Ingress data-path and control-path numbers, on this machine, in one run:
//  1. wrk through NGINX vs the same Node backend directly (rps, latency ratio);
//  2. 1,000 Ingresses: build route table, render, `nginx -t`, start, reload
//     after one endpoint change.
// Run: npx tsc -p tsconfig.json && node dist/bench/ingress/ingress-bench.js [--seconds 3] [--warmup 2] [--rounds 8]
//      [--connections 16] [--wrk-cpu N] [--backend echo|minimal] [--workers N] [--ingresses 1000] [--data-only]

import { spawn } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import { availableParallelism, cpus, loadavg } from 'node:os';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { defaultWorkerProcesses } from '../../src/ingress/nginx-conf.js';
import { buildRouteTable } from '../../src/ingress/route-table.js';
import { ingress, OUR_CLASS, service, slice } from '../../test/unit/ingress/fixtures.js';
import { freePort, runner, TestNginx } from '../../test/integration/ingress/harness.js';
import { childPids, cpuMs, since, snapshot } from '../proc-stat.js';
import { formatSpread, roundOrder, spread } from './paired-rounds.js';

const { values } = parseArgs({ options: {
  seconds: { type: 'string', default: '3' }, warmup: { type: 'string', default: '2' }, rounds: { type: 'string', default: '8' },
  ingresses: { type: 'string', default: '1000' }, connections: { type: 'string', default: '16' },
  'wrk-cpu': { type: 'string' }, backend: { type: 'string', default: 'echo' }, workers: { type: 'string' }, 'data-only': { type: 'boolean', default: false },
} });
const SECONDS = Number(values.seconds);
const WARMUP_S = Number(values.warmup);
const ROUNDS = Number(values.rounds);
const N = Number(values.ingresses);
const CONNS = values.connections!;
/** pin wrk (both sides alike) with taskset, e.g. --wrk-cpu 1 */
const WRK_CPU = values['wrk-cpu'];
/** echo: the podnet/echo image pods run (pretty JSON of who answered); minimal: compact JSON, almost no work per request */
const BACKENDS: Record<string, string> = { echo: '../../src/images/echo.js', minimal: './minimal-backend.js' };
const BACKEND = values.backend!;
if (!BACKENDS[BACKEND]) throw new Error(`--backend must be one of ${Object.keys(BACKENDS).join(', ')}`);

const WRK_THREADS = '1';

interface Wrk { rps: number; requests: number; avgLatencyMs: number; p99Ms: number; non2xx: boolean; wrkCpuMs: number; raw: string }

const toMs = (v: string | undefined, unit: string | undefined) => Number(v ?? NaN) * (unit === 'us' ? 1 / 1000 : unit === 's' ? 1000 : 1);

/** One wrk run; its own CPU time from /usr/bin/time (wrk's threads included). */
async function wrk(url: string, seconds: number, host?: string): Promise<Wrk> {
  const argv = ['/usr/bin/time', '-f', 'cpu %U %S', ...(WRK_CPU ? ['taskset', '-c', WRK_CPU] : []),
    'wrk', `-t${WRK_THREADS}`, `-c${CONNS}`, `-d${seconds}s`, '--latency', ...(host ? ['-H', `Host: ${host}`] : []), url];
  const r = await runner.run(argv, { timeoutMs: (seconds + 20) * 1000 });
  const lat = /Latency\s+([\d.]+)(us|ms|s)/.exec(r.stdout);
  const p99 = /99%\s+([\d.]+)(us|ms|s)/.exec(r.stdout);
  const cpu = /cpu ([\d.]+) ([\d.]+)/.exec(r.stderr);
  return {
    rps: Number(/Requests\/sec:\s+([\d.]+)/.exec(r.stdout)?.[1] ?? NaN),
    requests: Number(/(\d+) requests in/.exec(r.stdout)?.[1] ?? NaN),
    avgLatencyMs: toMs(lat?.[1], lat?.[2]),
    p99Ms: toMs(p99?.[1], p99?.[2]),
    non2xx: /Non-2xx/.test(r.stdout),
    wrkCpuMs: (Number(cpu?.[1] ?? NaN) + Number(cpu?.[2] ?? NaN)) * 1000,
    raw: r.stdout,
  };
}

/** utime+stime of a process, in ms (/proc/PID/stat fields 14 and 15, USER_HZ = 100). */
function masterCpuMs(pid: number): number {
  return cpuMs(pid);
}

const ms = (t0: number) => Math.round((performance.now() - t0) * 10) / 10;

/** The backend as its own process (so its CPU time is its own), on loopback. */
async function startBackendProcess(): Promise<{ pid: number; port: number; stop(): Promise<void> }> {
  const port = await freePort();
  const child = spawn(process.execPath, [fileURLToPath(new URL(BACKENDS[BACKEND]!, import.meta.url)), '--port', String(port)], {
    stdio: ['ignore', 'pipe', 'inherit'], env: { ...process.env, POD_NAME: 'bench', SHUTDOWN_DELAY_MS: '0' },
  });
  await new Promise<void>((resolve, reject) => {
    child.once('exit', (code) => reject(new Error(`backend ${BACKEND} exited ${code} before serving`)));
    child.stdout!.once('data', () => resolve());
  });
  const exited = new Promise<void>((r) => child.once('exit', () => r()));
  return { pid: child.pid!, port, stop: async () => { child.kill('SIGTERM'); await exited; } };
}

interface Side { name: string; wrk: Wrk; cpu: Record<string, number> }

async function dataPath(): Promise<void> {
  const backend = await startBackendProcess();
  const nginx = new TestNginx();
  try {
    await nginx.start();
    // as the controller pod does (controller-main.ts) unless --workers says otherwise
    nginx.options.workerProcesses = values.workers ? Number(values.workers) : defaultWorkerProcesses(availableParallelism());
    await nginx.apply(buildRouteTable({
      ingressClasses: [OUR_CLASS],
      ingresses: [ingress('bench', { rules: [{ host: 'bench.test', paths: [{ svc: 'bench' }] }] })],
      services: [service('bench')], endpointSlices: [slice('bench', ['127.0.0.1'], { port: backend.port })],
    }));
    const master = nginx.proc.pid!;
    const workers = childPids(master);
    const directUrl = `http://127.0.0.1:${backend.port}/`;
    const proxiedUrl = `http://127.0.0.1:${nginx.options.httpPort}/`;
    // Warm-up: V8 optimises the backend's handler and both paths open their connections before anything counts.
    await wrk(directUrl, WARMUP_S);
    await wrk(proxiedUrl, WARMUP_S, 'bench.test');

    // Upstream keep-alive at work: during a run through NGINX only NGINX talks
    // to the backend's port, so sockets on it right after the run are NGINX's
    // pooled connections (established) and the ones closed during it (TIME-WAIT, 60 s).
    const sockets = async (state: string) => (await runner.run(['ss', '-Htn', 'state', state, `( sport = :${backend.port} or dport = :${backend.port} )`])).stdout.split('\n').filter(Boolean).length;
    const upstream: { open: number; closed: number }[] = [];
    const measure = async (name: string, url: string, host?: string): Promise<Side> => {
      const tw = host ? await sockets('time-wait') : 0;
      const b = snapshot([backend.pid]);
      const n = snapshot([master, ...workers]);
      const w = await wrk(url, SECONDS, host);
      const side = { name, wrk: w, cpu: { wrk: w.wrkCpuMs, nginx: since(n), backend: since(b) } };
      if (host) upstream.push({ open: await sockets('established') / 2, closed: Math.max(0, await sockets('time-wait') - tw) });
      return side;
    };
    const rounds: { direct: Side; proxied: Side }[] = [];
    // Back to back in ABBA order, so drift in the machine's load hits both alike (paired-rounds.ts).
    for (const order of roundOrder(2, ROUNDS)) {
      const round: Partial<Record<'direct' | 'proxied', Side>> = {};
      for (const side of order) {
        if (side === 0) round.direct = await measure('direct', directUrl);
        else round.proxied = await measure('via nginx', proxiedUrl, 'bench.test');
      }
      rounds.push({ direct: round.direct!, proxied: round.proxied! });
    }

    const us = (s: Side, k: string) => ((s.cpu[k]! * 1000) / s.wrk.requests).toFixed(1);
    const line = (s: Side) => `  ${s.name.padEnd(10)} ${s.wrk.rps.toFixed(0).padStart(6)} req/s, p99 ${s.wrk.p99Ms.toFixed(2)} ms, avg ${s.wrk.avgLatencyMs.toFixed(2)} ms;` +
      ` CPU µs/request: wrk ${us(s, 'wrk')}, nginx ${us(s, 'nginx')}, backend ${us(s, 'backend')}${s.wrk.non2xx ? ' (NON-2xx seen!)' : ''}`;
    console.log(`data path (wrk -t${WRK_THREADS} -c${CONNS} -d${SECONDS}s keep-alive${WRK_CPU ? `, pinned to CPU ${WRK_CPU}` : ''}, ${WARMUP_S} s warm-up each; ${BACKEND === 'echo' ? 'podnet/echo' : 'minimal'} backend on loopback; nginx ${workers.length} worker(s); ${ROUNDS} rounds):`);
    for (const r of rounds) { console.log(line(r.direct)); console.log(line(r.proxied)); }
    const rpsRatio = spread(rounds.map((r) => r.proxied.wrk.rps / r.direct.wrk.rps));
    const p99Ratio = spread(rounds.map((r) => r.proxied.wrk.p99Ms / r.direct.wrk.p99Ms));
    const cpuPer = (pick: (r: { direct: Side; proxied: Side }) => Side) => {
      const tot = (k: string) => rounds.reduce((a, r) => a + pick(r).cpu[k]!, 0) * 1000 / rounds.reduce((a, r) => a + pick(r).wrk.requests, 0);
      return `wrk ${tot('wrk').toFixed(1)}, nginx ${tot('nginx').toFixed(1)}, backend ${tot('backend').toFixed(1)}, sum ${(tot('wrk') + tot('nginx') + tot('backend')).toFixed(1)}`;
    };
    console.log(`  CPU µs/request, all rounds: direct    ${cpuPer((r) => r.direct)}`);
    console.log(`                              via nginx ${cpuPer((r) => r.proxied)}`);
    console.log(`  NGINX → backend connections per run: ${upstream.map((u) => `${u.open} open, ${u.closed} closed`).join('; ')} (keep-alive: the same few connections carry every request)`);
    console.log(`  ratio (median of the per-round ratios)  rps ${formatSpread(rpsRatio)} (goal >= 0.7)`);
    console.log(`                                          p99 latency ${formatSpread(p99Ratio)}`);
    console.log(`  load average ${loadavg().map((l) => l.toFixed(1)).join(' ')} on ${cpus().length} cores`);
  } finally {
    await nginx.stop();
    await backend.stop();
  }
}

async function controlPath(): Promise<void> {
  const nginx = new TestNginx();
  try {
    await nginx.start();
    const services = Array.from({ length: N }, (_, i) => service(`svc-${i}`, { ns: `ns-${i % 20}`, clusterIP: `10.96.${(i >> 8) & 255}.${i & 255}` }));
    const slices = (extra: number) => Array.from({ length: N }, (_, i) =>
      slice(`svc-${i}`, Array.from({ length: 3 + (i === 0 ? extra : 0) }, (_, k) => `10.244.${k}.${(i % 250) + 2}`), { ns: `ns-${i % 20}` }));
    const ingresses = Array.from({ length: N }, (_, i) => ingress(`ing-${i}`, { ns: `ns-${i % 20}`, rules: [{ host: `app-${i}.bench.test`, paths: [{ path: '/', svc: `svc-${i}` }, { path: '/api', type: 'Exact', svc: `svc-${i}` }] }] }));

    let t0 = performance.now();
    const table = buildRouteTable({ ingressClasses: [OUR_CLASS], ingresses, services, endpointSlices: slices(0) });
    const tBuild = ms(t0);
    t0 = performance.now();
    const text = nginx.render(table).text;
    const tRender = ms(t0);
    t0 = performance.now();
    const err = await nginx.proc.test(text);
    const tTest = ms(t0);
    if (err) throw new Error(err);
    // CPU time of `nginx -t` (wall time is at the mercy of other load on a shared box)
    await writeFile(`${nginx.dir}/probe.conf`, text);
    const timed = await runner.run(['/usr/bin/time', '-f', '%U %S', 'nginx', '-t', '-q', '-p', `${nginx.options.runtimeDir}/`, '-c', `${nginx.dir}/probe.conf`], { allowFailure: true });
    const [u, sy] = timed.stderr.trim().split('\n').at(-1)!.split(' ').map(Number);
    const testCpuMs = Math.round(((u ?? NaN) + (sy ?? NaN)) * 1000);
    const start = await nginx.apply(table);
    const table2 = buildRouteTable({ ingressClasses: [OUR_CLASS], ingresses, services, endpointSlices: slices(1) });
    // An endpoint change goes to the Lua balancer: file + POST /endpoints, no reload.
    const endpointUpdates: string[] = [];
    for (let k = 0; k < 3; k++) {
      const r = await nginx.apply(k % 2 === 0 ? table2 : table);
      endpointUpdates.push(`${r.ms} (${r.action})`);
    }
    // An Ingress added changes the conf: write + nginx -t + drain + SIGHUP.
    const reloads: string[] = [];
    for (let k = 0; k < 3; k++) {
      const more = buildRouteTable({ ingressClasses: [OUR_CLASS], ingresses: k % 2 === 0 ? [...ingresses, ingress('extra', { ns: 'ns-0', rules: [{ host: 'extra.bench.test', paths: [{ path: '/', svc: 'svc-0' }] }] })] : ingresses, services, endpointSlices: slices(0) });
      const r = await nginx.apply(more);
      reloads.push(`${r.ms} (${r.action})`);
    }
    // the SIGHUP part alone (conf unchanged on disk): new workers up
    const cpu0 = masterCpuMs(nginx.proc.pid!);
    t0 = performance.now();
    await nginx.proc.reload();
    const tHup = ms(t0);
    const hupCpu = masterCpuMs(nginx.proc.pid!) - cpu0;
    console.log(`control path, ${N} Ingresses (${N} hosts, ${2 * N} paths, ${N} Service ports × 3 endpoints; conf ${(text.length / 1024).toFixed(0)} KiB, ${text.split('\n').length} lines):`);
    console.log(`  build route table   ${tBuild} ms`);
    console.log(`  render nginx.conf   ${tRender} ms`);
    console.log(`  nginx -t            ${tTest} ms wall, ${testCpuMs} ms CPU`);
    console.log(`  first start         ${start.ms} ms (write + nginx -t + fork master and worker)`);
    console.log(`  endpoint change (1 endpoint added or removed: endpoints file + POST /endpoints, no reload)  ${endpointUpdates.join(' / ')} ms`);
    console.log(`  reload (1 Ingress added or removed: write + SIGHUP until a new worker runs; the master checks the conf, the drain is nginx's 100 ms before the old workers quit)  ${reloads.join(' / ')} ms`);
    console.log(`  SIGHUP alone until a new worker runs  ${tHup} ms wall, master re-parse ${hupCpu} ms CPU`);
    console.log(`  load average during the run: ${loadavg().map((l) => l.toFixed(1)).join(' ')} on ${cpus().length} cores`);
  } finally {
    await nginx.stop();
  }
}

await dataPath();
if (!values['data-only']) await controlPath();
