// `podnet wait --for=jsonpath=…`: the paths kubectl users write, and what meets them.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { KubeObject } from '../../../src/api/types.js';
import { jsonPathMet, parseJsonPathWait } from '../../../src/cli/commands/wait.js';

const svc = { apiVersion: 'v1', kind: 'Service', metadata: { name: 'web' }, status: { loadBalancer: { ingress: [{ ip: '203.0.113.10' }] } } } as KubeObject;
const pod = { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p' }, status: { phase: 'Running', loadBalancer: {} } } as KubeObject;

test('jsonpath: braces optional, fields and indices, a value or none', () => {
  assert.deepEqual(parseJsonPathWait('{.status.phase}=Running'), { path: ['status', 'phase'], wanted: 'Running' });
  assert.deepEqual(parseJsonPathWait('.status.phase=Running'), { path: ['status', 'phase'], wanted: 'Running' });
  assert.deepEqual(parseJsonPathWait('{.status.loadBalancer.ingress[0].ip}'), { path: ['status', 'loadBalancer', 'ingress', 0, 'ip'] });
  assert.throws(() => parseJsonPathWait('{.status.conditions[?(@.type=="Ready")].status}=True'), /unrecognized jsonpath/);
  assert.throws(() => parseJsonPathWait('{}'), /must not be empty/);
});

test('jsonpath: met when the value is equal, or (without a value) present and not empty', () => {
  assert.equal(jsonPathMet(pod, parseJsonPathWait('{.status.phase}=Running')), true);
  assert.equal(jsonPathMet(pod, parseJsonPathWait('{.status.phase}=Pending')), false);
  assert.equal(jsonPathMet(svc, parseJsonPathWait('{.status.loadBalancer.ingress[0].ip}=203.0.113.10')), true);
  assert.equal(jsonPathMet(svc, parseJsonPathWait('{.status.loadBalancer.ingress}')), true);
  assert.equal(jsonPathMet(pod, parseJsonPathWait('{.status.loadBalancer}')), false);
  assert.equal(jsonPathMet(pod, parseJsonPathWait('{.status.podIP}')), false);
  assert.throws(() => jsonPathMet(svc, parseJsonPathWait('{.status.loadBalancer}=x')), /single value/);
});
