// A pod's QoS class (qos.ComputePodQOS / GetPodQOS), as rows of containers → class.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { computePodQOS, podQOSClass, type PodQOSClass } from '../../../src/api/pod-qos.js';
import type { Container, Pod, ResourceRequirements } from '../../../src/api/types.js';

const c = (resources?: ResourceRequirements): Container => ({ name: 'c', image: 'podnet/echo', ...(resources ? { resources } : {}) });
const both = (cpu: string, memory: string) => ({ cpu, memory });

const ROWS: [why: string, containers: Container[], initContainers: Container[], qos: PodQOSClass][] = [
  ['no requests or limits anywhere', [c(), c({})], [], 'BestEffort'],
  ['requests equal limits for cpu and memory', [c({ requests: both('500m', '128Mi'), limits: both('500m', '128Mi') })], [], 'Guaranteed'],
  ['equal in other notations: 1 = 1000m, 1Gi = 1073741824', [c({ requests: both('1', '1Gi'), limits: both('1000m', '1073741824') })], [], 'Guaranteed'],
  ['limits alone (as sent, before the API server copies them into requests)', [c({ limits: both('1', '1Gi') })], [], 'Burstable'],
  ['requests below the limits', [c({ requests: both('250m', '64Mi'), limits: both('500m', '128Mi') })], [], 'Burstable'],
  ['only cpu is limited', [c({ requests: { cpu: '1' }, limits: { cpu: '1' } })], [], 'Burstable'],
  ['only a request', [c({ requests: { memory: '64Mi' } })], [], 'Burstable'],
  ['one container of two has nothing', [c({ requests: both('1', '1Gi'), limits: both('1', '1Gi') }), c()], [], 'Burstable'],
  ['zero amounts count as unset', [c({ requests: both('0', '0'), limits: both('0m', '0Mi') })], [], 'BestEffort'],
  ['a zero request beside equal limits is a missing request', [c({ requests: both('0', '1Gi'), limits: both('1', '1Gi') })], [], 'Burstable'],
  ['extended resources and ephemeral storage do not count', [c({ requests: { 'example.com/gpu': '1', 'ephemeral-storage': '1Gi' }, limits: { 'example.com/gpu': '1' } })], [], 'BestEffort'],
  ['an init container that requests makes a pod without other resources Burstable', [c()], [c({ requests: { cpu: '100m' } })], 'Burstable'],
  ['an init container without limits spoils Guaranteed', [c({ requests: both('1', '1Gi'), limits: both('1', '1Gi') })], [c()], 'Burstable'],
  ['init containers limited like the rest keep Guaranteed', [c({ requests: both('1', '1Gi'), limits: both('1', '1Gi') })], [c({ requests: both('100m', '8Mi'), limits: both('100m', '8Mi') })], 'Guaranteed'],
  // upstream compares the pod's sums, not each container's pair
  ['sums equal though each container differs', [c({ requests: both('1', '1Gi'), limits: both('2', '1Gi') }), c({ requests: both('2', '1Gi'), limits: both('1', '1Gi') })], [], 'Guaranteed'],
];

for (const [why, containers, initContainers, qos] of ROWS) {
  test(`QoS: ${why} → ${qos}`, () => {
    assert.equal(computePodQOS({ containers, ...(initContainers.length > 0 ? { initContainers } : {}) }), qos);
  });
}

test('QoS: garbage in the spec is no resource at all (it runs before validation)', () => {
  assert.equal(computePodQOS(undefined), 'BestEffort');
  assert.equal(computePodQOS({ containers: 'x' }), 'BestEffort');
  assert.equal(computePodQOS({ containers: [null, { resources: 'x' }, { resources: { limits: { cpu: 'lots', memory: {} } } }] }), 'BestEffort');
});

test('QoS: the stored status.qosClass wins over the spec; an empty one is worked out', () => {
  const pod = (status: unknown): Pod => ({ apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p' }, spec: { containers: [c()] }, status } as Pod);
  assert.equal(podQOSClass(pod({ phase: 'Running', qosClass: 'Guaranteed' })), 'Guaranteed');
  assert.equal(podQOSClass(pod({ phase: 'Running', qosClass: '' })), 'BestEffort');
  assert.equal(podQOSClass(pod(undefined)), 'BestEffort');
  assert.equal(podQOSClass(pod('garbage')), 'BestEffort');
});
