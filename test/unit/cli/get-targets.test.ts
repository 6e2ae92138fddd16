// What `podnet get` fetches for the types it is given: names, short names,
// comma lists, and the category `all`, as kubectl expands it from discovery.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseTargets } from '../../../src/cli/commands/get.js';

const kinds = (...args: string[]) => parseTargets(args).map((t) => t.resource.kind);

test('all: pods, services, deployments and statefulsets, in discovery order', () => {
  assert.deepEqual(kinds('all'), ['Pod', 'Service', 'Deployment', 'StatefulSet']);
  assert.deepEqual(kinds('ALL'), ['Pod', 'Service', 'Deployment', 'StatefulSet']);
});

test('all with other kinds: each kind once, in the order named', () => {
  assert.deepEqual(kinds('ing,all'), ['Ingress', 'Pod', 'Service', 'Deployment', 'StatefulSet']);
  assert.deepEqual(kinds('svc,all'), ['Service', 'Pod', 'Deployment', 'StatefulSet']);
});

test('an unknown type is still refused in kubectl\'s words', () => {
  assert.throws(() => parseTargets(['everything']), /the server doesn't have a resource type "everything"/);
});
