// What an HTTPRoute's extras cost per request in NGINX, against a plain
// location in the same run: a route NGINX picks by path alone (what every
// Ingress and every condition-free HTTPRoute rule renders to), a route with
// a header match (the location's Lua dispatch and a jump to a named
// location, docs/gateway.md), and a rule split by weight over two Services
// (split_clients on $request_id). wrk with keep-alive against a real NGINX on
// loopback and one minimal backend (both split Services lead to it); the three sides alternate
// round by round (paired-rounds.ts) so drift on the shared box hits them alike.
//
//   npm run bench:gateway -- [--rounds 6] [--seconds 3] [--connections 16]

import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { parseAnnotations } from '../../src/ingress/annotations.js';
import { backendKey, type Backend } from '../../src/ingress/backends.js';
import { buildRouteTable, type Route, type RouteConditions, type WeightedBackend } from '../../src/ingress/route-table.js';
import { freePort, runner, TestNginx } from '../../test/integration/ingress/harness.js';
import { parseWrk, type WrkResult } from '../wrk.js';
import { formatSpread, roundOrder, spread } from './paired-rounds.js';

const { values } = parseArgs({ options: {
  rounds: { type: 'string', default: '6' }, seconds: { type: 'string', default: '3' }, connections: { type: 'string', default: '16' },
} });
const ROUNDS = Number(values.rounds);
const SECONDS = Number(values.seconds);
const CONNS = values.connections!;

const SIDES = [
  { name: 'plain location (path only)', path: '/plain' },
  { name: 'header match (Lua dispatch)', path: '/cond' },
  { name: 'weighted split (split_clients)', path: '/split' },
] as const;

async function startMinimalBackend(): Promise<{ port: number; stop(): void }> {
  const port = await freePort();
  const child = spawn(process.execPath, [fileURLToPath(new URL('./minimal-backend.js', import.meta.url)), '--port', String(port)], { stdio: 'ignore' });
  for (let i = 0; i < 100; i++) {
    if ((await runner.run(['curl', '-s', '-o', '/dev/null', `http://127.0.0.1:${port}/`], { allowFailure: true })).code === 0) break;
    await new Promise((r) => setTimeout(r, 50));
  }
  return { port, stop: () => child.kill() };
}

function route(path: string, split: WeightedBackend[], conditions?: RouteConditions): Route {
  return {
    host: 'gw.bench', path, pathType: 'Prefix', kind: 'prefix', ingress: { kind: 'HTTPRoute', namespace: 'default', name: 'bench' },
    options: { ...parseAnnotations(undefined).options, sslRedirect: false }, isDefaultBackend: false, split,
    ...(conditions ? { conditions } : {}), order: { created: '2026-01-01T00:00:00Z', rule: 0, match: 0 },
  };
}

async function wrk(port: number, path: string): Promise<WrkResult> {
  const r = await runner.run(['wrk', '-t1', `-c${CONNS}`, `-d${SECONDS}s`, '--latency', '-H', 'Host: gw.bench', '-H', 'X-Env: canary', `http://127.0.0.1:${port}${path}`],
    { timeoutMs: (SECONDS + 20) * 1000 });
  return parseWrk(r.stdout);
}

async function main(): Promise<void> {
  const server = await startMinimalBackend();
  const nginx = new TestNginx();
  try {
    // Two Services over the one backend process: the split side differs from the others in NGINX's work only.
    const backends: Backend[] = [0, 1].map((i) => ({ key: backendKey('default', `b${i}`, 80), namespace: 'default', service: `b${i}`, servicePort: 80, endpoints: [{ ip: '127.0.0.1', port: server.port }] }));
    const one = [{ backend: backends[0]!, weight: 1 }];
    const table = buildRouteTable({ ingresses: [], gateway: { backends, hosts: [{ host: 'gw.bench', anyDepth: false, routes: [
      route('/', one),
      route('/plain', one),
      route('/cond', one, { headers: [{ name: 'x-env', type: 'Exact', value: 'canary' }] }),
      route('/split', [{ backend: backends[0]!, weight: 1 }, { backend: backends[1]!, weight: 1 }]),
    ] }] } });
    await nginx.start();
    await nginx.apply(table);
    const port = nginx.options.httpPort;
    for (const side of SIDES) await wrk(port, side.path); // warm-up
    const results: WrkResult[][] = SIDES.map(() => []);
    for (const order of roundOrder(SIDES.length, ROUNDS)) {
      for (const i of order) results[i]!.push(await wrk(port, SIDES[i]!.path));
    }
    const errors = results.flat().reduce((n, r) => n + r.errors, 0);
    console.log(`wrk -t1 -c${CONNS} -d${SECONDS}s keep-alive through NGINX on loopback (1 worker), minimal backends, ${ROUNDS} rounds; errors/non-2xx: ${errors}`);
    for (const [i, side] of SIDES.entries()) {
      const rps = spread(results[i]!.map((r) => r.rps));
      const p99 = spread(results[i]!.map((r) => r.p99ms));
      const ratio = spread(results[i]!.map((r, k) => r.rps / results[0]![k]!.rps));
      console.log(`  ${side.name.padEnd(32)} rps ${formatSpread(rps, 0)}  p99 ${formatSpread(p99, 2)} ms  vs plain ${formatSpread(ratio, 3)}`);
    }
  } finally {
    await nginx.stop();
    server.stop();
  }
}

main().catch((err) => { process.stderr.write(`${(err as Error).stack ?? err}\n`); process.exit(1); });
