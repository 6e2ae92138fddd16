// Small object builders for controller tests.

import type { Deployment, Node, Pod, Service, Taint } from '../../../src/api/types.js';

let counter = 0;

export function pod(name: string, opts: { labels?: Record<string, string>; ready?: boolean; ip?: string; node?: string; hash?: string; created?: string; deleting?: boolean; ports?: { name: string; containerPort: number; protocol?: 'TCP' | 'UDP' }[]; hostname?: string; subdomain?: string; phase?: 'Running' | 'Pending' | 'Failed' } = {}): Pod {
  counter++;
  return {
    apiVersion: 'v1', kind: 'Pod',
    metadata: {
      name, namespace: 'default', uid: `uid-${name}`,
      labels: { ...(opts.labels ?? {}), ...(opts.hash ? { 'pod-template-hash': opts.hash } : {}) },
      creationTimestamp: opts.created ?? `2026-01-01T00:00:${String(counter % 60).padStart(2, '0')}Z`,
      ...(opts.deleting ? { deletionTimestamp: '2026-01-01T00:01:00Z' } : {}),
    },
    spec: {
      containers: [{ name: 'c', image: 'podnet/echo', ports: opts.ports ?? [] }],
      ...(opts.node ? { nodeName: opts.node } : {}),
      ...(opts.hostname ? { hostname: opts.hostname } : {}),
      ...(opts.subdomain ? { subdomain: opts.subdomain } : {}),
    },
    status: {
      phase: opts.phase ?? 'Running',
      ...(opts.ip ? { podIP: opts.ip } : {}),
      conditions: [{ type: 'Ready', status: opts.ready ? 'True' : 'False' }],
    },
  };
}

export function deployment(replicas: number, strategy?: Deployment['spec']['strategy']): Deployment {
  return {
    apiVersion: 'apps/v1', kind: 'Deployment',
    metadata: { name: 'web', namespace: 'default', uid: 'uid-web', generation: 1 },
    spec: { replicas, selector: { matchLabels: { app: 'web' } }, template: { metadata: { labels: { app: 'web' } }, spec: { containers: [{ name: 'c', image: 'podnet/echo' }] } }, ...(strategy ? { strategy } : {}) },
  };
}

export function service(name: string, spec: Partial<Service['spec']>): Service {
  return { apiVersion: 'v1', kind: 'Service', metadata: { name, namespace: 'default', uid: `uid-svc-${name}` }, spec: { ports: [{ port: 80 }], ...spec } };
}

export function node(name: string, opts: { ready?: boolean; labels?: Record<string, string>; unschedulable?: boolean; taints?: Taint[] } = {}): Node {
  return {
    apiVersion: 'v1', kind: 'Node',
    metadata: { name, labels: { 'kubernetes.io/hostname': name, ...(opts.labels ?? {}) } },
    spec: { ...(opts.unschedulable ? { unschedulable: true } : {}), ...(opts.taints ? { taints: opts.taints } : {}) },
    status: { conditions: [{ type: 'Ready', status: opts.ready === false ? 'False' : 'True' }] },
  };
}
