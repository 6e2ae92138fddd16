// Synthetic Services for the proxy benchmarks: N ClusterIP Services from
// 10.96.16.0 up, each with one TCP port and `endpoints` ready endpoints in a
// single EndpointSlice (pod addresses from 10.244.0.2 up, spread over 50 nodes).

import type { EndpointSlice, Service } from '../../src/api/types.js';
import { ipv4ToNumber, numberToIpv4 } from '../../src/proxy/ipv4.js';

export const SYNTHETIC_NAMESPACE = 'bench';
const VIP_BASE = ipv4ToNumber('10.96.16.0')!;
const POD_BASE = ipv4ToNumber('10.244.0.2')!;
const NODES = 50;

export function syntheticServices(n: number, endpoints: number): { services: Service[]; slices: EndpointSlice[] } {
  const services: Service[] = [];
  const slices: EndpointSlice[] = [];
  for (let s = 0; s < n; s++) {
    const name = `svc-${s}`;
    services.push({ apiVersion: 'v1', kind: 'Service', metadata: { name, namespace: SYNTHETIC_NAMESPACE },
      spec: { type: 'ClusterIP', clusterIP: numberToIpv4(VIP_BASE + s), ports: [{ name: 'http', port: 80, protocol: 'TCP' }] } });
    slices.push({ apiVersion: 'discovery.k8s.io/v1', kind: 'EndpointSlice', addressType: 'IPv4',
      metadata: { name: `${name}-x`, namespace: SYNTHETIC_NAMESPACE, labels: { 'kubernetes.io/service-name': name } },
      ports: [{ name: 'http', port: 8080, protocol: 'TCP' }],
      endpoints: Array.from({ length: endpoints }, (_, e) => {
        const i = s * endpoints + e;
        return { addresses: [numberToIpv4(POD_BASE + i)], nodeName: `node-${(i % NODES) + 1}`, conditions: { ready: true } };
      }) });
  }
  return { services, slices };
}
