// The EndpointSlice controller against a real registry: the writes it makes
// when a pod joins a Service of 110 (one, to the slice with room), and the
// zone of each endpoint, from its Node's topology.kubernetes.io/zone label.

import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import type { EndpointSlice, Node, Pod, Service } from '../../../src/api/types.js';
import type { LocalClient } from '../../../src/client/local-client.js';
import { ZONE_LABEL } from '../../../src/controllers/endpointslice.js';
import { eventually } from '../../support/cli.js';
import { EndpointSliceController } from '../../../src/controllers/endpointslice.js';
import { startController } from './controller-harness.js';
import { node } from './fixtures.js';

const stops: (() => void)[] = [];
after(() => { for (const stop of stops) stop(); });

async function runningPod(client: LocalClient, name: string, ip: string, nodeName = 'node-1'): Promise<void> {
  const created = await client.create<Pod>({
    apiVersion: 'v1', kind: 'Pod', metadata: { name, namespace: 'default', labels: { app: 'web' } },
    spec: { nodeName, containers: [{ name: 'c', image: 'podnet/echo' }] },
  });
  await client.update<Pod>({ ...created, status: { phase: 'Running', podIP: ip, conditions: [{ type: 'Ready', status: 'True' }] } }, { subresource: 'status' });
}

const slicesOf = async (client: LocalClient) =>
  (await client.list<EndpointSlice>('endpointslices', 'default', { labelSelector: 'kubernetes.io/service-name=web' })).items;
const webService: Service = {
  apiVersion: 'v1', kind: 'Service', metadata: { name: 'web', namespace: 'default' },
  spec: { selector: { app: 'web' }, ports: [{ name: 'http', port: 80, targetPort: 8080, protocol: 'TCP' }] },
};

test('a pod joining a Service of 110 pods is one write, to the slice with room; no endpoint moves', async () => {
  const client = await startController(stops, (i, c) => new EndpointSliceController(i, c));
  await client.create<Service>(webService);
  for (let i = 1; i <= 110; i++) await runningPod(client, `p${String(i).padStart(3, '0')}`, `10.244.0.${i + 1}`);
  const before = await eventually('110 endpoints in two slices', async () => {
    const slices = await slicesOf(client);
    const counts = slices.map((s) => s.endpoints?.length ?? 0).sort((a, b) => b - a);
    return JSON.stringify(counts) === '[100,10]' ? slices : undefined;
  }, 10_000, 20);
  const full = before.find((s) => s.endpoints!.length === 100)!;
  const small = before.find((s) => s.endpoints!.length === 10)!;

  await runningPod(client, 'aaa', '10.244.1.2');
  const afterAdd = await eventually('aaa published', async () => {
    const slices = await slicesOf(client);
    return slices.some((s) => s.endpoints?.some((e) => e.targetRef?.name === 'aaa')) ? slices : undefined;
  }, 10_000, 20);
  await new Promise((r) => setTimeout(r, 200)); // let any further sync happen
  const now = await slicesOf(client);
  assert.equal(now.length, 2);
  assert.deepEqual(now.map((s) => s.metadata.resourceVersion).sort(), afterAdd.map((s) => s.metadata.resourceVersion).sort(), 'settled');
  const fullNow = now.find((s) => s.metadata.name === full.metadata.name)!;
  assert.equal(fullNow.metadata.resourceVersion, full.metadata.resourceVersion, 'the full slice is not written');
  assert.deepEqual(now.find((s) => s.metadata.name === small.metadata.name)!.endpoints!.map((e) => e.targetRef!.name), [...small.endpoints!.map((e) => e.targetRef!.name), 'aaa']);
});

test('endpoints carry their Node\'s zone, and follow a change of it', async () => {
  const client = await startController(stops, (i, c) => new EndpointSliceController(i, c));
  await client.create<Node>(node('node-1', { labels: { [ZONE_LABEL]: 'zone-a' } }));
  await client.create<Service>(webService);
  await runningPod(client, 'a', '10.244.0.2', 'node-1');
  await runningPod(client, 'b', '10.244.0.3', 'node-2'); // no Node object: no zone
  const zones = async () => {
    const eps = (await slicesOf(client)).flatMap((s) => s.endpoints ?? []);
    return Object.fromEntries(eps.map((e) => [e.targetRef!.name, e.zone ?? null]));
  };
  await eventually('zone-a on a', async () => JSON.stringify(await zones()) === '{"a":"zone-a","b":null}', 5_000, 20);
  const n1 = await client.get<Node>('nodes', undefined, 'node-1');
  await client.update<Node>({ ...n1, metadata: { ...n1.metadata, labels: { ...n1.metadata.labels, [ZONE_LABEL]: 'zone-b' } } });
  await client.create<Node>(node('node-2', { labels: { [ZONE_LABEL]: 'zone-c' } }));
  await eventually('the new zones', async () => JSON.stringify(await zones()) === '{"a":"zone-b","b":"zone-c"}', 5_000, 20);
});
