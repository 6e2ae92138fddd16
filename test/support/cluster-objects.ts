// Small API objects for the pure tests of what reads a cluster (trace's
// explanations, doctor's checks): a node, a pod, a Service with its
// EndpointSlice, an Ingress, each with only the fields those read.

import type { EndpointSlice, Ingress, Node, Pod, Service } from '../../src/api/types.js';

export const node = (name: string, ip: string): Node => ({ apiVersion: 'v1', kind: 'Node', metadata: { name }, status: { addresses: [{ type: 'InternalIP', address: ip }] } } as Node);

export function pod(ns: string, name: string, ip: string, nodeName: string, labels: Record<string, string>, ready = true): Pod {
  return {
    apiVersion: 'v1', kind: 'Pod', metadata: { namespace: ns, name, labels },
    spec: { nodeName, containers: [{ name: 'app', image: 'podnet/echo' }] },
    status: {
      phase: 'Running', podIP: ip, podIPs: [{ ip }],
      conditions: [{ type: 'Ready', status: ready ? 'True' : 'False' }],
      containerStatuses: [{ name: 'app', ready, restartCount: 0, image: 'podnet/echo', imageID: '', state: { running: {} } }],
    },
  } as unknown as Pod;
}

export function service(ns: string, name: string, clusterIP: string, selector: Record<string, string>, extra: Partial<Service['spec']> = {}, lbIP?: string): Service {
  return {
    apiVersion: 'v1', kind: 'Service', metadata: { namespace: ns, name },
    spec: { clusterIP, clusterIPs: [clusterIP], selector, ports: [{ name: 'http', port: 80, targetPort: 8080, protocol: 'TCP' }], ...extra },
    status: lbIP ? { loadBalancer: { ingress: [{ ip: lbIP }] } } : {},
  } as Service;
}

export function slice(svc: Service, eps: { ip: string; pod: string; node: string; ready?: boolean }[]): EndpointSlice {
  return {
    apiVersion: 'discovery.k8s.io/v1', kind: 'EndpointSlice',
    metadata: { namespace: svc.metadata.namespace, name: `${svc.metadata.name}-abc`, labels: { 'kubernetes.io/service-name': svc.metadata.name! } },
    addressType: 'IPv4', ports: [{ name: 'http', port: 8080, protocol: 'TCP' }],
    endpoints: eps.map((e) => ({ addresses: [e.ip], conditions: { ready: e.ready ?? true }, nodeName: e.node, targetRef: { kind: 'Pod', namespace: svc.metadata.namespace, name: e.pod } })),
  } as EndpointSlice;
}

export const ingress = (ns: string, name: string, host: string, paths: [string, string][], lbIP?: string): Ingress => ({
  apiVersion: 'networking.k8s.io/v1', kind: 'Ingress', metadata: { namespace: ns, name },
  spec: { rules: [{ host, http: { paths: paths.map(([p, svc]) => ({ path: p, pathType: 'Prefix', backend: { service: { name: svc, port: { number: 80 } } } })) } }] },
  status: lbIP ? { loadBalancer: { ingress: [{ ip: lbIP }] } } : {},
} as Ingress);
