// A small cluster as the tests see it: Services, EndpointSlices, Namespaces
// filled straight into a ClusterIndex (the index answer.ts reads).

import type { EndpointSlice, Namespace, Service } from '../../../src/api/types.js';
import { ClusterIndex } from '../../../src/dns/cluster-records.js';

export const SERIAL = 1700000000;

export function svc(ns: string, name: string, spec: Service['spec']): Service {
  return { apiVersion: 'v1', kind: 'Service', metadata: { namespace: ns, name }, spec };
}

export function slice(ns: string, service: string, name: string, endpoints: EndpointSlice['endpoints'], ports: EndpointSlice['ports'] = []): EndpointSlice {
  return {
    apiVersion: 'discovery.k8s.io/v1', kind: 'EndpointSlice',
    metadata: { namespace: ns, name, labels: { 'kubernetes.io/service-name': service } },
    addressType: 'IPv4', endpoints, ports,
  };
}

export function namespace(name: string): Namespace {
  return { apiVersion: 'v1', kind: 'Namespace', metadata: { name } };
}

export function bigHeadless(index: ClusterIndex, name: string, count: number): void {
  index.upsertService(svc('default', name, { clusterIP: 'None', ports: [{ name: 'http', port: 80, protocol: 'TCP' }] }));
  const eps = Array.from({ length: count }, (_, i) => ({ addresses: [`10.244.${Math.floor(i / 250) + 2}.${(i % 250) + 1}`], conditions: { ready: true } }));
  index.upsertEndpointSlice(slice('default', name, `${name}-abc`, eps, [{ name: 'http', port: 8080, protocol: 'TCP' }]));
}

export function fixture(): ClusterIndex {
  const index = new ClusterIndex(() => SERIAL * 1000);
  for (const ns of ['default', 'kube-system', 'other']) index.upsertNamespace(namespace(ns));
  index.upsertService(svc('kube-system', 'kube-dns', {
    clusterIP: '10.96.0.10',
    ports: [{ name: 'dns', port: 53, protocol: 'UDP' }, { name: 'dns-tcp', port: 53, protocol: 'TCP' }, { name: 'metrics', port: 9153, protocol: 'TCP' }],
  }));
  index.upsertService(svc('default', 'web', { clusterIP: '10.96.0.20', ports: [{ name: 'http', port: 80, protocol: 'TCP' }, { name: 'https', port: 443, protocol: 'TCP' }] }));
  index.upsertService(svc('default', 'api', { clusterIP: '10.96.0.21', ports: [{ port: 8080, protocol: 'TCP' }] }));
  index.upsertService(svc('default', 'v6', { clusterIP: '10.96.0.30', clusterIPs: ['10.96.0.30', 'fd00::30'], ports: [{ name: 'http', port: 80 }] }));
  index.upsertService(svc('default', 'db', { clusterIP: 'None', ports: [{ name: 'pg', port: 5432, protocol: 'TCP' }] }));
  index.upsertEndpointSlice(slice('default', 'db', 'db-abcde', [
    { addresses: ['10.244.0.5'], hostname: 'db-0', conditions: { ready: true } },
    { addresses: ['10.244.1.6'], hostname: 'db-1' },
    { addresses: ['10.244.1.7'], conditions: { ready: true } },
    { addresses: ['10.244.0.8'], hostname: 'db-3', conditions: { ready: false } },
  ], [{ name: 'pg', port: 5432, protocol: 'TCP' }]));
  index.upsertService(svc('default', 'db-all', { clusterIP: 'None', publishNotReadyAddresses: true, ports: [{ name: 'pg', port: 5432 }] }));
  index.upsertEndpointSlice(slice('default', 'db-all', 'db-all-xyz', [{ addresses: ['10.244.0.9'], conditions: { ready: false } }], [{ name: 'pg', port: 5432, protocol: 'TCP' }]));
  index.upsertService(svc('default', 'empty', { clusterIP: 'None' }));
  // headless, a named port, and only a not-ready endpoint: nothing published
  index.upsertService(svc('default', 'idle', { clusterIP: 'None', ports: [{ name: 'pg', port: 5432, protocol: 'TCP' }] }));
  index.upsertEndpointSlice(slice('default', 'idle', 'idle-abcde', [{ addresses: ['10.244.0.10'], hostname: 'idle-0', conditions: { ready: false } }], [{ name: 'pg', port: 5432, protocol: 'TCP' }]));
  index.upsertService(svc('default', 'ext', { type: 'ExternalName', externalName: 'shop.example.test', ports: [{ name: 'http', port: 80 }] }));
  index.upsertService(svc('default', 'alias', { type: 'ExternalName', externalName: 'web.default.svc.cluster.local.' }));
  // a ClusterIP Service's endpoints: named and reversed as CoreDNS does, though the spec names only headless ones
  index.upsertEndpointSlice(slice('default', 'api', 'api-abcde', [
    { addresses: ['10.244.2.5'], hostname: 'api-0', conditions: { ready: true } },
    { addresses: ['10.244.2.6'], conditions: { ready: true } },
    { addresses: ['10.244.2.7'], conditions: { ready: false } },
  ], [{ port: 8080, protocol: 'TCP' }]));
  // ExternalName chains that never reach an address
  index.upsertService(svc('default', 'loopa', { type: 'ExternalName', externalName: 'loopb.default.svc.cluster.local' }));
  index.upsertService(svc('default', 'loopb', { type: 'ExternalName', externalName: 'LOOPA.default.svc.cluster.local.' }));
  index.upsertService(svc('default', 'dangling', { type: 'ExternalName', externalName: 'gone.default.svc.cluster.local' }));
  index.markSynced();
  return index;
}
