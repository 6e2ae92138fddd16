// Ingress data-path and control-path numbers, on this machine, in one run:
//  1. wrk through NGINX vs the same Node backend directly (rps, latency ratio);
//  2. 1,000 Ingresses: build route table, render, `nginx -t`, start, reload
//     after one endpoint change.
// Run: npx tsc -p tsconfig.json && node dist/bench/ingress/ingress-bench.js [--seconds 5] [--ingresses 1000]

import { readFileSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { cpus, loadavg } from 'node:os';
import { parseArgs } from 'node:util';
import { buildRouteTable } from '../../src/ingress/route-table.js';
import { ingress, service, slice } from '../../test/unit/ingress/fixtures.js';
import { runner, startBackend, stopBackend, TestNginx } from '../../test/integration/ingress/harness.js';

const { values } = parseArgs({ options: { seconds: { type: 'string', default: '5' }, ingresses: { type: 'string', default: '1000' }, connections: { type: 'string', default: '16' } } });
const SECONDS = Number(values.seconds);
const N = Number(values.ingresses);
const CONNS = values.connections!;

interface Wrk { rps: number; avgLatencyMs: number; non2xx: boolean; raw: string }

async function wrk(url: string, host?: string): Promise<Wrk> {
  const r = await runner.run(['wrk', '-t1', `-c${CONNS}`, `-d${SECONDS}s`, '--latency', ...(host ? ['-H', `Host: ${host}`] : []), url], { timeoutMs: (SECONDS + 20) * 1000 });
  const rps = Number(/Requests\/sec:\s+([\d.]+)/.exec(r.stdout)?.[1] ?? NaN);
  const lat = /Latency\s+([\d.]+)(us|ms|s)/.exec(r.stdout);
  const scale = lat?.[2] === 'us' ? 1 / 1000 : lat?.[2] === 's' ? 1000 : 1;
  return { rps, avgLatencyMs: Number(lat?.[1] ?? NaN) * scale, non2xx: /Non-2xx/.test(r.stdout), raw: r.stdout };
}

/** utime+stime of a process, in ms (/proc/PID/stat fields 14 and 15, USER_HZ = 100). */
function masterCpuMs(pid: number): number {
  const f = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
  return (Number(f[11]) + Number(f[12])) * 10;
}

const ms = (t0: number) => Math.round((performance.now() - t0) * 10) / 10;

async function dataPath(): Promise<void> {
  const backend = await startBackend('bench');
  const nginx = new TestNginx();
  try {
    await nginx.start();
    await nginx.apply(buildRouteTable({
      ingresses: [ingress('bench', { rules: [{ host: 'bench.test', paths: [{ svc: 'bench' }] }] })],
      services: [service('bench')], endpointSlices: [slice('bench', ['127.0.0.1'], { port: backend.port })],
    }));
    const direct = await wrk(`http://127.0.0.1:${backend.port}/`);
    const proxied = await wrk(`http://127.0.0.1:${nginx.options.httpPort}/`, 'bench.test');
    console.log(`data path (wrk -t1 -c${CONNS} -d${SECONDS}s, Node echo backend, 1 nginx worker):`);
    console.log(`  direct      ${direct.rps.toFixed(0)} req/s, avg latency ${direct.avgLatencyMs.toFixed(2)} ms`);
    console.log(`  via nginx   ${proxied.rps.toFixed(0)} req/s, avg latency ${proxied.avgLatencyMs.toFixed(2)} ms${proxied.non2xx ? ' (NON-2xx seen!)' : ''}`);
    console.log(`  ratio       rps ${(proxied.rps / direct.rps).toFixed(2)}x, latency ${(proxied.avgLatencyMs / direct.avgLatencyMs).toFixed(2)}x`);
  } finally {
    await nginx.stop();
    await stopBackend(backend);
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
    const table = buildRouteTable({ ingresses, services, endpointSlices: slices(0) });
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
    const table2 = buildRouteTable({ ingresses, services, endpointSlices: slices(1) });
    const reloads: number[] = [];
    for (let k = 0; k < 3; k++) {
      const r = await nginx.apply(k % 2 === 0 ? table2 : table);
      reloads.push(r.ms);
    }
    // the SIGHUP part alone (conf unchanged on disk): new workers up
    const cpu0 = masterCpuMs(nginx.proc.pid!);
    t0 = performance.now();
    await nginx.proc.reload();
    const tHup = ms(t0);
    const hupCpu = masterCpuMs(nginx.proc.pid!) - cpu0;
    console.log(`control path, ${N} Ingresses (${N} hosts, ${2 * N} paths, ${N} upstreams × 3 endpoints; conf ${(text.length / 1024).toFixed(0)} KiB, ${text.split('\n').length} lines):`);
    console.log(`  build route table   ${tBuild} ms`);
    console.log(`  render nginx.conf   ${tRender} ms`);
    console.log(`  nginx -t            ${tTest} ms wall, ${testCpuMs} ms CPU`);
    console.log(`  first start         ${start.ms} ms (write + nginx -t + fork master and worker)`);
    console.log(`  reload (1 endpoint changed: write + nginx -t + SIGHUP until a new worker runs)  ${reloads.join(' / ')} ms`);
    console.log(`  SIGHUP alone until a new worker runs  ${tHup} ms wall, master re-parse ${hupCpu} ms CPU`);
    console.log(`  load average during the run: ${loadavg().map((l) => l.toFixed(1)).join(' ')} on ${cpus().length} cores`);
  } finally {
    await nginx.stop();
  }
}

await dataPath();
await controlPath();
