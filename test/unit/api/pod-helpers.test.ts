import { test } from 'node:test';
import assert from 'node:assert/strict';
import { isPodAvailable, msUntilAvailable } from '../../../src/api/pod-helpers.js';
import type { Pod } from '../../../src/api/types.js';

const pod = (ready: 'True' | 'False' | undefined, since?: string): Pod => ({
  apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p' }, spec: { containers: [] },
  status: ready ? { conditions: [{ type: 'Ready', status: ready, ...(since ? { lastTransitionTime: since } : {}) }] } : {},
});
const NOW = Date.parse('2026-11-27T12:00:10Z');

test('available = Ready for minReadySeconds, from the Ready condition\'s transition time', () => {
  assert.equal(msUntilAvailable(pod(undefined), 5, NOW), -1);
  assert.equal(msUntilAvailable(pod('False', '2026-11-27T12:00:00Z'), 5, NOW), -1);
  assert.equal(msUntilAvailable(pod('True', '2026-11-27T12:00:00Z'), 0, NOW), 0);
  assert.equal(msUntilAvailable(pod('True', '2026-11-27T12:00:00Z'), 30, NOW), 20_000);
  assert.equal(msUntilAvailable(pod('True', '2026-11-27T12:00:00Z'), 10, NOW), 0);
  assert.equal(msUntilAvailable(pod('True'), 30, NOW), 0, 'no transition time: counted as available, as upstream');
  assert.equal(isPodAvailable(pod('True', '2026-11-27T12:00:00Z'), 30, NOW), false);
  assert.equal(isPodAvailable(pod('True', '2026-11-27T12:00:00Z'), 30, NOW + 20_000), true);
});
