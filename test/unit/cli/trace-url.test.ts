import { test } from 'node:test';
import assert from 'node:assert/strict';
import { checkSource, traceURL } from '../../../src/trace/url.js';

test('trace URLs: a bare host is http, HTTP, HTTPS and tcp:// with a port only, IPv4 only', () => {
  assert.equal(traceURL('api.shop/orders?x=1').href, 'http://api.shop/orders?x=1');
  assert.equal(traceURL('https://shop.example.test').href, 'https://shop.example.test/');
  assert.throws(() => traceURL('ftp://x/'), /follows HTTP and HTTPS requests and tcp:\/\/HOST:PORT connections, not ftp/);
  assert.equal(traceURL('tcp://db.shop:5432').port, '5432');
  assert.throws(() => traceURL('tcp://db.shop'), /a tcp:\/\/ URL needs a port: tcp:\/\/db\.shop:PORT/);
  assert.throws(() => traceURL('http://[::1]/'), /IPv4 only .*\[::1\]/);
  assert.throws(() => traceURL('http://exa mple/'), /invalid URL/);
});

test('a node is no source of a trace: exec node/NAME runs there', () => {
  assert.throws(() => checkSource('node/node-1'), /--from takes the outside client or a pod .*podnet exec node\/node-1 -- curl -v URL/);
  assert.doesNotThrow(() => checkSource('deploy/api'));
});
