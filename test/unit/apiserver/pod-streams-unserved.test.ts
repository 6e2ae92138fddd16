// pods/portforward and pods/attach, which podnet does not serve, are refused
// with what to use instead (400, so kubectl prints the message with a reason
// that does not say the pod is missing); a missing pod is still a 404.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Pod } from '../../../src/api/types.js';
import { isApiError } from '../../../src/errors.js';
import { unservedPodStream } from '../../../src/apiserver/pod-streams-unserved.js';
import { info, setup } from '../store/registry-fixture.js';

const PODS = info('pods');
const pod = (name: string, namespace: string): Pod =>
  ({ apiVersion: 'v1', kind: 'Pod', metadata: { name, namespace }, spec: { containers: [{ name: 'c', image: 'podnet/echo' }] } });

function registryWithPods() {
  const { registry } = setup();
  registry.create(PODS, 'default', pod('web', 'default'));
  registry.create(PODS, 'kube-system', pod('dns', 'kube-system'));
  return registry;
}

test('port-forward: a 400 that names podnet port-forward for the pod, with -n outside the default namespace', () => {
  const registry = registryWithPods();
  const rows: [string, string, string][] = [
    ['default', 'web', 'podnet port-forward pod/web LOCAL:REMOTE'],
    ['kube-system', 'dns', 'podnet port-forward -n kube-system pod/dns LOCAL:REMOTE'],
  ];
  for (const [ns, name, command] of rows) {
    const err = unservedPodStream(registry, PODS, ns, name, 'portforward');
    assert.ok(err && isApiError(err, 'BadRequest'), `${ns}/${name}`);
    assert.equal(err.httpCode, 400);
    assert.match(err.message, /does not serve pods\/portforward/);
    assert.ok(err.message.includes(command), err.message);
  }
});

test('attach: a 400 that names podnet exec -it and kubectl run --command with logs', () => {
  const registry = registryWithPods();
  const err = unservedPodStream(registry, PODS, 'kube-system', 'dns', 'attach');
  assert.ok(err && isApiError(err, 'BadRequest'));
  assert.match(err.message, /does not serve pods\/attach/);
  assert.ok(err.message.includes('podnet exec -it -n kube-system dns -- sh'), err.message);
  assert.ok(err.message.includes("--command -- sh -c '...'") && err.message.includes('kubectl logs -n kube-system NAME'), err.message);
});

test('a missing pod is 404 as upstream; other subresources and kinds are not this module\'s', () => {
  const registry = registryWithPods();
  assert.throws(() => unservedPodStream(registry, PODS, 'default', 'nosuch', 'portforward'), (e) => isApiError(e, 'NotFound') && e.message === 'pods "nosuch" not found');
  for (const sub of ['exec', 'log', 'status', 'proxy', undefined]) assert.equal(unservedPodStream(registry, PODS, 'default', 'web', sub), undefined, String(sub));
  assert.equal(unservedPodStream(registry, info('services'), 'default', 'web', 'portforward'), undefined);
});
