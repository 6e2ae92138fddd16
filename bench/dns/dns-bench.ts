// DNS benchmark: our cluster DNS vs NSD serving the same 10,000 Service names,
// both pinned to CPU 0 with dnsperf on CPU 1, plus memory at 10,000 Services /
// 50,000 endpoints and the cost of ndots:5 for an external name.
//   node dist/bench/dns/dns-bench.js [--seconds 10] [--runs 2] [--skip-ndots]
// Prints a JSON summary at the end. Needs root for the ndots part (a throwaway
// netns pn-dnst-bench with the servers on port 53; removed afterwards).

import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { fileURLToPath } from 'node:url';
import { ExecRunner } from '../../src/net/runner.js';
import { parseQueryLogLine } from '../../src/dns/query-log.js';
import { endpointIP, NAMESPACES, serviceIP } from './synthetic.js';
import { cpuMs, rssKb } from '../proc-stat.js';

const SERVICES = 10_000;
const ENDPOINTS_PER = 5;
const OUR_PORT = 15401;
const NSD_PORT = 15402;
const NETNS = 'pn-dnst-bench';
const here = path.dirname(fileURLToPath(import.meta.url));
const runner = new ExecRunner();
const { values } = parseArgs({ options: { seconds: { type: 'string', default: '10' }, runs: { type: 'string', default: '2' }, 'skip-ndots': { type: 'boolean', default: false } } });
const seconds = Number(values.seconds);
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'pn-dns-bench-'));
const children: ChildProcess[] = [];

function svcName(i: number): string { return `svc${i}.ns${i % NAMESPACES}.svc.cluster.local`; }

function writeQueryFiles(): { cluster: string; mix: string } {
  const cluster = Array.from({ length: SERVICES }, (_, i) => `${svcName(i)} A`);
  const mix: string[] = [];
  for (let i = 0; i < SERVICES; i++) {
    switch (i % 10) {
      case 5: case 6: mix.push(`nosvc${i}.ns${i % NAMESPACES}.svc.cluster.local A`); break; // NXDOMAIN
      case 7: mix.push(`_http._tcp.${svcName(i)} SRV`); break;
      case 8: mix.push(`${svcName(i)} AAAA`); break; // NODATA
      case 9: mix.push(`${serviceIP(i).split('.').reverse().join('.')}.in-addr.arpa PTR`); break;
      default: mix.push(`${svcName(i)} A`);
    }
  }
  const c = path.join(tmp, 'cluster.txt');
  const m = path.join(tmp, 'mix.txt');
  fs.writeFileSync(c, cluster.join('\n') + '\n');
  fs.writeFileSync(m, mix.join('\n') + '\n');
  return { cluster: c, mix: m };
}

/** The same names as a zone file for NSD (the synthetic cluster, statically). */
function writeNsd(): string {
  const lines = ['$ORIGIN cluster.local.', '$TTL 5', '@ IN SOA ns.dns.cluster.local. hostmaster.cluster.local. 1 7200 1800 86400 5', '@ IN NS ns.dns.cluster.local.', 'ns.dns IN A 10.96.0.10'];
  const rev: string[] = ['$ORIGIN 10.in-addr.arpa.', '$TTL 5', '@ IN SOA ns.dns.cluster.local. hostmaster.cluster.local. 1 7200 1800 86400 5', '@ IN NS ns.dns.cluster.local.'];
  let ep = 0;
  for (let i = 0; i < SERVICES; i++) {
    const owner = `svc${i}.ns${i % NAMESPACES}.svc`;
    if (i % 10 === 0) {
      for (let j = 0; j < ENDPOINTS_PER; j++) {
        const ip = endpointIP(ep++);
        lines.push(`${owner} IN A ${ip}`, `svc${i}-${j}.${owner} IN A ${ip}`, `_http._tcp.${owner} IN SRV 0 20 8080 svc${i}-${j}.${owner}.cluster.local.`);
      }
    } else {
      ep += ENDPOINTS_PER;
      lines.push(`${owner} IN A ${serviceIP(i)}`, `_http._tcp.${owner} IN SRV 0 100 80 ${owner}.cluster.local.`);
      rev.push(`${serviceIP(i).split('.').slice(1).reverse().join('.')} IN PTR ${owner}.cluster.local.`);
    }
  }
  fs.writeFileSync(path.join(tmp, 'cluster.local.zone'), lines.join('\n') + '\n');
  fs.writeFileSync(path.join(tmp, '10.in-addr.arpa.zone'), rev.join('\n') + '\n');
  const conf = path.join(tmp, 'nsd.conf');
  fs.writeFileSync(conf, [
    'server:', `  ip-address: 127.0.0.1@${NSD_PORT}`, '  server-count: 1', '  username: ""', `  zonesdir: "${tmp}"`, `  pidfile: "${tmp}/nsd.pid"`,
    `  xfrdfile: "${tmp}/xfrd.state"`, `  zonelistfile: "${tmp}/zone.list"`, `  logfile: "${tmp}/nsd.log"`, '  verbosity: 0', '  chroot: ""', '  database: ""',
    // NSD's response rate limiting would drop most of a one-client benchmark
    '  rrl-ratelimit: 0', '  rrl-whitelist-ratelimit: 0',
    'remote-control:', '  control-enable: no',
    'zone:', '  name: cluster.local', '  zonefile: cluster.local.zone',
    'zone:', '  name: 10.in-addr.arpa', '  zonefile: 10.in-addr.arpa.zone',
  ].join('\n') + '\n');
  return conf;
}

function start(argv: string[], waitFor: RegExp | undefined, waitMs = 60_000): Promise<{ child: ChildProcess; line: string }> {
  const child = spawn(argv[0]!, argv.slice(1), { stdio: ['ignore', 'pipe', 'pipe'] });
  children.push(child);
  return new Promise((resolve, reject) => {
    if (!waitFor) { setTimeout(() => resolve({ child, line: '' }), 1500); return; }
    let out = '';
    const t = setTimeout(() => reject(new Error(`${argv.join(' ')}: not ready: ${out}`)), waitMs);
    const on = (d: Buffer) => {
      out += d.toString();
      const m = out.split('\n').find((l) => waitFor.test(l));
      if (m) { clearTimeout(t); resolve({ child, line: m }); }
    };
    child.stdout!.on('data', on);
    child.stderr!.on('data', on);
    child.on('exit', (code) => reject(new Error(`${argv.join(' ')} exited ${code}: ${out}`)));
  });
}

function stop(child: ChildProcess): Promise<void> {
  return new Promise((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) { resolve(); return; }
    child.once('exit', () => resolve());
    child.kill('SIGTERM');
    setTimeout(() => child.kill('SIGKILL'), 3000).unref();
  });
}

interface PerfResult { qps: number; avgMs: number; maxMs: number; lost: number; cpuUsPerQuery?: number; p50Ms?: number; p99Ms?: number }

/** CPU time (user + system, µs) the processes have used so far. */
function cpuUs(pids: readonly number[]): number {
  return pids.reduce((sum, pid) => sum + cpuMs(pid) * 1000, 0);
}

/** The pids of every process whose command line contains `needle` (NSD forks a server child). */
function pidsOf(needle: string): number[] {
  return fs.readdirSync('/proc').filter((p) => /^\d+$/.test(p)).map(Number)
    .filter((pid) => { try { return fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes(needle); } catch { return false; } });
}

/**
 * One dnsperf run; with `server` pids also the server's CPU time per answered
 * query, which a loaded machine disturbs far less than queries per second.
 */
async function dnsperf(port: number, file: string, extra: string[] = [], server: readonly number[] = []): Promise<PerfResult> {
  const cpu0 = cpuUs(server);
  const { stdout } = await runner.run(['taskset', '-c', '1', 'dnsperf', '-s', '127.0.0.1', '-p', String(port), '-d', file, '-l', String(seconds), '-c', '4', '-q', '200', ...extra], { timeoutMs: (seconds + 30) * 1000 });
  const num = (re: RegExp) => Number(re.exec(stdout)?.[1] ?? NaN);
  const lat = /Average Latency \(s\):\s+([\d.]+) \(min ([\d.]+), max ([\d.]+)\)/.exec(stdout);
  const res: PerfResult = { qps: Math.round(num(/Queries per second:\s+([\d.]+)/)), avgMs: Number(lat?.[1]) * 1000, maxMs: Number(lat?.[3]) * 1000, lost: num(/Queries lost:\s+(\d+)/) };
  const completed = num(/Queries completed:\s+(\d+)/);
  if (server.length && completed > 0) res.cpuUsPerQuery = Math.round(((cpuUs(server) - cpu0) / completed) * 100) / 100;
  if (extra.includes('-v')) {
    // -v prints one line per response ending in its latency in seconds
    const l = stdout.split('\n').map((x) => /^> \S+ .* ([\d.]+)$/.exec(x)?.[1]).filter(Boolean).map(Number).sort((a, b) => a - b);
    if (l.length) { res.p50Ms = l[Math.floor(l.length * 0.5)]! * 1000; res.p99Ms = l[Math.floor(l.length * 0.99)]! * 1000; }
  }
  return res;
}

async function ndotsCost(): Promise<unknown> {
  // Servers on port 53 (the stub resolver knows no other) inside a throwaway netns.
  await runner.run(['ip', 'netns', 'add', NETNS]);
  const etc = `/etc/netns/${NETNS}`;
  const out: Record<string, unknown> = {};
  try {
    await runner.run(['ip', 'link', 'set', 'lo', 'up'], { netns: NETNS });
    // getaddrinfo's AI_ADDRCONFIG skips A lookups when only loopback has an IPv4 address: give it a pod-like one.
    await runner.run(['ip', 'link', 'add', 'eth0', 'type', 'veth', 'peer', 'name', 'peer0'], { netns: NETNS });
    await runner.run(['ip', 'addr', 'add', '10.244.0.2/24', 'dev', 'eth0'], { netns: NETNS });
    await runner.run(['ip', 'link', 'set', 'eth0', 'up'], { netns: NETNS });
    await runner.run(['ip', 'link', 'set', 'peer0', 'up'], { netns: NETNS });
    const records = path.join(tmp, 'records.json');
    fs.writeFileSync(records, JSON.stringify({ 'shop.example.test': { A: ['203.0.113.10'], AAAA: [] } }));
    const ext = await start(['ip', 'netns', 'exec', NETNS, 'node', path.join(here, '../../src/dns/external-dns-main.js'), '--records', records, '--listen', '127.0.0.2:53'], /^ready/);
    const log = path.join(tmp, 'ndots-queries.log');
    const ours = await start(['ip', 'netns', 'exec', NETNS, 'node', path.join(here, 'bench-server.js'), '--port', '53', '--upstream', '127.0.0.2:53', '--query-log', log, '--services', '100'], /^ready/);
    // ip netns exec bind-mounts /etc/netns/<name>/resolv.conf over /etc/resolv.conf: the pod's resolv.conf.
    fs.mkdirSync(etc, { recursive: true });
    fs.writeFileSync(path.join(etc, 'resolv.conf'), 'nameserver 127.0.0.1\nsearch default.svc.cluster.local svc.cluster.local cluster.local\noptions ndots:5\n');
    const measure = async (name: string, family: 'ahostsv4' | 'ahosts') => {
      const before = fs.existsSync(log) ? fs.readFileSync(log, 'utf8').split('\n').filter(Boolean).length : 0;
      const times: number[] = [];
      const RUNS = 20;
      for (let i = 0; i < RUNS; i++) {
        const t = process.hrtime.bigint();
        await runner.run(['getent', family, name], { netns: NETNS, allowFailure: true });
        times.push(Number(process.hrtime.bigint() - t) / 1e6);
      }
      await new Promise((r) => setTimeout(r, 200));
      const lines = fs.readFileSync(log, 'utf8').split('\n').filter(Boolean).slice(before).map(parseQueryLogLine).filter((e) => !!e);
      times.sort((a, b) => a - b);
      const per = lines.length / RUNS;
      return { lookup: `getent ${family} ${name}`, queriesPerLookup: per, sequence: lines.slice(0, Math.round(per)).map((e) => `${e.qtype} ${e.qname} ${e.rcode} ${e.durationMs}ms`), medianMs: times[RUNS >> 1], serverMsPerLookup: lines.reduce((s, e) => s + e.durationMs, 0) / RUNS };
    };
    out.relative = await measure('shop.example.test', 'ahostsv4');
    out.relativeDual = await measure('shop.example.test', 'ahosts');
    out.absolute = await measure('shop.example.test.', 'ahostsv4');
    out.cluster = await measure('svc1.ns1', 'ahostsv4');
    await stop(ours.child);
    await stop(ext.child);
  } finally {
    fs.rmSync(etc, { recursive: true, force: true });
    await runner.run(['ip', 'netns', 'del', NETNS], { allowFailure: true });
  }
  return out;
}

async function main(): Promise<void> {
  const files = writeQueryFiles();
  const conf = writeNsd();
  const results: Record<string, unknown> = { services: SERVICES, endpoints: SERVICES * ENDPOINTS_PER, seconds };
  try {
    const ours = await start(['taskset', '-c', '0', 'node', '--expose-gc', path.join(here, 'bench-server.js'), '--port', String(OUR_PORT), '--services', String(SERVICES), '--endpoints', String(ENDPOINTS_PER)], /^ready/);
    results.oursRssAtLoadKb = Math.round(Number(ours.line.split(' ')[1]) / 1024);
    const nsd = await start(['taskset', '-c', '0', 'nsd', '-d', '-c', conf], undefined);
    await new Promise((r) => setTimeout(r, 1500));
    const runs: Record<string, PerfResult[]> = {};
    const pids = { ours: [ours.child.pid!], nsd: pidsOf(conf) };
    // One unmeasured pass over each file first (-n 1: every name once, however loaded the machine is):
    // the first answer to each name fills the response cache, and the runs measure the steady state.
    for (const file of Object.values(files)) await dnsperf(OUR_PORT, file, ['-n', '1']);
    for (let r = 0; r < Number(values.runs); r++) {
      for (const [label, port] of [['ours', OUR_PORT], ['nsd', NSD_PORT]] as const) {
        for (const [kind, file] of Object.entries(files)) {
          (runs[`${label}-${kind}`] ??= []).push(await dnsperf(port, file, [], pids[label]));
        }
      }
    }
    results.throughput = runs;
    // The goal is a ratio within one run (the machine may be shared): qps, and CPU per query (NSD's / ours).
    results.ratioToNsd = Object.fromEntries(Object.keys(files).map((kind) => [kind, runs[`ours-${kind}`]!.map((o, i) => {
      const n = runs[`nsd-${kind}`]![i]!;
      return { qps: Math.round((o.qps / n.qps) * 100) / 100, cpuPerQuery: o.cpuUsPerQuery && n.cpuUsPerQuery ? Math.round((n.cpuUsPerQuery / o.cpuUsPerQuery) * 100) / 100 : undefined };
    })]));
    // latency percentiles at a fixed, moderate load
    results.latencyAt20kQps = {
      ours: await dnsperf(OUR_PORT, files.mix, ['-Q', '20000', '-v']),
      nsd: await dnsperf(NSD_PORT, files.mix, ['-Q', '20000', '-v']),
    };
    results.oursRssAfterKb = rssKb(ours.child.pid!);
    results.nsdRssKb = pidsOf(conf).reduce((s, pid) => s + rssKb(pid), 0);
    await stop(ours.child);
    await stop(nsd.child);
    if (!values['skip-ndots']) results.ndots = await ndotsCost();
  } finally {
    await Promise.all(children.map(stop));
    fs.rmSync(tmp, { recursive: true, force: true });
  }
  process.stdout.write(JSON.stringify(results, null, 2) + '\n');
}

await main();
