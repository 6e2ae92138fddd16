import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { LoadBalancerIngress, Service } from '../../../src/api/types.js';
import { publishedAddress } from '../../../src/ingress/publish-address.js';
import { service } from './fixtures.js';

function controllerService(spec: Partial<Service['spec']>, lb?: LoadBalancerIngress[]): Service {
  const base = service('ingress-nginx-controller', { ns: 'ingress-nginx', clusterIP: '10.96.0.100' });
  return { ...base, spec: { ...base.spec, ...spec }, ...(lb ? { status: { loadBalancer: { ingress: lb } } } : {}) };
}

// ingress-nginx's statusAddressFromService, row by row.
const ROWS: { name: string; svc: Service | undefined; want: LoadBalancerIngress[] }[] = [
  { name: 'no publish Service', svc: undefined, want: [] },
  { name: 'ClusterIP (type unset)', svc: controllerService({}), want: [{ ip: '10.96.0.100' }] },
  { name: 'ClusterIP, headless', svc: controllerService({ clusterIP: 'None' }), want: [] },
  { name: 'NodePort', svc: controllerService({ type: 'NodePort' }), want: [{ ip: '10.96.0.100' }] },
  { name: 'NodePort with externalIPs', svc: controllerService({ type: 'NodePort', externalIPs: ['192.0.2.7'] }), want: [{ ip: '192.0.2.7' }] },
  { name: 'LoadBalancer still pending: nothing, not the ClusterIP', svc: controllerService({ type: 'LoadBalancer' }), want: [] },
  { name: 'LoadBalancer pending, with externalIPs', svc: controllerService({ type: 'LoadBalancer', externalIPs: ['192.0.2.7'] }), want: [{ ip: '192.0.2.7' }] },
  { name: 'LoadBalancer with an address', svc: controllerService({ type: 'LoadBalancer' }, [{ ip: '203.0.113.10' }]), want: [{ ip: '203.0.113.10' }] },
  { name: 'LoadBalancer with a hostname', svc: controllerService({ type: 'LoadBalancer' }, [{ hostname: 'lb.example.com' }]), want: [{ hostname: 'lb.example.com' }] },
  {
    name: 'LoadBalancer address plus externalIPs, each once',
    svc: controllerService({ type: 'LoadBalancer', externalIPs: ['203.0.113.10', '192.0.2.7'] }, [{ ip: '203.0.113.10' }]),
    want: [{ ip: '203.0.113.10' }, { ip: '192.0.2.7' }],
  },
  { name: 'ExternalName', svc: controllerService({ type: 'ExternalName', externalName: 'edge.example.com' }), want: [{ hostname: 'edge.example.com' }] },
];

test('published address of the controller Service, by its type', async (t) => {
  for (const row of ROWS) await t.test(row.name, () => assert.deepEqual(publishedAddress(row.svc), row.want));
});
