import { test } from 'node:test';
import assert from 'node:assert/strict';
import { templateHash } from '../../../src/controllers/template-hash.js';
import { sameStatus } from '../../../src/controllers/deployment.js';
import type { PodTemplateSpec } from '../../../src/api/types.js';

// Pinned: running pods carry the hash in their pod-template-hash label, so a
// change of the text hashed would roll out every Deployment after an upgrade.
test('templateHash is stable across releases and key order', () => {
  const t1 = {
    metadata: { labels: { app: 'web', tier: 'x' }, annotations: { 'a/b': 'q"uote' } },
    spec: { containers: [{ name: 'echo', image: 'podnet/echo', ports: [{ name: 'http', containerPort: 8080 }], env: [{ name: 'E', value: 'ü' }], args: [] }], nodeSelector: { z: '1', a: '2' }, terminationGracePeriodSeconds: 0, hostNetwork: false, x: null },
  } as unknown as PodTemplateSpec;
  const t2 = { metadata: { labels: { app: 'a' } }, spec: { containers: [{ name: 'c', image: 'i' }] } } as unknown as PodTemplateSpec;
  assert.equal(templateHash(t1), '888mcdpd9t');
  assert.equal(templateHash(t2), 'jhwgc6prks');
  const reordered = { spec: { containers: [{ image: 'i', name: 'c' }] }, metadata: { labels: { app: 'a' } } } as unknown as PodTemplateSpec;
  assert.equal(templateHash(reordered), 'jhwgc6prks');
});

const cond = (type: string, status: string, t: string) => ({ type, status, lastTransitionTime: t, lastUpdateTime: t });

const statusCases: [string, unknown, unknown, boolean][] = [
  ['both absent', undefined, undefined, true],
  ['absent vs empty', undefined, {}, false],
  ['only condition times differ', { replicas: 1, conditions: [cond('Available', 'True', 'a')] }, { replicas: 1, conditions: [cond('Available', 'True', 'b')] }, true],
  ['a condition status differs', { conditions: [cond('Available', 'True', 'a')] }, { conditions: [cond('Available', 'False', 'a')] }, false],
  ['a count differs', { replicas: 1 }, { replicas: 2 }, false],
  ['undefined-valued key = absent key', { replicas: 1, observedGeneration: undefined }, { replicas: 1 }, true],
  ['a key only on one side', { replicas: 1 }, { replicas: 1, readyReplicas: 0 }, false],
  ['another number of conditions', { conditions: [] }, { conditions: [cond('Available', 'True', 'a')] }, false],
  ['key order does not count', { replicas: 1, readyReplicas: 0 }, { readyReplicas: 0, replicas: 1 }, true],
];

for (const [name, a, b, want] of statusCases) {
  test(`sameStatus: ${name}`, () => {
    assert.equal(sameStatus(a, b), want);
    assert.equal(sameStatus(b, a), want);
  });
}
