import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parsePortSpec } from '../../../src/cli/commands/port-forward.js';
import { parseTargets } from '../../../src/cli/commands/get.js';
import { parseDuration } from '../../../src/cli/args.js';

test('port-forward takes kubectl\'s port specs, loopback only', () => {
  assert.deepEqual(parsePortSpec('8080:80'), { address: '127.0.0.1', local: 8080, remote: 80 });
  assert.deepEqual(parsePortSpec('80'), { address: '127.0.0.1', local: 80, remote: 80 });
  assert.deepEqual(parsePortSpec(':80'), { address: '127.0.0.1', local: 0, remote: 80 });
  assert.deepEqual(parsePortSpec('localhost:9000:8080'), { address: '127.0.0.1', local: 9000, remote: 8080 });
  assert.throws(() => parsePortSpec('0.0.0.0:80:80'), /loopback only/);
  assert.throws(() => parsePortSpec('80:99999'), /invalid port specification/);
});

test('get targets: kinds, short names, kind/name pairs', () => {
  assert.deepEqual(parseTargets(['svc,endpointslices']).map((t) => t.resource.plural), ['services', 'endpointslices']);
  assert.deepEqual(parseTargets(['po', 'a', 'b']).map((t) => [t.resource.plural, t.names]), [['pods', ['a', 'b']]]);
  assert.deepEqual(parseTargets(['pod/a', 'svc/b', 'pod/c']).map((t) => [t.resource.plural, t.names]), [['pods', ['a', 'c']], ['services', ['b']]]);
  assert.deepEqual(parseTargets(['deployments.apps']).map((t) => t.resource.kind), ['Deployment']);
  assert.throws(() => parseTargets(['widgets']), /the server doesn't have a resource type "widgets"/);
});

test('durations as kubectl writes them', () => {
  assert.equal(parseDuration('30s'), 30_000);
  assert.equal(parseDuration('2m'), 120_000);
  assert.equal(parseDuration('500ms'), 500);
  assert.equal(parseDuration('5'), 5_000);
  assert.throws(() => parseDuration('soon'), /invalid duration/);
});
