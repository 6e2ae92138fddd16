// NetworkPolicy's cost, measured on a 2-node cluster (docs/network-policy.md):
//  1. apply → enforced: a policy created through the API socket until the
//     server's node has the pod in its table (`nft list table` polled in
//     the node's namespace), then the same for its deletion;
//  2. what a policy costs a new connection: curl's time_connect (the
//     handshake, the packets a policy judges; later packets of an allowed
//     connection pass as established) from a client pod to a podnet/echo pod
//     on the other node, 300 sequential connections per round, with no
//     policy, with one that isolates the server and admits the client, and
//     with that one among 200 more that select no pod; rounds alternate so
//     load drifts evenly. (wrk with Connection: close fell to a few hundred
//     requests a second after its first round, the server's TIME_WAIT
//     sockets meeting reused client ports: no measure of the policy.)
// No enforcing CNI is installed here to compare with; the baseline is the
// same path without a policy, in the same run.
//
//   node dist/bench/netpol/netpol-bench.js [ROUNDS=5]      (needs root; npm run bench:netpol)

import { spawnSync } from 'node:child_process';
import path from 'node:path';
import type { NetworkPolicy, Pod } from '../../src/api/types.js';
import { HttpClient } from '../../src/client/http-client.js';
import { netnsNames } from '../../src/config.js';
import { NETPOL_TABLE } from '../../src/netpol/render.js';
import { echoApp } from '../../test/support/manifests.js';
import { benchCluster, load, median, mustSucceed, percentile, table, withCluster } from '../podnetwork/cluster.js';

const ROUNDS = Number(process.argv[2] ?? 5);
const FILLERS = 200;
const CONNECTS = 300;

const CLIENT = `
apiVersion: v1
kind: Pod
metadata: {name: client, labels: {role: client}}
spec:
  terminationGracePeriodSeconds: 0
  containers: [{name: c, image: none, command: [sleep, infinity]}]
`;

const policy = (name: string, spec: NetworkPolicy['spec']): NetworkPolicy => ({ apiVersion: 'networking.k8s.io/v1', kind: 'NetworkPolicy', metadata: { name, namespace: 'default' }, spec });
const ADMIT_CLIENT = policy('admit-client', { podSelector: { matchLabels: { app: 'web' } }, ingress: [{ from: [{ podSelector: { matchLabels: { role: 'client' } } }] }] });

async function main(): Promise<void> {
  const cluster = benchCluster('bnp');
  await withCluster(cluster, async () => {
    mustSucceed(await cluster.pn(['up', '--nodes', '2', '--bare']), 'podnet up');
    mustSucceed(await cluster.pn(['apply', '-f', '-'], { input: `${echoApp({ name: 'web' })}---${CLIENT}` }), 'podnet apply');
    mustSucceed(await cluster.pn(['wait', '--for=condition=Ready', 'pods', '--all', '--timeout=60s']), 'podnet wait');
    const api = new HttpClient({ socketPath: path.join(cluster.dir, 'api.sock') });
    const pods = (await api.list<Pod>('pods', 'default')).items;
    const web = pods.find((p) => p.metadata.labels?.app === 'web')!;
    const client = pods.find((p) => p.metadata.name === 'client')!;
    if (web.spec.nodeName === client.spec.nodeName) process.stderr.write('note: client and server landed on one node\n');
    const webNode = netnsNames.node(cluster.name, web.spec.nodeName!);
    const clientNs = netnsNames.pod(cluster.name, client.metadata.uid!);
    const url = `http://${web.status!.podIP}:8080/`;
    const inTable = () => spawnSync('ip', ['netns', 'exec', webNode, 'nft', 'list', 'table', 'ip', NETPOL_TABLE], { encoding: 'utf8' }).stdout.includes(`${web.status!.podIP} : jump`);
    const until = (what: string, done: () => boolean) => {
      const t0 = performance.now();
      while (!done()) if (performance.now() - t0 > 10_000) throw new Error(`${what} not seen in 10 s`);
    };

    // 1. apply → the rule in the node's kernel, and delete → gone
    const applied: number[] = [];
    const removed: number[] = [];
    for (let i = 0; i < ROUNDS * 2; i++) {
      const t0 = performance.now();
      await api.create(policy('deny', { podSelector: { matchLabels: { app: 'web' } }, policyTypes: ['Ingress'] }));
      until('the rule', inTable);
      applied.push(performance.now() - t0);
      const t1 = performance.now();
      await api.delete('networkpolicies', 'default', 'deny');
      until('the rule gone', () => !inTable());
      removed.push(performance.now() - t1);
      await new Promise((r) => setTimeout(r, 200));
    }

    // 2. what a new connection's handshake costs: curl's time_connect (SYN → SYN-ACK, the packets the policy judges), sequentially
    const connects = () => {
      const script = `for i in $(seq ${CONNECTS}); do curl -s -o /dev/null -w '%{time_connect}\\n' ${url}; done`;
      const r = spawnSync('ip', ['netns', 'exec', clientNs, 'sh', '-c', script], { encoding: 'utf8' });
      if (r.status !== 0) throw new Error(`curl: ${r.stderr}`);
      return r.stdout.trim().split('\n').map((l) => Number(l) * 1e6);
    };
    const setPolicies = async (side: number) => {
      for (const p of (await api.list<NetworkPolicy>('networkpolicies', 'default')).items) await api.delete('networkpolicies', 'default', p.metadata.name!);
      if (side >= 1) await api.create(ADMIT_CLIENT);
      if (side === 2) for (let f = 0; f < FILLERS; f++) await api.create(policy(`filler-${f}`, { podSelector: { matchLabels: { filler: String(f) } }, ingress: [{}] }));
      until('the table', () => inTable() === (side >= 1));
      await new Promise((r) => setTimeout(r, 500));
    };
    const sides = ['no policy', 'admit-client isolates the server', `the same among ${FILLERS} more policies`];
    const samples: number[][] = sides.map(() => []);
    const medians: number[][] = sides.map(() => []);
    for (let round = 0; round < ROUNDS; round++) {
      const order = round % 2 === 0 ? [0, 1, 2] : [2, 1, 0];
      for (const side of order) {
        await setPolicies(side);
        const us = connects();
        samples[side]!.push(...us);
        medians[side]!.push(median(us));
      }
    }
    api.close();
    process.stdout.write(`${table(['', 'median (ms)', 'min', 'max'], [
      ['apply → rule in the node\'s table', median(applied).toFixed(0), Math.min(...applied).toFixed(0), Math.max(...applied).toFixed(0)],
      ['delete → rule gone', median(removed).toFixed(0), Math.min(...removed).toFixed(0), Math.max(...removed).toFixed(0)],
    ])}\n\n`);
    process.stdout.write(`${table([`TCP connect, client pod → server pod on the other node (${CONNECTS} sequential curls × ${ROUNDS} rounds)`, 'p50 µs', 'p90 µs', 'round medians'], sides.map((s, i) => [s, median(samples[i]!).toFixed(0), percentile(samples[i]!, 90).toFixed(0), medians[i]!.map((x) => x.toFixed(0)).join(' ')]))}\n`);
    process.stdout.write(`the policy's cost per connection: ${(median(samples[1]!) - median(samples[0]!)).toFixed(0)} µs; among ${FILLERS} more: ${(median(samples[2]!) - median(samples[0]!)).toFixed(0)} µs; load average ${load()}\n`);
  });
}

main().catch((err) => { process.stderr.write(`${(err as Error).stack ?? err}\n`); process.exit(1); });
