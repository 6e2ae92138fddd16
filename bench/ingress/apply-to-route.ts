// Issue 6's "time from apply of an Ingress to the first request routed by it":
// with a cluster up and a ready backend, each round creates an Ingress for a
// new host through the API socket and times until the outside client's curl
// through the load balancer (--resolve to the LB IP, no DNS in the path) gets
// the backend's answer instead of the controller's 404.
//
//   node dist/bench/ingress/apply-to-route.js [ROUNDS=5]      (needs root)

import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import type { Ingress, Service } from '../../src/api/types.js';
import { HttpClient } from '../../src/client/http-client.js';
import { echoApp } from '../../test/support/manifests.js';
import { benchCluster, load, median, mustSucceed, table, withCluster } from '../podnetwork/cluster.js';

const ROUNDS = Number(process.argv[2] ?? 5);
const BACKEND = echoApp({ name: 'web' });

async function main(): Promise<void> {
  const cluster = benchCluster('bing');
  await withCluster(cluster, async () => {
    mustSucceed(await cluster.pn(['up']), 'podnet up');
    mustSucceed(await cluster.pn(['apply', '-f', '-'], { input: BACKEND }), 'podnet apply');
    mustSucceed(await cluster.pn(['wait', '--for=condition=Ready', 'pods', '-l', 'app=web', '--timeout=60s']), 'podnet wait');
    const client = new HttpClient({ socketPath: path.join(cluster.dir, 'api.sock') });
    const lb = (await client.get<Service>('services', 'ingress-nginx', 'ingress-nginx-controller')).status!.loadBalancer!.ingress![0]!.ip!;
    const holder = readFileSync(path.join(cluster.dir, 'outside.pid'), 'utf8').trim();
    const times: number[] = [];
    for (let i = 0; i < ROUNDS; i++) {
      const host = `r${i}.bench.test`;
      const ingress: Ingress = {
        apiVersion: 'networking.k8s.io/v1', kind: 'Ingress', metadata: { name: `r${i}`, namespace: 'default' },
        spec: { rules: [{ host, http: { paths: [{ path: '/', pathType: 'Prefix', backend: { service: { name: 'web', port: { number: 80 } } } }] } }] },
      };
      const t0 = performance.now();
      await client.create(ingress);
      for (;;) {
        const r = spawnSync('nsenter', ['-t', holder, '--net', '--', 'curl', '-s', '-o', '/dev/null', '-w', '%{http_code}', '--max-time', '1', '--resolve', `${host}:80:${lb}`, `http://${host}/`], { encoding: 'utf8' });
        if (r.stdout === '200') break;
        if (performance.now() - t0 > 30_000) throw new Error(`${host} not routed after 30 s`);
      }
      times.push(performance.now() - t0);
      await new Promise((r) => setTimeout(r, 1500)); // past the controller's reload interval
    }
    client.close();
    process.stdout.write(`${table(['round', 'apply → first routed request (ms)'], times.map((t, i) => [i + 1, t.toFixed(0)]))}\n`);
    process.stdout.write(`median ${median(times).toFixed(0)} ms (goal ≤ 1000 ms); load average ${load()}\n`);
  });
}

main().catch((err) => { process.stderr.write(`${(err as Error).stack ?? err}\n`); process.exit(1); });
