// Issue 6's "time from apply of an Ingress to the first request routed by it",
// and the same for an HTTPRoute on a Gateway of podnet's class, side by side:
// with a cluster up and a ready backend, each round creates an Ingress, then
// an HTTPRoute, each for a new host, through the API socket and times until
// the outside client's curl through the load balancer (--resolve to the LB
// IP, no DNS in the path) gets the backend's answer instead of the
// controller's 404.
//
//   node dist/bench/ingress/apply-to-route.js [ROUNDS=5]      (needs root)

import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import type { Ingress, KubeObject, Service } from '../../src/api/types.js';
import type { Gateway, HTTPRoute } from '../../src/api/gateway-types.js';
import { GATEWAY_CLASS } from '../../src/config.js';
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
    const gateway: Gateway = {
      apiVersion: 'gateway.networking.k8s.io/v1', kind: 'Gateway', metadata: { name: 'bench', namespace: 'default' },
      spec: { gatewayClassName: GATEWAY_CLASS, listeners: [{ name: 'http', port: 80, protocol: 'HTTP' }] },
    };
    await client.create(gateway);
    const ingress = (name: string, host: string): Ingress => ({
      apiVersion: 'networking.k8s.io/v1', kind: 'Ingress', metadata: { name, namespace: 'default' },
      spec: { rules: [{ host, http: { paths: [{ path: '/', pathType: 'Prefix', backend: { service: { name: 'web', port: { number: 80 } } } }] } }] },
    });
    const route = (name: string, host: string): HTTPRoute => ({
      apiVersion: 'gateway.networking.k8s.io/v1', kind: 'HTTPRoute', metadata: { name, namespace: 'default' },
      spec: { parentRefs: [{ name: 'bench' }], hostnames: [host], rules: [{ backendRefs: [{ name: 'web', port: 80 }] }] },
    });
    /** create, then curl until the backend answers */
    const timeToRoute = async (host: string, obj: KubeObject): Promise<number> => {
      const t0 = performance.now();
      await client.create(obj);
      for (;;) {
        const r = spawnSync('nsenter', ['-t', holder, '--net', '--', 'curl', '-s', '-o', '/dev/null', '-w', '%{http_code}', '--max-time', '1', '--resolve', `${host}:80:${lb}`, `http://${host}/`], { encoding: 'utf8' });
        if (r.stdout === '200') break;
        if (performance.now() - t0 > 30_000) throw new Error(`${host} not routed after 30 s`);
      }
      const t = performance.now() - t0;
      await new Promise((r) => setTimeout(r, 1500)); // past the controller's reload interval
      return t;
    };
    const ingressTimes: number[] = [];
    const routeTimes: number[] = [];
    for (let i = 0; i < ROUNDS; i++) {
      ingressTimes.push(await timeToRoute(`r${i}.bench.test`, ingress(`r${i}`, `r${i}.bench.test`)));
      routeTimes.push(await timeToRoute(`h${i}.bench.test`, route(`h${i}`, `h${i}.bench.test`)));
    }
    client.close();
    process.stdout.write(`${table(['round', 'Ingress: apply → first routed request (ms)', 'HTTPRoute: apply → first routed request (ms)'],
      ingressTimes.map((t, i) => [i + 1, t.toFixed(0), routeTimes[i]!.toFixed(0)]))}\n`);
    process.stdout.write(`median Ingress ${median(ingressTimes).toFixed(0)} ms, HTTPRoute ${median(routeTimes).toFixed(0)} ms (goal ≤ 1000 ms); load average ${load()}\n`);
  });
}

main().catch((err) => { process.stderr.write(`${(err as Error).stack ?? err}\n`); process.exit(1); });
