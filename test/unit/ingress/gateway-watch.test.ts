import { test } from 'node:test';
import assert from 'node:assert/strict';
import { statusPatch } from '../../../src/ingress/gateway-watch.js';

test('statusPatch: fields the next status leaves out are removed with null (a merge patch would keep them)', () => {
  const current = { addresses: [{ type: 'IPAddress', value: '203.0.113.10' }], conditions: [{ type: 'Programmed', status: 'True' }] };
  const next = { conditions: [{ type: 'Programmed', status: 'False' }] };
  assert.deepEqual(statusPatch(current, next), { conditions: next.conditions, addresses: null });
  assert.deepEqual(statusPatch(undefined, next), next);
});
