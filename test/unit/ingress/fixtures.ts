// Compact builders for the objects the route table reads; shared by the unit,
// integration and bench code of the ingress controller.

import type { EndpointSlice, HTTPIngressPath, Ingress, IngressClass, IngressTLS, PathType, Secret, Service } from '../../../src/api/types.js';

export interface PathSpec { path?: string; type?: PathType; svc: string; port?: number | string }
export interface RuleSpec { host?: string; paths: PathSpec[] }

export function ingress(name: string, opts: {
  ns?: string; created?: string; className?: string | null; annotations?: Record<string, string>;
  rules?: RuleSpec[]; defaultBackend?: { svc: string; port?: number | string }; tls?: IngressTLS[];
}): Ingress {
  const backend = (svc: string, port: number | string = 80) => ({ service: { name: svc, port: typeof port === 'number' ? { number: port } : { name: port } } });
  return {
    apiVersion: 'networking.k8s.io/v1',
    kind: 'Ingress',
    metadata: {
      name, namespace: opts.ns ?? 'default', uid: `uid-${name}`,
      creationTimestamp: opts.created ?? '2024-01-01T00:00:00Z',
      ...(opts.annotations ? { annotations: opts.annotations } : {}),
    },
    spec: {
      ...(opts.className === null ? {} : { ingressClassName: opts.className ?? 'nginx' }),
      ...(opts.defaultBackend ? { defaultBackend: backend(opts.defaultBackend.svc, opts.defaultBackend.port) } : {}),
      ...(opts.tls ? { tls: opts.tls } : {}),
      ...(opts.rules ? {
        rules: opts.rules.map((r) => ({
          ...(r.host !== undefined ? { host: r.host } : {}),
          http: { paths: r.paths.map((p): HTTPIngressPath => ({ path: p.path ?? '/', pathType: p.type ?? 'Prefix', backend: backend(p.svc, p.port) })) },
        })),
      } : {}),
    },
  };
}

export function service(name: string, opts: { ns?: string; clusterIP?: string; ports?: { name?: string; port: number; targetPort?: number }[] } = {}): Service {
  return {
    apiVersion: 'v1', kind: 'Service',
    metadata: { name, namespace: opts.ns ?? 'default' },
    spec: { clusterIP: opts.clusterIP ?? 'None', ports: (opts.ports ?? [{ port: 80, targetPort: 8080 }]).map((p) => ({ protocol: 'TCP' as const, ...p })) },
  };
}

export interface EndpointSpec { ip: string; ready?: boolean; serving?: boolean; terminating?: boolean }

export function slice(svc: string, endpoints: (string | EndpointSpec)[], opts: { ns?: string; port?: number; portName?: string; name?: string } = {}): EndpointSlice {
  return {
    apiVersion: 'discovery.k8s.io/v1', kind: 'EndpointSlice',
    metadata: { name: opts.name ?? `${svc}-abc`, namespace: opts.ns ?? 'default', labels: { 'kubernetes.io/service-name': svc } },
    addressType: 'IPv4',
    ports: [{ name: opts.portName ?? '', port: opts.port ?? 8080, protocol: 'TCP' }],
    endpoints: endpoints.map((e) => {
      const s = typeof e === 'string' ? { ip: e } : e;
      return {
        addresses: [s.ip],
        conditions: { ready: s.ready ?? true, serving: s.serving ?? s.ready ?? true, terminating: s.terminating ?? false },
      };
    }),
  };
}

export function ingressClass(name: string, opts: { isDefault?: boolean; controller?: string } = {}): IngressClass {
  return {
    apiVersion: 'networking.k8s.io/v1', kind: 'IngressClass',
    metadata: { name, ...(opts.isDefault ? { annotations: { 'ingressclass.kubernetes.io/is-default-class': 'true' } } : {}) },
    spec: { controller: opts.controller ?? 'k8s.io/ingress-nginx' },
  };
}

/** The IngressClass podnet installs (daemon/system-manifests.ts): Ingresses naming `nginx` are ours only while it exists. */
export const OUR_CLASS: IngressClass = ingressClass('nginx');

export function tlsSecret(name: string, cert: string, key: string, ns = 'default'): Secret {
  return {
    apiVersion: 'v1', kind: 'Secret', type: 'kubernetes.io/tls',
    metadata: { name, namespace: ns },
    data: { 'tls.crt': Buffer.from(cert).toString('base64'), 'tls.key': Buffer.from(key).toString('base64') },
  };
}

/** A real self-signed pair (EC P-256, CN and SAN shop.example.com, valid until 2126): a Secret NGINX can load. */
export const TEST_CERT = `-----BEGIN CERTIFICATE-----
MIIBqjCCAVCgAwIBAgIUXNRkGYkF7n6MgDqIf5LS7hfWr24wCgYIKoZIzj0EAwIw
GzEZMBcGA1UEAwwQc2hvcC5leGFtcGxlLmNvbTAgFw0yNjExMjkwNTU0MTFaGA8y
MTI2MTEwNTA1NTQxMVowGzEZMBcGA1UEAwwQc2hvcC5leGFtcGxlLmNvbTBZMBMG
ByqGSM49AgEGCCqGSM49AwEHA0IABJNGuW766/PjX63yL/dmd9GyYTb6v1CZtzIT
Tg5WE0vOzWEzfn4eM1Vm2eATRpdvmh9vPpTpQSzfQT4UKr8EJTujcDBuMB0GA1Ud
DgQWBBRkv9E5f7J64eKQkJbPz44jjdbWOTAfBgNVHSMEGDAWgBRkv9E5f7J64eKQ
kJbPz44jjdbWOTAPBgNVHRMBAf8EBTADAQH/MBsGA1UdEQQUMBKCEHNob3AuZXhh
bXBsZS5jb20wCgYIKoZIzj0EAwIDSAAwRQIhAJ+jtLJyoQ0rybusCLcnO3bZBL4s
R+xRoMtZvAwYvC13AiAwUMoov0ONACEgYY0n7vFctPxm4SkVP0Q0TQS3Z39gkg==
-----END CERTIFICATE-----
`;
export const TEST_KEY = `-----BEGIN PRIVATE KEY-----
MIGHAgEAMBMGByqGSM49AgEGCCqGSM49AwEHBG0wawIBAQQgSwzlpZfsJnm6j0y0
XQD/iv5TPdWfusgJ4LqKwX2DybyhRANCAASTRrlu+uvz41+t8i/3ZnfRsmE2+r9Q
mbcyE04OVhNLzs1hM35+HjNVZtngE0aXb5ofbz6U6UEs30E+FCq/BCU7
-----END PRIVATE KEY-----
`;
/** PEM-shaped but unreadable: an InvalidSecret. */
export const FAKE_CERT = '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n';
export const FAKE_KEY = '-----BEGIN PRIVATE KEY-----\nMIIE\n-----END PRIVATE KEY-----\n';
