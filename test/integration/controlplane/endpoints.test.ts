// v1 Endpoints through the real CLI with real pods: the Endpoints controller
// keeps one per Service with a selector (`get endpoints`, `describe`), and a
// Service without a selector is served from the Endpoints its user wrote
// (mirrored into EndpointSlices, so the node's nftables route it), which go
// with the Endpoints. Invalid Endpoints are refused with field paths.

import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { EndpointSlice, Endpoints, Pod, Service } from '../../../src/api/types.js';
import { downOrKill, eventually, podnet } from '../../support/cli.js';

const CLUSTER = 'itep1';
const stateDir = mkdtempSync(path.join(tmpdir(), 'podnet-itep1-'));
const pn = podnet(CLUSTER, stateDir);

const json = async <T>(args: string[]): Promise<T> => {
  const r = await pn([...args, '-o', 'json']);
  assert.equal(r.code, 0, r.stderr);
  return JSON.parse(r.stdout) as T;
};
const apply = async (text: string) => {
  const r = await pn(['apply', '-f', '-'], { input: text });
  assert.equal(r.code, 0, r.stderr);
};

before(async () => {
  const up = await pn(['up', '--bare']);
  assert.equal(up.code, 0, up.stderr);
  await apply(`apiVersion: apps/v1
kind: Deployment
metadata: {name: web}
spec:
  replicas: 2
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec: {containers: [{name: web, image: podnet/echo, ports: [{containerPort: 8080}]}]}
---
apiVersion: v1
kind: Service
metadata: {name: web, labels: {tier: front}}
spec: {selector: {app: web}, ports: [{port: 80, targetPort: 8080}]}
`);
  assert.equal((await pn(['wait', '--for=condition=Ready', 'pods', '-l', 'app=web', '--timeout=60s'])).code, 0);
});

after(async () => {
  await downOrKill(pn, CLUSTER);
  rmSync(stateDir, { recursive: true, force: true });
});

test('a Service with a selector gets its Endpoints: the ready pods, with the Service\'s labels; get and describe show them', async () => {
  const pods = (await json<{ items: Pod[] }>(['get', 'pods', '-l', 'app=web'])).items;
  const ips = pods.map((p) => p.status!.podIP!).sort();
  const ep = await eventually('web\'s Endpoints with both pods', async () => {
    const e = await json<Endpoints>(['get', 'endpoints', 'web']).catch(() => undefined);
    return e && e.subsets?.[0]?.addresses?.length === 2 ? e : undefined;
  }, 20_000, 200);
  assert.deepEqual(ep.subsets![0]!.addresses!.map((a) => a.ip), ips);
  assert.deepEqual(ep.subsets![0]!.ports, [{ port: 8080, protocol: 'TCP' }]);
  assert.equal(ep.metadata.labels?.tier, 'front');
  const table = await pn(['get', 'ep']);
  assert.match(table.stdout, new RegExp(`^web\\s+${ips.map((ip) => `${ip.replace(/\./g, '\\.')}:8080`).join(',')}\\s+\\d+s$`, 'm'));
  const d = await pn(['describe', 'endpoints', 'web']);
  assert.match(d.stdout, new RegExp(`Addresses:\\s+${ips.join(',').replace(/\./g, '\\.')}`));
});

test('a Service without a selector is served from the Endpoints its user wrote, until they are deleted', async () => {
  const pods = (await json<{ items: Pod[] }>(['get', 'pods', '-l', 'app=web'])).items;
  const target = pods[0]!;
  await apply(`apiVersion: v1
kind: Service
metadata: {name: legacy}
spec: {ports: [{name: http, port: 80, targetPort: 8080}]}
---
apiVersion: v1
kind: Endpoints
metadata: {name: legacy}
subsets: [{addresses: [{ip: ${target.status!.podIP}}], ports: [{name: http, port: 8080}]}]
`);
  const svc = await json<Service>(['get', 'svc', 'legacy']);
  const answer = await eventually('legacy answers through its ClusterIP', async () => {
    const r = await pn(['exec', 'node/node-1', '--', 'curl', '-s', '-m', '2', `http://${svc.spec.clusterIP}/`]);
    return r.code === 0 && r.stdout.includes('"pod"') ? JSON.parse(r.stdout) as { pod: string } : undefined;
  }, 20_000, 250);
  assert.equal(answer.pod, target.metadata.name);
  const mirrored = (await json<{ items: EndpointSlice[] }>(['get', 'endpointslices', '-l', 'kubernetes.io/service-name=legacy'])).items;
  assert.equal(mirrored.length, 1);
  assert.equal(mirrored[0]!.metadata.labels!['endpointslice.kubernetes.io/managed-by'], 'endpointslicemirroring-controller.k8s.io');
  // a label added to the Endpoints later reaches its slice too
  await apply(`apiVersion: v1
kind: Endpoints
metadata: {name: legacy, labels: {tier: db}}
subsets: [{addresses: [{ip: ${target.status!.podIP}}], ports: [{name: http, port: 8080}]}]
`);
  await eventually('the slice carries the label added later', async () =>
    (await json<{ items: EndpointSlice[] }>(['get', 'endpointslices', '-l', 'kubernetes.io/service-name=legacy,tier=db'])).items.length === 1, 20_000, 200);
  assert.equal((await pn(['delete', 'endpoints', 'legacy'])).code, 0);
  await eventually('the mirrored slice gone with its Endpoints', async () =>
    (await json<{ items: EndpointSlice[] }>(['get', 'endpointslices', '-l', 'kubernetes.io/service-name=legacy'])).items.length === 0, 20_000, 200);
  assert.equal((await pn(['delete', 'svc', 'legacy'])).code, 0);
});

test('deleting a Service deletes the Endpoints its controller wrote; invalid Endpoints are refused with field paths', async () => {
  assert.equal((await pn(['delete', 'svc', 'web'])).code, 0);
  await eventually('web\'s Endpoints gone', async () => (await pn(['get', 'endpoints', 'web'])).code !== 0, 20_000, 200);
  const bad = await pn(['apply', '-f', '-'], { input: 'apiVersion: v1\nkind: Endpoints\nmetadata: {name: bad}\nsubsets: [{addresses: [{ip: not-an-ip}], ports: [{port: 80}, {name: b, port: 81}]}]\n' });
  assert.equal(bad.code, 1);
  assert.match(bad.stderr, /subsets\[0\]\.addresses\[0\]\.ip: Invalid value: "not-an-ip": must be a valid IPv4 address/);
  assert.match(bad.stderr, /subsets\[0\]\.ports\[0\]\.name: Required value/);
  assert.notEqual((await pn(['get', 'endpoints', 'bad'])).code, 0, 'nothing half-applied');
});
