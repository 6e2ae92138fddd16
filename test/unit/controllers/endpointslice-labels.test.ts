// Regression: EndpointSlices did not carry their Service's labels, so
// `get endpointslices -l k8s-app=kube-dns` (the "Debugging DNS Resolution"
// page's command) found nothing. Upstream's rules as rows, then the controller
// against a real registry: created with the labels, refreshed when they change.

import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import type { EndpointSlice, Service } from '../../../src/api/types.js';
import { sliceLabels } from '../../../src/controllers/endpointslice.js';
import { eventually } from '../../support/cli.js';
import { EndpointSliceController } from '../../../src/controllers/endpointslice.js';
import { startController } from './controller-harness.js';
import { service } from './fixtures.js';

const OWN = { 'kubernetes.io/service-name': 'web', 'endpointslice.kubernetes.io/managed-by': 'endpointslice-controller.k8s.io' };
const labelled = (labels: Record<string, string> | undefined, clusterIP: string): Service => {
  const svc = service('web', { selector: { app: 'web' }, clusterIP });
  return labels ? { ...svc, metadata: { ...svc.metadata, labels } } : svc;
};

const rows: { name: string; labels?: Record<string, string>; clusterIP: string; want: Record<string, string> }[] = [
  { name: 'no labels: only the controller\'s own', clusterIP: '10.96.0.20', want: OWN },
  { name: 'the Service\'s labels are copied', labels: { 'k8s-app': 'kube-dns', tier: 'x' }, clusterIP: '10.96.0.20', want: { 'k8s-app': 'kube-dns', tier: 'x', ...OWN } },
  { name: 'headless: service.kubernetes.io/headless ""', labels: { app: 'db' }, clusterIP: 'None', want: { app: 'db', 'service.kubernetes.io/headless': '', ...OWN } },
  {
    name: 'reserved labels on the Service are not copied',
    labels: { 'kubernetes.io/service-name': 'other', 'endpointslice.kubernetes.io/managed-by': 'me', 'service.kubernetes.io/headless': 'yes', app: 'web' },
    clusterIP: '10.96.0.20', want: { app: 'web', ...OWN },
  },
];
for (const row of rows) {
  test(`sliceLabels: ${row.name}`, () => assert.deepEqual(sliceLabels(labelled(row.labels, row.clusterIP)), row.want));
}

const stops: (() => void)[] = [];
after(() => { for (const stop of stops) stop(); });

test('the controller creates slices with the Service\'s labels and follows their changes', async () => {
  const client = await startController(stops, (i, c) => new EndpointSliceController(i, c));

  const created = await client.create<Service>({
    apiVersion: 'v1', kind: 'Service',
    metadata: { name: 'dns', namespace: 'default', labels: { 'k8s-app': 'kube-dns', 'kubernetes.io/name': 'CoreDNS' } },
    spec: { selector: { 'k8s-app': 'kube-dns' }, ports: [{ name: 'dns', port: 53, protocol: 'UDP' }] },
  });
  const found = await eventually('a slice found by the Service\'s label', async () => {
    const list = await client.list<EndpointSlice>('endpointslices', 'default', { labelSelector: 'k8s-app=kube-dns' });
    return list.items.length === 1 ? list.items[0] : undefined;
  }, 5_000, 20);
  assert.deepEqual(found.metadata.labels, {
    'k8s-app': 'kube-dns', 'kubernetes.io/name': 'CoreDNS', 'kubernetes.io/service-name': 'dns', 'endpointslice.kubernetes.io/managed-by': 'endpointslice-controller.k8s.io',
  });

  await client.update<Service>({ ...created, metadata: { ...created.metadata, labels: { 'k8s-app': 'kube-dns', tier: 'infra' } } });
  const refreshed = await eventually('the slice\'s labels refreshed', async () => {
    const list = await client.list<EndpointSlice>('endpointslices', 'default', { labelSelector: 'tier=infra' });
    return list.items.length === 1 ? list.items[0] : undefined;
  }, 5_000, 20);
  assert.equal(refreshed.metadata.name, found.metadata.name, 'the same slice, updated');
  assert.equal(refreshed.metadata.labels?.['kubernetes.io/name'], undefined, 'a label the Service dropped goes from the slice');

  const headless = await client.create<Service>({
    apiVersion: 'v1', kind: 'Service', metadata: { name: 'db', namespace: 'default' },
    spec: { clusterIP: 'None', selector: { app: 'db' }, ports: [{ port: 5432 }] },
  });
  assert.equal(headless.spec.clusterIP, 'None');
  await eventually('the headless Service\'s slice labelled headless', async () =>
    (await client.list<EndpointSlice>('endpointslices', 'default', { labelSelector: 'service.kubernetes.io/headless,kubernetes.io/service-name=db' })).items.length === 1, 5_000, 20);
});
