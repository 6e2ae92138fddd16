// A/B of NGINX confs on issue 6's in-cluster pair, for tuning the hop: every
// variant is a copy of the live controller's nginx.conf with one change,
// started as an extra NGINX master in the ingress pod's own netns on ports of
// its own (so every variant has the same network path, the same backend pod,
// the same client), and driven by the same wrk in paired rounds whose order
// rotates. The figure that counts is the NGINX workers' CPU µs per request
// (and the backend's), per round relative to `base` in the same round: on a
// machine shared with other work the rate says little.
//
//   node dist/bench/ingress/cluster-bench.js --keep --rounds 1     (prints PODNET_STATE_DIR)
//   node dist/bench/ingress/conf-ab.js --state-dir DIR [--variants base,nolog,...] [--rounds 10] [--duration 3s]
//
// Variants are rewrites of the live text (VARIANTS below); `base` is the live
// conf unchanged but for ports and paths. A name ending `@node` (`base@node`)
// runs that variant in the controller's node's netns instead of its pod's (a
// hostNetwork controller's path); `direct` is the solo pod by its IP, no
// NGINX, so the rounds give the hop's ratio beside each variant.

import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync, mkdtempSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { podnet } from '../../test/support/cli.js';
import { childPids, procStat, schedNs, snapshot, since } from '../proc-stat.js';
import { formatSpread, roundOrder, spread } from './paired-rounds.js';
import { ECHO_PORT, nginxConfPath, SOLO_HOST, soloPair, wrkIn, type WrkOptions } from './solo-pair.js';

const CLUSTER = 'bning';
/** variant i listens on BASE_PORT + i (HTTP) and BASE_TLS_PORT + i (HTTPS) in the ingress pod's netns */
const BASE_PORT = 18080;
const BASE_TLS_PORT = 18443;

/** name → rewrite of the live conf text (one change each). */
const VARIANTS: Record<string, (conf: string) => string> = {
  base: (c) => c,
  // the same conf again: the A/A spread is the noise floor of a comparison
  'base-again': (c) => c,
  // upper bound of what the access log costs (not shippable: it is the evidence)
  nolog: (c) => c.replace(/^\s*access_log .*$/m, '  access_log off;'),
  // client keep-alive: nginx closes a client connection after 1,000 requests by default
  'client-ka': (c) => c.replace('keepalive_timeout 75s;', 'keepalive_timeout 75s;\n  keepalive_requests 10000;'),
  // a request pool of 8 KiB instead of the default 4 KiB: one malloc fewer for requests with many headers
  'req-pool': (c) => c.replace('keepalive_timeout 75s;', 'keepalive_timeout 75s;\n  request_pool_size 8k;'),
  // one gettimeofday per 10 ms instead of after every epoll_wait
  timer: (c) => c.replace(/^worker_shutdown_timeout .*;$/m, '$&\ntimer_resolution 10ms;'),
  // Host straight from the request line/header instead of through a map
  'host-direct': (c) => c.replace(/\$podnet_best_host;/g, '$http_host;'),
  // the log line without JSON escaping (same fields)
  'log-noescape': (c) => c.replace('escape=json', 'escape=default'),
  // a larger log buffer, flushed less often
  'log-256k': (c) => c.replace('buffer=64k flush=100ms', 'buffer=256k flush=1s'),
  // the response in one buffer of its own size class
  'proxy-buf': (c) => c.replace('proxy_buffering on;', 'proxy_buffering on;\n  proxy_buffer_size 16k;\n  proxy_buffers 4 16k;'),
  // no error log at notice level
  'errlog-warn': (c) => c.replace(/error_log (\S+) notice;/, 'error_log $1 warn;'),
  // the same pod on port 8081: a second backend process the experimenter starts
  // in the pod's netns (e.g. a changed podnet/echo), to compare backends behind one conf
  'backend-8081': (c) => c.replace(/(server [\d.]+):8080 /, '$1:8081 '),
  // two workers with reuseport
  workers2: (c) => c.replace('worker_processes 1;', 'worker_processes 2;').replace(/listen (\d+) default_server;/, 'listen $1 default_server reuseport;'),
  // multi_accept (only matters for new connections)
  'multi-accept': (c) => c.replace('events { worker_connections 4096; }', 'events { worker_connections 4096; multi_accept on; }'),
};

/** Voluntary context switches (proc(5) /proc/PID/status): an NGINX worker's sleeps in epoll_wait, i.e. how well events batch. */
function sleeps(pid: number): number {
  try { return Number(/voluntary_ctxt_switches:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? 0); } catch { return 0; }
}

/** Exact on-CPU ns, user ms (ticks) and sleeps of the workers, summed. */
function workerCounters(pids: readonly number[]): { ns: number; userMs: number; sleeps: number } {
  return pids.reduce((a, p) => ({ ns: a.ns + schedNs(p).onCpu, userMs: a.userMs + (procStat(p)?.userMs ?? 0), sleeps: a.sleeps + sleeps(p) }), { ns: 0, userMs: 0, sleeps: 0 });
}

interface Instance { name: string; port: number; dir: string; child: ChildProcess | null; pids: number[]; onNode: boolean; direct: boolean }

/** Runtime files NGINX reads (not its logs, temp files, sockets or pid): copied from `from` into `to`, Lua sources through `relocateText`. */
function copyRuntime(from: string, to: string, relocateText: (text: string) => string): void {
  for (const entry of readdirSync(from, { withFileTypes: true })) {
    const src = path.join(from, entry.name);
    const dst = path.join(to, entry.name);
    if (entry.isDirectory()) {
      if (entry.name === 'logs' || entry.name === 'tmp') continue;
      mkdirSync(dst, { recursive: true });
      copyRuntime(src, dst, relocateText);
    } else if (entry.isFile() && !entry.name.endsWith('.pid')) {
      writeFileSync(dst, entry.name.endsWith('.lua') ? relocateText(readFileSync(src, 'utf8')) : readFileSync(src));
    }
  }
}

/** The live conf moved to its own ports and runtime dir; the 443 listener too, the rest unchanged. */
function relocate(conf: string, liveRuntime: string, dir: string, port: number, tlsPort: number): string {
  return conf.split(liveRuntime).join(dir)
    .replace(/listen 80( |;)/g, `listen ${port}$1`).replace(/listen 443( |;)/g, `listen ${tlsPort}$1`)
    .replace(/^error_log stderr warn;$/m, '');
}

async function main(): Promise<void> {
  const { values } = parseArgs({ options: {
    'state-dir': { type: 'string' }, variants: { type: 'string', default: 'base,nolog' },
    rounds: { type: 'string', default: '10' }, duration: { type: 'string', default: '3s' }, warmup: { type: 'string', default: '2s' },
    connections: { type: 'string', default: '10' }, threads: { type: 'string', default: '1' },
  } });
  if (!values['state-dir']) throw new Error('--state-dir DIR of a cluster kept by cluster-bench.js --keep');
  const names = values.variants!.split(',');
  const variantOf = (n: string) => n.replace(/@node$/, '');
  for (const n of names) if (n !== 'direct' && !VARIANTS[variantOf(n)]) throw new Error(`unknown variant ${n}; known: ${Object.keys(VARIANTS).join(', ')}`);
  const pn = podnet(CLUSTER, values['state-dir']);
  const pair = await soloPair(CLUSTER, pn, path.join(values['state-dir'], CLUSTER));
  const confPath = nginxConfPath(path.join(values['state-dir'], CLUSTER), pair.controller);
  const live = readFileSync(confPath, 'utf8');
  const work = mkdtempSync(path.join(tmpdir(), 'podnet-conf-ab-'));
  const instances: Instance[] = [];
  try {
    for (const [i, name] of names.entries()) {
      if (name === 'direct') { instances.push({ name, port: ECHO_PORT, dir: '', child: null, pids: [], onNode: false, direct: true }); continue; }
      const dir = path.join(work, name);
      for (const sub of ['logs', 'tmp']) mkdirSync(path.join(dir, sub), { recursive: true });
      // the pod sees its volume at /etc/nginx; here its runtime files are copied: certs, error
      // pages, the balancer's Lua module and endpoints (the module names its paths, so it is relocated too)
      copyRuntime(path.join(path.dirname(confPath), 'run'), dir, (text) => text.split('/etc/nginx/run').join(dir));
      const conf = VARIANTS[variantOf(name)]!(relocate(live, '/etc/nginx/run', dir, BASE_PORT + i, BASE_TLS_PORT + i));
      writeFileSync(path.join(dir, 'nginx.conf'), conf);
      const onNode = name.endsWith('@node');
      const child = spawn('ip', ['netns', 'exec', onNode ? pair.clientNs : pair.controllerNs, 'nginx', '-p', `${dir}/`, '-c', path.join(dir, 'nginx.conf')], { stdio: ['ignore', 'inherit', 'inherit'] });
      instances.push({ name, port: BASE_PORT + i, dir, child, pids: [], onNode, direct: false });
    }
    // the masters fork their workers; `ip netns exec` execs nginx, so the child's pid is the master's
    await new Promise((r) => setTimeout(r, 500));
    for (const inst of instances) {
      if (!inst.child) continue;
      if (inst.child.exitCode !== null) throw new Error(`nginx for ${inst.name} exited ${inst.child.exitCode}`);
      inst.pids = childPids(inst.child.pid!);
    }
    const wrkOpts: WrkOptions = { threads: Number(values.threads), connections: Number(values.connections), duration: values.duration! };
    const url = (inst: Instance) => inst.direct ? `http://${pair.solo.status!.podIP}:${ECHO_PORT}/` : `http://${inst.onNode ? pair.controller.status!.hostIP : pair.controller.status!.podIP}:${inst.port}/`;
    const headers = ['-H', `Host: ${SOLO_HOST}`];
    for (const inst of instances) await wrkIn(pair.clientNs, url(inst), { ...wrkOpts, duration: values.warmup! }, headers);

    interface Run { v: number; round: number; rps: number; p99: number; nginx: number; nginxUser: number; sleeps: number; backend: number; wrk: number; errors: number }
    const runs: Run[] = [];
    const load0 = loadavg();
    for (const [round, order] of roundOrder(instances.length, Number(values.rounds)).entries()) {
      for (const v of order) {
        const n0 = workerCounters(instances[v]!.pids);
        const b = snapshot(pair.backendPids);
        const w = await wrkIn(pair.clientNs, url(instances[v]!), wrkOpts, headers);
        const n1 = workerCounters(instances[v]!.pids);
        const perReq = (ms: number) => (ms * 1000) / w.requests;
        runs.push({
          v, round, rps: w.rps, p99: w.p99ms, nginx: perReq((n1.ns - n0.ns) / 1e6), nginxUser: perReq(n1.userMs - n0.userMs),
          sleeps: (n1.sleeps - n0.sleeps) / w.requests, backend: perReq(since(b)), wrk: perReq(w.cpuMs), errors: w.errors,
        });
      }
    }
    const out = (s: string) => process.stdout.write(s);
    out(`wrk -t${wrkOpts.threads} -c${wrkOpts.connections} -d${wrkOpts.duration} from ${pair.clientNs} to extra NGINX masters in the ingress pod (${pair.controllerNs}) → the solo pod; ${values.rounds} rounds, order rotating\n`);
    out(`load average ${load0.map((l) => l.toFixed(1)).join(' ')} before, ${loadavg().map((l) => l.toFixed(1)).join(' ')} after, on ${cpus().length} cores\n\n`);
    out('nginx = the workers\' on-CPU time (schedstat, exact), user = its utime part (10-ms ticks), sleeps = epoll_wait sleeps per request (fewer = better batched, which lowers the CPU per request by itself)\n\n');
    out('| variant | nginx µs/req | user | sleeps/req | backend µs/req | wrk µs/req | req/s | p99 ms | errors | nginx vs base, per round | user vs base | backend vs base |\n|---|---|---|---|---|---|---|---|---|---|---|---|\n');
    const med = (xs: number[]) => spread(xs).median;
    for (const [v, inst] of instances.entries()) {
      const rs = runs.filter((r) => r.v === v).sort((a, b) => a.round - b.round);
      const bs = runs.filter((r) => r.v === 0).sort((a, b) => a.round - b.round);
      const rel = (k: 'nginx' | 'nginxUser' | 'backend') => (v === 0 ? '–' : `${formatSpread(spread(rs.map((r, i) => r[k] / bs[i]![k])), 3)}, lower in ${rs.filter((r, i) => r[k] < bs[i]![k]).length}`);
      out(`| ${inst.name} | ${med(rs.map((r) => r.nginx)).toFixed(1)} | ${med(rs.map((r) => r.nginxUser)).toFixed(1)} | ${med(rs.map((r) => r.sleeps)).toFixed(2)} | ${med(rs.map((r) => r.backend)).toFixed(1)} | ${med(rs.map((r) => r.wrk)).toFixed(1)} | ${med(rs.map((r) => r.rps)).toFixed(0)} | ${med(rs.map((r) => r.p99)).toFixed(2)} | ${rs.reduce((a, r) => a + r.errors, 0)} | ${rel('nginx')} | ${rel('nginxUser')} | ${rel('backend')} |\n`);
    }
  } finally {
    for (const inst of instances) inst.child?.kill('SIGQUIT');
    await Promise.all(instances.map((inst) => (!inst.child || inst.child.exitCode !== null ? undefined : new Promise((r) => inst.child!.once('exit', r)))));
    rmSync(work, { recursive: true, force: true });
  }
}

main().catch((err) => {
  process.stderr.write(`conf-ab: ${(err as Error).stack ?? err}\n`);
  process.exit(1);
});
