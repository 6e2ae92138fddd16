// Builders for Services and EndpointSlices used by the proxy tests.

import type { EndpointSlice, Service, ServicePort, ServiceSpec } from '../../../src/api/types.js';
import type { ProxyConfig } from '../../../src/proxy/ruleset.js';

export const NODE: ProxyConfig = {
  nodeName: 'node-1',
  nodeIP: '172.18.0.2',
  podCIDR: '10.244.0.0/24',
  clusterCIDR: '10.244.0.0/16',
  serviceCIDR: '10.96.0.0/12',
};

export function service(name: string, clusterIP: string, ports: ServicePort[], spec: Partial<ServiceSpec> = {}, status?: Service['status']): Service {
  return {
    apiVersion: 'v1', kind: 'Service',
    metadata: { name, namespace: 'default' },
    spec: { type: 'ClusterIP', clusterIP, clusterIPs: [clusterIP], ports, ...spec },
    ...(status ? { status } : {}),
  };
}

export interface Ep { ip: string; node?: string; ready?: boolean; serving?: boolean; terminating?: boolean }

export function slice(svc: string, ports: { name?: string; port: number; protocol?: 'TCP' | 'UDP' | 'SCTP' }[], eps: Ep[], suffix = 'abc'): EndpointSlice {
  return {
    apiVersion: 'discovery.k8s.io/v1', kind: 'EndpointSlice', addressType: 'IPv4',
    metadata: { name: `${svc}-${suffix}`, namespace: 'default', labels: { 'kubernetes.io/service-name': svc } },
    ports: ports.map((p) => ({ ...(p.name !== undefined ? { name: p.name } : {}), port: p.port, protocol: p.protocol ?? 'TCP' })),
    endpoints: eps.map((e) => ({
      addresses: [e.ip],
      nodeName: e.node ?? 'node-1',
      conditions: {
        ready: e.ready ?? true,
        ...(e.serving !== undefined ? { serving: e.serving } : {}),
        ...(e.terminating !== undefined ? { terminating: e.terminating } : {}),
      },
    })),
  };
}

/** A small cluster as node-1 sees it; node-2 hosts 10.244.1.0/24. */
export function world(): { services: Service[]; slices: EndpointSlice[] } {
  const services: Service[] = [
    service('web', '10.96.0.10', [{ name: 'http', port: 80, targetPort: 'http', nodePort: 30080 }], { type: 'NodePort' }),
    service('local-web', '10.96.0.20', [{ port: 80, nodePort: 30090 }], { type: 'LoadBalancer', externalTrafficPolicy: 'Local', healthCheckNodePort: 32000 },
      { loadBalancer: { ingress: [{ ip: '203.0.113.10' }] } }),
    service('remote-only', '10.96.0.21', [{ port: 80, nodePort: 30091 }], { type: 'NodePort', externalTrafficPolicy: 'Local', healthCheckNodePort: 32001 }),
    service('empty', '10.96.0.30', [{ port: 80, nodePort: 30092 }], { type: 'NodePort' }),
    service('itp', '10.96.0.40', [{ port: 80 }], { internalTrafficPolicy: 'Local' }),
    service('dns', '10.96.0.53', [{ name: 'dns', port: 53, protocol: 'UDP' }, { name: 'dns-tcp', port: 53, protocol: 'TCP' }]),
    service('term', '10.96.0.60', [{ port: 80 }]),
    service('aff', '10.96.0.70', [{ port: 80 }], { sessionAffinity: 'ClientIP', sessionAffinityConfig: { clientIP: { timeoutSeconds: 60 } } }),
    service('ext', '10.96.0.80', [{ port: 80 }], { externalIPs: ['198.51.100.200'] }),
    service('headless', 'None', [{ port: 80 }]),
    { apiVersion: 'v1', kind: 'Service', metadata: { name: 'alias', namespace: 'default' }, spec: { type: 'ExternalName', externalName: 'example.com' } },
  ];
  const two = (a: string, b: string): Ep[] => [{ ip: a }, { ip: b, node: 'node-2' }];
  const slices: EndpointSlice[] = [
    slice('web', [{ name: 'http', port: 8080 }], two('10.244.0.5', '10.244.1.5')),
    slice('local-web', [{ port: 8080 }], two('10.244.0.6', '10.244.1.6')),
    slice('remote-only', [{ port: 8080 }], [{ ip: '10.244.1.7', node: 'node-2' }]),
    slice('itp', [{ port: 80 }], [{ ip: '10.244.1.8', node: 'node-2' }]),
    slice('dns', [{ name: 'dns', port: 5353, protocol: 'UDP' }, { name: 'dns-tcp', port: 5353 }], [{ ip: '10.244.0.7' }]),
    slice('term', [{ port: 80 }], [
      { ip: '10.244.0.8', ready: false, serving: true, terminating: true },
      { ip: '10.244.0.9', ready: false, serving: false, terminating: true },
    ]),
    slice('aff', [{ port: 80 }], two('10.244.0.5', '10.244.1.5')),
    slice('ext', [{ port: 80 }], two('10.244.0.5', '10.244.1.5')),
    slice('headless', [{ port: 80 }], [{ ip: '10.244.0.5' }]),
  ];
  return { services, slices };
}
