import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ProxyHealth } from '../../../src/proxy/proxy-status.js';

test('ProxyHealth: unhealthy until the first sync; a change waiting longer than 60 s for a sync makes it unhealthy; one queued during a sync still waits', () => {
  let now = 1_000_000;
  const h = new ProxyHealth(() => now);
  assert.equal(h.healthy(), false);
  assert.equal(JSON.parse(h.body(true)).lastUpdated, '');
  h.synced(5, now);
  assert.equal(h.healthy(), true);
  h.queued();
  now += 59_000;
  assert.equal(h.healthy(), true);
  now += 2_000;
  assert.equal(h.healthy(), false);
  const started = now;
  now += 10;
  h.synced(10, started);
  assert.equal(h.healthy(), true);
  // queued after the sync started: the sync that ends did not carry it
  const startedAgain = now;
  now += 1;
  h.queued();
  now += 1;
  h.synced(2, startedAgain);
  now += 61_000;
  assert.equal(h.healthy(), false);
  assert.deepEqual(Object.keys(JSON.parse(h.body(true))), ['lastUpdated', 'currentTime', 'nodeEligible']);
  assert.deepEqual(Object.keys(JSON.parse(h.body(false))), ['lastUpdated', 'currentTime']);
});

test('ProxyHealth metrics: kube-proxy\'s sync duration histogram (cumulative buckets from 1 ms) and last sync time', () => {
  const h = new ProxyHealth(() => 2_000_000);
  h.synced(3, 0);
  h.synced(40, 0);
  const m = h.metrics();
  assert.match(m, /^kubeproxy_sync_proxy_rules_duration_seconds_bucket\{le="0\.001"\} 0$/m);
  assert.match(m, /^kubeproxy_sync_proxy_rules_duration_seconds_bucket\{le="0\.004"\} 1$/m);
  assert.match(m, /^kubeproxy_sync_proxy_rules_duration_seconds_bucket\{le="0\.064"\} 2$/m);
  assert.match(m, /^kubeproxy_sync_proxy_rules_duration_seconds_bucket\{le="\+Inf"\} 2$/m);
  assert.match(m, /^kubeproxy_sync_proxy_rules_duration_seconds_count 2$/m);
  assert.match(m, /^kubeproxy_sync_proxy_rules_last_timestamp_seconds 2000$/m);
});
