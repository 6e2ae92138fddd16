// `podnet wait --for=jsonpath=…`: the paths kubectl users write, and what meets them.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { KubeObject } from '../../../src/api/types.js';
import { jsonPathMet, parseJsonPathWait } from '../../../src/cli/commands/wait.js';

const svc = { apiVersion: 'v1', kind: 'Service', metadata: { name: 'web' }, status: { loadBalancer: { ingress: [{ ip: '203.0.113.10' }] } } } as KubeObject;
const pod = { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p' }, status: { phase: 'Running', loadBalancer: {} } } as KubeObject;
const readyPod = {
  apiVersion: 'v1', kind: 'Pod', metadata: { name: 'r' },
  spec: { containers: [{ name: 'a' }, { name: 'b' }] },
  status: { phase: 'Running', podIP: '', restarts: 2, conditions: [{ type: 'PodScheduled', status: 'True' }, { type: 'Ready', status: 'False' }] },
} as KubeObject;

test('jsonpath: braces and the leading dot optional, a value or none, == kept inside the path', () => {
  assert.equal(parseJsonPathWait('{.status.phase}=Running').wanted, 'Running');
  assert.equal(parseJsonPathWait('.status.phase=Running').template.source, '{.status.phase}');
  assert.equal(parseJsonPathWait('status.phase').template.source, '{.status.phase}');
  assert.equal(parseJsonPathWait('{.status.loadBalancer.ingress[0].ip}').wanted, undefined);
  const filter = parseJsonPathWait('{.status.conditions[?(@.type=="Ready")].status}=True');
  assert.deepEqual([filter.template.source, filter.wanted], ['{.status.conditions[?(@.type=="Ready")].status}', 'True']);
  // quotes around the value are dropped, as the shell may leave them
  assert.equal(parseJsonPathWait(`{.status.phase}='Running'`).wanted, 'Running');
});

test('jsonpath: malformed specs fail in kubectl\'s words', () => {
  assert.throws(() => parseJsonPathWait('{}'), /unexpected path string/);
  assert.throws(() => parseJsonPathWait(''), /jsonpath expression cannot be empty/);
  assert.throws(() => parseJsonPathWait('{.status.phase}='), /jsonpath wait has to have a value after equal sign, like --for=jsonpath='\{.status.readyReplicas\}'=3/);
  // != splits at its =, as in kubectl: a filter with != cannot be waited on
  assert.throws(() => parseJsonPathWait('{.a[?(@.b!="c")]}=x'), /jsonpath wait format must be --for=jsonpath='\{.status.readyReplicas\}'=3 or --for=jsonpath='\{.status.readyReplicas\}'/);
  assert.throws(() => parseJsonPathWait('{.status.conditions[}=True'), { code: 'EJSONPATH', message: 'unterminated array' });
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

test('jsonpath: filters pick the condition; values compare as Go prints them', () => {
  const ready = parseJsonPathWait('{.status.conditions[?(@.type=="Ready")].status}=True');
  assert.equal(jsonPathMet(readyPod, ready), false);
  const becameReady = { ...readyPod, status: { ...readyPod.status!, conditions: [{ type: 'Ready', status: 'True' }] } } as KubeObject;
  assert.equal(jsonPathMet(becameReady, ready), true);
  assert.equal(jsonPathMet(readyPod, parseJsonPathWait('{.status.conditions[?(@.type=="Ready")].status}=False')), true);
  assert.equal(jsonPathMet(readyPod, parseJsonPathWait('{.status.conditions[?(@.type=="Missing")].status}=True')), false);
  assert.equal(jsonPathMet(readyPod, parseJsonPathWait('{.status.restarts}=2')), true);
  assert.equal(jsonPathMet(readyPod, parseJsonPathWait('{.spec.containers[-1].name}=b')), true);
  // an empty string is not yet a value to wait for
  assert.equal(jsonPathMet(readyPod, parseJsonPathWait('{.status.podIP}')), false);
});

test('jsonpath: a path with several values or lists is an error, not a wait until the timeout', () => {
  assert.throws(() => jsonPathMet(readyPod, parseJsonPathWait('{.spec.containers[*].name}=a')), /given jsonpath expression matches more than one value/);
  assert.throws(() => jsonPathMet(readyPod, parseJsonPathWait('{.spec.containers[*].name}')), /matches more than one value/);
  assert.throws(() => jsonPathMet(readyPod, parseJsonPathWait('{.spec.containers[5].name}=a')), /array index out of bounds: index 5, length 2/);
});
