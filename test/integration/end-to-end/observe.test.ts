// `podnet observe` on a real cluster: while it runs, curl from a pod to a
// Service, from the outside client through the load balancer and the
// ingress, and into a pod a NetworkPolicy isolates; the flows it prints (as
// JSON) are checked against what was sent: the Service each connection
// asked for and the pod its DNAT chose, the load balancer's and the
// NodePort's DNAT, NGINX's request with the pod it proxied to, the drop with
// the policy that made it. Its filters, --all, --count, the flows recorded
// before it ran (--last, --since), two observers at once, and that it leaves
// no capture running once it has stopped.

import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { Pod, Service } from '../../../src/api/types.js';
import type { Flow } from '../../../src/observe/flows.js';
import { CLI, eventually, podnet, run, withCluster } from '../../support/cli.js';
import { echoApp, echoService } from '../../support/manifests.js';

const CLUSTER = 'itobs';
const stateDir = mkdtempSync(path.join(tmpdir(), 'podnet-itobs-'));
const pn = podnet(CLUSTER, stateDir);
const ENV = { ...process.env, PODNET_CLUSTER: CLUSTER, PODNET_STATE_DIR: stateDir };
/** the longest one observation may take before the test gives up on the flows it waits for */
const OBSERVE_LIMIT_MS = 20_000;

async function ok(args: string[], input?: string): Promise<string> {
  const r = await pn(args, input === undefined ? {} : { input });
  assert.equal(r.code, 0, `${args.join(' ')}: ${r.stderr}`);
  return r.stdout;
}

const MANIFESTS = `apiVersion: v1
kind: Namespace
metadata: {name: obs}
---${echoApp({ name: 'web', namespace: 'obs', replicas: 2 })}---${echoApp({ name: 'client', namespace: 'obs' })}---${echoApp({ name: 'locked', namespace: 'obs' })}---
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: locked-deny, namespace: obs}
spec:
  podSelector: {matchLabels: {app: locked}}
  policyTypes: [Ingress]
---${echoService({ name: 'empty', namespace: 'obs', app: 'nobody' })}---${echoService({ name: 'guarded', namespace: 'obs', app: 'web', type: 'LoadBalancer', extraSpec: '  loadBalancerSourceRanges: [192.0.2.0/24]\n' })}---
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata: {name: web, namespace: obs}
spec:
  rules:
    - host: web.obs.example.test
      http: {paths: [{path: /, pathType: Prefix, backend: {service: {name: web, port: {number: 80}}}}]}
`;

interface Observation { flows: Flow[]; code: number | null; stderr: string }

/**
 * Starts `podnet observe ARGS -o json`, runs `traffic` once it says it is
 * observing, and stops it (SIGINT, as Ctrl-C) once `enough` holds for the
 * flows so far, or lets it end by itself (--count, --timeout).
 */
async function observe(args: string[], traffic: () => Promise<unknown>, enough?: (flows: Flow[]) => boolean): Promise<Observation> {
  const child = spawn(process.execPath, [CLI, 'observe', ...args, '-o', 'json'], { env: ENV, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  const flows = () => stdout.split('\n').filter(Boolean).map((l) => JSON.parse(l) as Flow);
  child.stderr.on('data', (d: Buffer) => { stderr += d.toString(); });
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const limit = setTimeout(() => child.kill('SIGKILL'), OBSERVE_LIMIT_MS);
  try {
    // one SIGINT, as one Ctrl-C: a second one ends the process at once, as it does any other
    let stopping = false;
    const stopIfEnough = () => { if (!stopping && enough?.(flows())) { stopping = true; child.kill('SIGINT'); } };
    child.stdout.on('data', (d: Buffer) => { stdout += d.toString(); stopIfEnough(); });
    await eventually('observe to start', async () => stderr.includes('Observing cluster') || child.exitCode !== null, 10_000, 20);
    await traffic();
    stopIfEnough();
    const code = await exited;
    return { flows: flows(), code, stderr };
  } finally {
    clearTimeout(limit);
    child.kill('SIGKILL');
  }
}

describe('podnet observe: the cluster\'s flows, live', () => {
  withCluster(pn, CLUSTER, stateDir);
  const pods = new Map<string, Pod[]>();
  let webService: Service;
  const podsOf = (app: string) => pods.get(app)!;
  const names = (app: string) => podsOf(app).map((p) => p.metadata.name!);

  test('setup: a Service with two pods, a client, a pod a NetworkPolicy isolates, an Ingress', async () => {
    await ok(['apply', '-f', '-'], MANIFESTS);
    await ok(['wait', '--for=condition=Ready', 'pods', '--all', '-n', 'obs', '--timeout=60s']);
    for (const app of ['web', 'client', 'locked']) pods.set(app, (JSON.parse(await ok(['get', 'pods', '-n', 'obs', '-l', `app=${app}`, '-o', 'json'])) as { items: Pod[] }).items);
    webService = JSON.parse(await ok(['get', 'service', 'web', '-n', 'obs', '-o', 'json'])) as Service;
    // the Ingress routes (NGINX has loaded it) before anything is observed
    await eventually('the Ingress to route', async () => (await pn(['outside', '--', 'curl', '-s', '-m', '2', '-o', '/dev/null', '-w', '%{http_code}', 'http://web.obs.example.test/'])).stdout === '200', 30_000, 200);
  });

  test('a pod\'s DNS query and its connection to a Service: the Service asked for, the pod the DNAT chose, where it started', async () => {
    const client = names('client')[0]!;
    const o = await observe(['-n', 'obs', '--pod', 'client'], () => ok(['exec', '-n', 'obs', client, '--', 'curl', '-sf', '-m', '5', '-o', '/dev/null', 'http://web/']),
      (flows) => flows.some((f) => f.protocol === 'TCP') && flows.some((f) => f.protocol === 'DNS' && f.dns?.type === 'A'));
    assert.equal(o.code, 0, o.stderr);
    // the search path's first try is the answer: web.obs.svc.cluster.local, an A record of the Service's ClusterIP
    const dns = o.flows.find((f) => f.protocol === 'DNS' && f.dns?.type === 'A');
    assert.ok(dns, `a DNS flow to kube-dns: ${JSON.stringify(o.flows)}`);
    assert.equal(dns.service?.service, 'kube-system/kube-dns');
    assert.deepEqual([dns.dns?.query, dns.dns?.rcode, dns.dns?.records], ['web.obs.svc.cluster.local.', 'NOERROR', [`A ${webService.spec.clusterIP}`]]);
    assert.equal(dns.translatedDestination?.namespace, 'kube-system', 'the DNS connection\'s DNAT: the kube-dns pod that answered');
    assert.match(dns.translatedDestination?.name ?? '', /^coredns-/);
    assert.ok(!o.flows.some((f) => f.protocol === 'UDP' && f.destination.port === 53), 'the exchange\'s UDP connection is not shown again');
    const tcp = o.flows.find((f) => f.protocol === 'TCP')!;
    assert.equal(tcp.verdict, 'FORWARDED');
    assert.deepEqual(tcp.service, { service: 'obs/web', namespace: 'obs', type: 'ClusterIP' });
    assert.equal(tcp.destination.port, 80);
    assert.ok(names('web').includes(tcp.translatedDestination?.name ?? ''), `DNAT to a web pod: ${JSON.stringify(tcp)}`);
    assert.equal(tcp.translatedDestination?.port, 8080);
    assert.equal(tcp.source.name, client);
    assert.equal(tcp.observer, podsOf('client')[0]!.spec.nodeName, 'seen on the client\'s node, where it starts');
    assert.ok(o.flows.every((f) => f.source.name === client || f.destination.name === client || f.translatedDestination?.name === client), 'only the client\'s flows');
  });

  test('from the outside: the load balancer\'s DNAT to a node, the NodePort\'s to NGINX, and NGINX\'s request to a pod', async () => {
    const o = await observe(['-n', 'obs'], () => ok(['outside', '--', 'curl', '-sf', '-m', '5', '-o', '/dev/null', 'http://web.obs.example.test/hello']),
      (flows) => flows.some((f) => f.protocol === 'HTTP'));
    assert.equal(o.code, 0, o.stderr);
    const http = o.flows.find((f) => f.protocol === 'HTTP');
    assert.ok(http, `a request: ${JSON.stringify(o.flows)}`);
    assert.equal(http.observer, 'ingress');
    assert.equal(http.source.kind, 'outside');
    assert.deepEqual([http.http?.method, http.http?.host, http.http?.uri, http.http?.status, http.http?.route], ['GET', 'web.obs.example.test', '/hello', 200, 'Ingress obs/web']);
    assert.ok(names('web').includes(http.http?.upstreams[0]?.name ?? ''), `proxied to a web pod: ${JSON.stringify(http.http)}`);
    // -n obs keeps the request (its Ingress and Service are obs's) and leaves out the LB and NodePort flows (ingress-nginx's Service)
    assert.ok(o.flows.every((f) => f.protocol === 'HTTP' || JSON.stringify(f).includes('"obs"')), JSON.stringify(o.flows));
    const all = await observe([], () => ok(['outside', '--', 'curl', '-sf', '-m', '5', '-o', '/dev/null', 'http://web.obs.example.test/']),
      (flows) => flows.some((f) => f.observer === 'load-balancer' && f.protocol === 'TCP') && flows.some((f) => f.service?.type === 'NodePort') && flows.some((f) => f.protocol === 'DNS' && f.dns?.type === 'A'));
    const lookup = all.flows.find((f) => f.protocol === 'DNS' && f.dns?.type === 'A' && f.source.kind === 'outside');
    assert.ok(lookup, `the outside client's lookup: ${JSON.stringify(all.flows)}`);
    assert.equal(lookup.observer, 'outside');
    assert.equal(lookup.destination.kind, 'external-dns');
    const lb = all.flows.find((f) => f.observer === 'load-balancer' && f.protocol === 'TCP')!;
    assert.deepEqual([lookup.dns?.query, lookup.dns?.rcode, lookup.dns?.records], ['web.obs.example.test.', 'NOERROR', [`A ${lb.destination.ip}`]], 'external-dns answers with the load balancer\'s address');
    assert.equal(lb.service?.service, 'ingress-nginx/ingress-nginx-controller');
    assert.equal(lb.service?.type, 'LoadBalancer');
    assert.equal(lb.translatedDestination?.kind, 'node');
    const nodePort = all.flows.find((f) => f.service?.type === 'NodePort')!;
    assert.equal(nodePort.source.kind, 'outside', 'the load balancer keeps the client\'s address');
    assert.equal(nodePort.observer, lb.translatedDestination?.node, 'the NodePort DNAT happens on the node the LB chose');
    assert.match(nodePort.translatedDestination?.name ?? '', /^ingress-nginx-controller-/);
  });

  test('a NetworkPolicy drop names the pod and the policy; --verdict DROPPED shows drops only; --count ends it', async () => {
    const client = names('client')[0]!;
    const locked = podsOf('locked')[0]!;
    const o = await observe(['--verdict', 'DROPPED', '-n', 'obs', '--to-pod', 'locked', '--count', '1'], () => pn(['exec', '-n', 'obs', client, '--', 'curl', '-s', '-m', '2', `http://${locked.status!.podIP}:8080/`]));
    assert.equal(o.code, 0, o.stderr);
    assert.equal(o.flows.length, 1);
    const [drop] = o.flows;
    assert.equal(drop!.verdict, 'DROPPED');
    assert.equal(drop!.protocol, 'TCP');
    assert.equal(drop!.tcpFlags, 'S');
    assert.equal(drop!.source.name, client);
    assert.equal(drop!.destination.name, locked.metadata.name);
    assert.equal(drop!.observer, locked.spec.nodeName, 'dropped on the isolated pod\'s node');
    assert.equal(drop!.reason, `NetworkPolicy: ingress to obs/${locked.metadata.name} isolated by obs/locked-deny`);
    assert.equal(drop!.dropReasonDesc, 'POLICY_DENIED');
  });

  test('a Service without endpoints: the service proxy\'s reject is shown where it happened, with the Service and why', async () => {
    const client = podsOf('client')[0]!;
    const o = await observe(['--verdict', 'DROPPED', '--from-pod', `obs/${client.metadata.name}`, '--count', '1'], () => pn(['exec', '-n', 'obs', client.metadata.name!, '--', 'curl', '-s', '-m', '2', 'http://empty/']));
    assert.equal(o.code, 0, o.stderr);
    const [reject] = o.flows;
    assert.equal(reject!.observer, client.spec.nodeName, 'rejected on the client\'s own node, before any DNAT');
    assert.deepEqual(reject!.service, { service: 'obs/empty', namespace: 'obs', type: 'ClusterIP' });
    assert.equal(reject!.destination.port, 80);
    assert.equal(reject!.reason, 'rejected by the service proxy (connection refused): ClusterIP obs/empty has no ready endpoint for TCP port 80');
  });

  test('internalTrafficPolicy Local without an endpoint on the client\'s node: the service proxy\'s drop, with why', async () => {
    await ok(['apply', '-f', '-'], `
apiVersion: v1
kind: Pod
metadata: {name: pinned, namespace: obs, labels: {app: pinned}}
spec:
  nodeName: node-1
  containers: [{name: echo, image: podnet/echo, ports: [{name: http, containerPort: 8080}]}]
---
apiVersion: v1
kind: Pod
metadata: {name: far, namespace: obs}
spec:
  nodeName: node-2
  terminationGracePeriodSeconds: 0
  containers: [{name: c, image: none, command: [sleep, infinity]}]
---${echoService({ name: 'local-only', namespace: 'obs', app: 'pinned', extraSpec: '  internalTrafficPolicy: Local\n' })}`);
    await ok(['wait', '--for=condition=Ready', 'pod/pinned', 'pod/far', '-n', 'obs', '--timeout=60s']);
    const ip = (JSON.parse(await ok(['get', 'svc', 'local-only', '-n', 'obs', '-o', 'json'])) as Service).spec.clusterIP!;
    // node-2 knows the Service has an endpoint, none of them its own: its map sends the ClusterIP to the logged drop (not the reject of no endpoint at all)
    await eventually('node-2\'s rules to send the ClusterIP to no-local-endpoint', async () => (await pn(['exec', 'node/node-2', '--', 'nft', 'list', 'map', 'ip', 'podnet', 'service-ips'])).stdout.includes(`${ip} . tcp . 80 : goto no-local-endpoint`) || undefined, 20_000, 200);
    const o = await observe(['--verdict', 'DROPPED', '--from-pod', 'obs/far', '--count', '1'], () => pn(['exec', '-n', 'obs', 'far', '--', 'curl', '-s', '-m', '1', `http://${ip}/`]));
    assert.equal(o.code, 0, o.stderr);
    const [drop] = o.flows;
    assert.equal(drop!.observer, 'node-2');
    assert.deepEqual(drop!.service, { service: 'obs/local-only', namespace: 'obs', type: 'ClusterIP', internalLocal: true });
    assert.equal(drop!.reason, 'dropped by the service proxy: Service obs/local-only has internalTrafficPolicy Local and no ready endpoint on node-2');
  });

  test('a LoadBalancer the outside client is not allowed to reach: the load balancer\'s drop, with the source ranges', async () => {
    const lb = await eventually('the guarded Service\'s address', async () => (JSON.parse(await ok(['get', 'svc', 'guarded', '-n', 'obs', '-o', 'json'])) as Service).status?.loadBalancer?.ingress?.[0]?.ip, 30_000, 200);
    const o = await observe(['--verdict', 'DROPPED', '--node', 'load-balancer', '--count', '1'], () => pn(['outside', '--', 'curl', '-s', '-m', '2', `http://${lb}/`]));
    assert.equal(o.code, 0, o.stderr);
    const [drop] = o.flows;
    assert.equal(drop!.source.kind, 'outside');
    assert.equal(drop!.service?.service, 'obs/guarded');
    assert.equal(drop!.reason, `dropped by the load balancer: 198.51.100.10 is outside Service obs/guarded's loadBalancerSourceRanges (192.0.2.0/24)`);
    assert.equal(drop!.dropReasonDesc, 'DENIED_BY_LB_SRC_RANGE_CHECK');
  });

  test('--all adds the kubelet\'s probes; the default leaves them out', async () => {
    const probes = (flows: Flow[]) => flows.filter((f) => f.source.kind === 'node' && f.translatedDestination === undefined && names('web').includes(f.destination.name ?? ''));
    const withAll = await observe(['--all', '--pod', 'web', '-n', 'obs'], async () => undefined, (flows) => probes(flows).length > 0);
    assert.equal(withAll.code, 0, withAll.stderr);
    assert.ok(probes(withAll.flows).length > 0);
    const without = await observe(['--pod', 'web', '-n', 'obs', '--timeout', '2s'], async () => undefined);
    assert.equal(without.code, 0, without.stderr);
    assert.deepEqual(probes(without.flows), [], 'readiness probes run every second: none shown');
  });

  test('--last and --since: the refusals, requests and connections recorded before it ran, without a capture', async () => {
    const client = podsOf('client')[0]!;
    const locked = podsOf('locked')[0]!;
    const since = new Date().toISOString();
    const exec = (url: string) => pn(['exec', '-n', 'obs', client.metadata.name!, '--', 'curl', '-s', '-m', '2', '-o', '/dev/null', url]);
    await exec('http://empty/');
    await exec(`http://${locked.status!.podIP}:8080/`);
    await exec('http://web/');
    await ok(['outside', '--', 'curl', '-s', '-m', '2', '-o', '/dev/null', 'http://web.obs.example.test/']);
    const recorded = async (args: string[]) => {
      const r = await pn(['observe', ...args, '-o', 'json']);
      assert.equal(r.code, 0, r.stderr);
      assert.match(r.stderr, /^Flows recorded in cluster "itobs": the connections conntrack still tracks, refusals, NGINX's requests, the external DNS's answers \(the cluster DNS's are shown live only\)\n$/);
      return r.stdout.split('\n').filter(Boolean).map((l) => JSON.parse(l) as Flow);
    };
    // the access log is flushed every 100 ms
    const flows = await eventually('the request in the access log', async () => {
      const f = await recorded(['--since', since, '-n', 'obs']);
      return f.some((x) => x.http) ? f : undefined;
    }, 5_000, 100);
    const times = flows.map((f) => Date.parse(f.time));
    assert.deepEqual(times, [...times].sort((a, b) => a - b), 'oldest first');
    assert.ok(times.every((t) => t >= Math.floor(Date.parse(since) / 1000) * 1000), 'none before --since');
    const reject = flows.find((f) => f.service?.service === 'obs/empty');
    assert.equal(reject?.reason, 'rejected by the service proxy (connection refused): ClusterIP obs/empty has no ready endpoint for TCP port 80');
    assert.equal(flows.find((f) => f.destination.name === locked.metadata.name && f.verdict === 'DROPPED')?.reason, `NetworkPolicy: ingress to obs/${locked.metadata.name} isolated by obs/locked-deny`);
    const connection = flows.find((f) => f.service?.service === 'obs/web' && f.source.name === client.metadata.name && f.verdict === 'FORWARDED');
    assert.ok(connection, `the client's connection to the web Service from conntrack's table: ${JSON.stringify(flows)}`);
    assert.ok(names('web').includes(connection.translatedDestination?.name ?? ''), 'with the pod its DNAT chose');
    assert.match(connection.time, /T\d{2}:\d{2}:\d{2}Z$/, 'timed to the second');
    const request = flows.find((f) => f.http)!;
    assert.equal(request.http!.host, 'web.obs.example.test');
    assert.equal(request.source.kind, 'outside');
    // the outside client's lookup, from the external DNS's own log: before the request, with the load balancer's address
    const lookup = (await recorded(['--since', since, '--protocol', 'dns', '--node', 'external-dns'])).find((f) => f.dns?.query === 'web.obs.example.test.' && f.dns.type === 'A');
    assert.ok(lookup, 'the outside client\'s question');
    assert.equal(lookup.source.kind, 'outside');
    const controller = JSON.parse(await ok(['get', 'svc', 'ingress-nginx-controller', '-n', 'ingress-nginx', '-o', 'json'])) as Service;
    assert.deepEqual([lookup.dns?.rcode, lookup.dns?.records], ['NOERROR', [`A ${controller.status!.loadBalancer!.ingress![0]!.ip}`]]);
    assert.ok(Date.parse(lookup.time) <= Date.parse(request.time));
    // --last N: the newest N of them; filters apply before
    const last = await recorded(['--last', '1', '--drop-reason-desc', 'policy_denied', '--from-pod', client.metadata.name!]);
    assert.equal(last.length, 1);
    assert.equal(last[0]!.destination.name, locked.metadata.name, 'the newest of the client\'s refusals');
    assert.deepEqual(await recorded(['--since', '2099-01-01T00:00:00Z']), []);
    // Hubble's other filters, on the same record
    const requests = await recorded(['--since', since, '--to-service', 'obs/web', '--http-status', '2+', '--http-path', '^/$']);
    assert.deepEqual(requests.map((f) => [f.protocol, f.http?.host]), [['HTTP', 'web.obs.example.test']]);
    const fromClient = await recorded(['--since', since, '--from-label', 'app=client', '--to-port', '80', '--to-ip', '10.96.0.0/12']);
    assert.ok(fromClient.some((f) => f.service?.service === 'obs/empty') && fromClient.some((f) => f.service?.service === 'obs/web'), JSON.stringify(fromClient));
    assert.ok(fromClient.every((f) => f.source.labels?.app === 'client' && f.destination.port === 80), 'the client pod\'s flows to port 80 only: not its drop at the locked pod\'s 8080');
    // -f: the history, then live
    const followed = await pn(['observe', '--since', since, '-n', 'obs', '--verdict', 'DROPPED', '-f', '--timeout', '1s', '-o', 'json']);
    assert.equal(followed.code, 0, followed.stderr);
    assert.match(followed.stderr, /^Flows recorded in cluster "itobs": .*; then live\nObserving cluster "itobs" /);
    assert.ok(followed.stdout.includes('"service":"obs/empty"'), 'the recorded reject first');
  });

  test('the agents hold the log groups: two observers at once both see a refusal; killed with -9, no capture of theirs runs', async () => {
    // conntrack and tcpdump processes in this cluster's namespaces, but the agents' refusal recorders (nflog)
    const captures = async () => {
      const found: string[] = [];
      for (const ns of ['node-1', 'node-2', 'router', 'outside'].map((n) => `pn-${CLUSTER}-${n}`)) {
        for (const pid of (await run(['ip', 'netns', 'pids', ns])).stdout.split('\n').filter(Boolean)) {
          try {
            const comm = readFileSync(`/proc/${pid}/comm`, 'utf8').trim();
            const recorder = readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes('nflog:');
            if (comm === 'conntrack' || comm === 'tcpdump') found.push(`${ns} ${comm}${recorder ? ' recorder' : ''}`);
          } catch { /* gone meanwhile */ }
        }
      }
      return found.sort();
    };
    const observerCaptures = async () => (await captures()).filter((c) => !c.endsWith(' recorder'));
    await eventually('the earlier observers\' captures gone', async () => (await observerCaptures()).length === 0 || undefined, 5_000, 100);
    assert.deepEqual((await captures()).filter((c) => c.endsWith(' recorder')), ['pn-itobs-node-1 tcpdump recorder', 'pn-itobs-node-2 tcpdump recorder', 'pn-itobs-router tcpdump recorder']);
    const client = podsOf('client')[0]!;
    const first = spawn(process.execPath, [CLI, 'observe', '--verdict', 'DROPPED', '-o', 'json'], { env: ENV, stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '';
    let stdout = '';
    first.stderr.on('data', (d: Buffer) => { stderr += d.toString(); });
    first.stdout.on('data', (d: Buffer) => { stdout += d.toString(); });
    try {
      await eventually('the first observer to start', async () => stderr.includes('Observing cluster') || undefined, 10_000, 20);
      // two nodes: conntrack on each and the router, tcpdump for DNS on each node and the outside client
      assert.equal((await observerCaptures()).length, 6);
      const second = await observe(['--verdict', 'DROPPED', '--from-pod', `obs/${client.metadata.name}`, '--count', '1'], () => pn(['exec', '-n', 'obs', client.metadata.name!, '--', 'curl', '-s', '-m', '2', 'http://empty/']));
      assert.equal(second.code, 0, second.stderr);
      assert.doesNotMatch(second.stderr, /warning/);
      assert.equal(second.flows[0]?.service?.service, 'obs/empty');
      await eventually('the first observer to show it too', async () => stdout.includes('"service":"obs/empty"') || undefined, 5_000, 50);
    } finally {
      first.kill('SIGKILL');
    }
    await eventually('conntrack and tcpdump gone with the CLI', async () => (await observerCaptures()).length === 0 || undefined, 5_000, 100);
  });

  test('a recorder whose tcpdump ends is started again, and records what follows', async () => {
    const client = podsOf('client')[0]!;
    const marker = `${stateDir}/${CLUSTER}/refusals/${client.spec.nodeName}.log.recorder`;
    const pid = Number(readFileSync(marker, 'utf8'));
    process.kill(pid, 'SIGKILL');
    const again = await eventually('a new recorder', async () => {
      try { const p = Number(readFileSync(marker, 'utf8')); return p !== pid ? p : undefined; } catch { return undefined; }
    }, 10_000, 100);
    assert.notEqual(again, pid);
    const after = new Date().toISOString();
    await pn(['exec', '-n', 'obs', client.metadata.name!, '--', 'curl', '-s', '-m', '2', 'http://empty/']);
    const flows = await eventually('the reject recorded', async () => {
      const r = await pn(['observe', '--since', after, '--verdict', 'DROPPED', '-o', 'json']);
      return r.stdout.includes('"service":"obs/empty"') || undefined;
    }, 5_000, 100);
    assert.ok(flows);
  });

  test('bad flags are usage errors', async () => {
    const r = await pn(['observe', '--verdict', 'lost']);
    assert.equal(r.code, 1);
    assert.equal(r.stderr, 'error: invalid --verdict "lost": must be one of FORWARDED, DROPPED\n');
    const node = await pn(['observe', '--node', 'node-9']);
    assert.equal(node.code, 1);
    assert.equal(node.stderr, 'error: invalid --node "node-9": cluster "itobs" records flows on node-1, node-2, load-balancer, outside, ingress, external-dns\n');
  });

  test('podnet down while it observes: it ends with exit 1 and says the cluster went down (the last test: the cluster is gone after it)', async () => {
    const child = spawn(process.execPath, [CLI, 'observe'], { env: ENV, stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => { stderr += d.toString(); });
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    try {
      await eventually('observe to start', async () => stderr.includes('Observing cluster') || undefined, 10_000, 20);
      await ok(['down']);
      assert.equal(await exited, 1);
      assert.match(stderr, /\nerror: the namespace pn-itobs-[a-z0-9-]+ is gone: the cluster went down\n$/);
    } finally {
      child.kill('SIGKILL');
    }
  });
});
