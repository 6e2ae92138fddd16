import { test } from 'node:test';
import assert from 'node:assert/strict';
import { systemManifests } from '../../../src/daemon/system-manifests.js';
import { applyDefaults } from '../../../src/api/defaults.js';
import { validateObject } from '../../../src/api/validation/index.js';
import { resolveCommand } from '../../../src/agent/container-spec.js';

test('the built-in system objects are valid Kubernetes objects', () => {
  for (const obj of systemManifests()) {
    const errors = validateObject(applyDefaults(structuredClone(obj)));
    assert.deepEqual(errors.map(String), [], `${obj.kind} ${obj.metadata.name}`);
  }
});

test('system images are built in, so their pods never fail with ErrImagePull', () => {
  for (const obj of systemManifests().filter((o) => o.kind === 'Deployment')) {
    const spec = (obj as unknown as { spec: { template: { spec: { containers: { name: string; image: string }[] } } } }).spec.template.spec;
    for (const c of spec.containers) assert.ok('argv' in resolveCommand(c, 'node'), c.image);
  }
});

test('kube-dns sits at 10.96.0.10 and the ingress Service keeps client IPs', () => {
  const byName = new Map(systemManifests().map((o) => [`${o.kind}/${o.metadata.name}`, o as unknown as { spec: Record<string, unknown> }]));
  assert.equal(byName.get('Service/kube-dns')!.spec.clusterIP, '10.96.0.10');
  assert.equal(byName.get('Service/ingress-nginx-controller')!.spec.type, 'LoadBalancer');
  assert.equal(byName.get('Service/ingress-nginx-controller')!.spec.externalTrafficPolicy, 'Local');
});
