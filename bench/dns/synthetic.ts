// The synthetic cluster the DNS bench and tests load: `services` Services over
// 100 namespaces (ns0..ns99), svc<i> in ns<i % 100>, every 10th headless, each
// with one EndpointSlice of `endpointsPer` ready addresses.

import type { EndpointSlice, KubeObject, Service } from '../../src/api/types.js';

export const NAMESPACES = 100;

export function serviceIP(i: number): string {
  return `10.96.${1 + (i >> 8)}.${i & 255}`;
}

export function endpointIP(n: number): string {
  return `10.244.${(n >> 8) & 255}.${n & 255}`;
}

export function* syntheticCluster(services: number, endpointsPer: number): Generator<KubeObject> {
  for (let n = 0; n < NAMESPACES; n++) yield { apiVersion: 'v1', kind: 'Namespace', metadata: { name: `ns${n}` } };
  let ep = 0;
  for (let i = 0; i < services; i++) {
    const ns = `ns${i % NAMESPACES}`;
    const headless = i % 10 === 0;
    const svc: Service = {
      apiVersion: 'v1', kind: 'Service', metadata: { namespace: ns, name: `svc${i}` },
      spec: { clusterIP: headless ? 'None' : serviceIP(i), ports: [{ name: 'http', port: 80, protocol: 'TCP' }] },
    };
    yield svc;
    const slice: EndpointSlice = {
      apiVersion: 'discovery.k8s.io/v1', kind: 'EndpointSlice',
      metadata: { namespace: ns, name: `svc${i}-abcde`, labels: { 'kubernetes.io/service-name': `svc${i}` } },
      addressType: 'IPv4', ports: [{ name: 'http', port: 8080, protocol: 'TCP' }],
      endpoints: Array.from({ length: endpointsPer }, (_, j) => ({ addresses: [endpointIP(ep++)], conditions: { ready: true }, ...(headless ? { hostname: `svc${i}-${j}` } : {}) })),
    };
    yield slice;
  }
}
