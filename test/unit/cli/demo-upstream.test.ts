import { test } from 'node:test';
import assert from 'node:assert/strict';
import { nextSteps, upstreamChoice } from '../../../src/cli/commands/demo.js';

test('the demo names the pod NGINX chose by IP', () => {
  assert.equal(upstreamChoice('10.244.1.5:8080', '10.96.3.4', '10.244.1.5'), "NGINX's balancer chose 10.244.1.5:8080 (ingress-nginx style: a ready pod IP, round robin; the ClusterIP only after the pods fail)");
});

test('the demo says when NGINX went through the ClusterIP and who picked the pod', () => {
  assert.equal(upstreamChoice('10.96.3.4:80', '10.96.3.4', '10.244.0.7'),
    "NGINX sent it to the ClusterIP 10.96.3.4:80 (every pod IP it knew had failed in the last 5 s); the node's nftables DNAT chose 10.244.0.7");
  // a stale pod IP tried first, then the ClusterIP: the last address answered
  assert.equal(upstreamChoice('10.244.0.9:8080, 10.96.3.4:80', '10.96.3.4', '10.244.0.7'),
    "NGINX sent it to the ClusterIP 10.96.3.4:80 (after 10.244.0.9:8080 failed); the node's nftables DNAT chose 10.244.0.7");
});

test('no ready pod: the demo says the controller answered 503', () => {
  assert.equal(upstreamChoice('unix:/etc/nginx/run/no-endpoints.sock', '10.96.3.4', ''), "no ready pod: NGINX's balancer sent it to the controller's own 503 server");
});

test('without an access-log line the demo says it does not know', () => {
  assert.match(upstreamChoice(undefined, '10.96.3.4', '10.244.0.7'), /^NGINX's balancer chose \? /);
});

test('the demo\'s next steps run from this checkout and name a cluster other than the default, so `down` takes down this one', () => {
  assert.deepEqual(nextSteps('podnet', 'node-2', 'ctl').slice(-2), ['./podnet exec -n ingress-nginx ctl -- cat /etc/nginx/nginx.conf', './podnet down']);
  const other = nextSteps('lab', 'node-1', 'ctl');
  assert.equal(other.at(-1), './podnet down --cluster lab');
  assert.equal(other[0], './podnet outside --cluster lab -- curl -s --cacert examples/example-ca.crt https://shop.example.test/');
  assert.ok(other.every((l) => l.includes('--cluster lab')));
  assert.equal(other[2], './podnet trace --cluster lab http://api.shop/ --from db-0 -n shop');
});
