import { test } from 'node:test';
import assert from 'node:assert/strict';
import { nextSteps } from '../../../src/cli/commands/demo.js';

test('the demo\'s next steps run from this checkout and name a cluster other than the default, so `down` takes down this one', () => {
  assert.deepEqual(nextSteps('podnet', 'node-2', 'ctl').slice(-2), ['./podnet exec -n ingress-nginx ctl -- cat /etc/nginx/nginx.conf', './podnet down']);
  const other = nextSteps('lab', 'node-1', 'ctl');
  assert.equal(other.at(-1), './podnet down --cluster lab');
  assert.equal(other[0], './podnet outside --cluster lab -- curl -s --cacert examples/example-ca.crt https://shop.example.test/');
  assert.ok(other.every((l) => l.includes('--cluster lab')));
  assert.equal(other[2], './podnet trace --cluster lab http://api.shop/ --from db-0 -n shop');
  assert.equal(other[3], './podnet doctor --cluster lab');
  assert.ok(other.includes('./podnet apply --cluster lab -f examples/gateway/'));
  assert.ok(other.includes("./podnet trace --cluster lab http://store.example.test/ -H 'X-Canary: yes'"));
});
