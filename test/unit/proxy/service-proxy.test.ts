// ServiceProxy against a recording runner: when it talks to nft, what it
// sends, and what it does when nft says no.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ProxySyncError } from '../../../src/errors.js';
import { RecordingRunner } from '../../../src/net/runner.js';
import { ServiceProxy } from '../../../src/proxy/service-proxy.js';
import { NODE, service, slice, world } from './fixtures.js';

function setup(answer?: ConstructorParameters<typeof RecordingRunner>[0]) {
  const runner = new RecordingRunner(answer);
  const proxy = new ServiceProxy({ runner, ...NODE });
  const nftCalls = () => runner.calls.filter((c) => c.argv[0] === 'nft' && c.argv[1] === '-f');
  return { runner, proxy, nftCalls };
}

test('service proxy: first sync loads the full table, an identical sync does nothing', async () => {
  // `nft list set ... ruleset-version` fails: no table yet
  const { runner, proxy, nftCalls } = setup((argv) => (argv[1] === 'list' ? { code: 1 } : undefined));
  const w = world();
  const first = await proxy.sync(w.services, w.slices);
  assert.equal(first.applied, 'full');
  assert.match(nftCalls()[0]!.input!, /^add table ip podnet\ndelete table ip podnet\n/);
  assert.match(nftCalls()[0]!.input!, /set ruleset-version \{\n\t\ttype ifname/);
  const again = await proxy.sync(w.services, w.slices);
  assert.equal(again.applied, 'none');
  assert.equal(nftCalls().length, 1);
  assert.ok(runner.calls.every((c) => c.argv[0] === 'nft'), 'no conntrack on start');
});

test('service proxy: an endpoint change is an incremental transaction', async () => {
  const { proxy, nftCalls } = setup((argv) => (argv[1] === 'list' ? { code: 1 } : undefined));
  const w = world();
  await proxy.sync(w.services, w.slices);
  const slices = w.slices.map((s) => (s.metadata.name === 'web-abc' ? slice('web', [{ name: 'http', port: 8080 }], [{ ip: '10.244.0.5' }]) : s));
  const res = await proxy.sync(w.services, slices);
  assert.equal(res.applied, 'incremental');
  const tx = nftCalls()[1]!.input!;
  assert.ok(!tx.includes('delete table'));
  assert.match(tx, /delete element ip podnet service-endpoints-tcp \{\n\t10\.96\.0\.10 \. 80 \. 1\n\}/);
  assert.match(tx, /delete element ip podnet ruleset-version \{ "[0-9a-f]{15}" \}\nadd element ip podnet ruleset-version \{ "[0-9a-f]{15}" \}\n$/);
});

test('service proxy: a restarted agent adopts an identical table untouched', async () => {
  const w = world();
  const { proxy: first, nftCalls } = setup((argv) => (argv[1] === 'list' ? { code: 1 } : undefined));
  await first.sync(w.services, w.slices);
  const version = /ruleset-version \{[^}]*elements = \{\n\t\t\t"([0-9a-f]+)"/.exec(nftCalls()[0]!.input!)?.[1];
  assert.ok(version);
  const { proxy: restarted, nftCalls: calls } = setup((argv) =>
    (argv[1] === 'list' ? { stdout: `table ip podnet {\n\tset ruleset-version {\n\t\ttype ifname\n\t\telements = { "${version}" }\n\t}\n}\n` } : undefined));
  const res = await restarted.sync(w.services, w.slices);
  assert.equal(res.applied, 'none');
  assert.equal(calls().length, 0);
});

test('service proxy: nft rejecting a transaction keeps the last good state and names the Service', async () => {
  let fail = false;
  const { proxy, nftCalls } = setup((argv, input) => {
    if (argv[1] === 'list') return { code: 1 };
    if (!fail || !input) return undefined;
    const line = input.split('\n').findIndex((l) => l.includes('10.96.0.99')) + 1;
    return { code: 1, stderr: `/dev/stdin:${line}:2-30: Error: Could not process rule: Invalid argument\n` };
  });
  const w = world();
  await proxy.sync(w.services, w.slices);
  const good = proxy.model;
  fail = true;
  const bad = [...w.services, service('broken', '10.96.0.99', [{ port: 80 }])];
  const badSlices = [...w.slices, slice('broken', [{ port: 80 }], [{ ip: '10.244.0.30' }])];
  await assert.rejects(proxy.sync(bad, badSlices), (err: unknown) => {
    assert.ok(err instanceof ProxySyncError);
    assert.deepEqual(err.services, ['default/broken']);
    assert.deepEqual(err.service, { namespace: 'default', name: 'broken' });
    assert.match(err.message, /for Service default\/broken/);
    return true;
  });
  assert.equal(proxy.model, good, 'still the last good model');
  // incremental, then the full rebuild attempt: both rejected
  assert.equal(nftCalls().length, 3);
  fail = false;
  assert.equal((await proxy.sync(bad, badSlices)).applied, 'incremental');
});

test('service proxy: removing a UDP endpoint deletes its conntrack entries', async () => {
  const { proxy, runner } = setup((argv) => {
    if (argv[1] === 'list') return { code: 1 };
    if (argv[0] === 'conntrack') return { code: 0, stderr: 'conntrack v1.4.7 (conntrack-tools): 2 flow entries have been deleted.\n' };
    return undefined;
  });
  const svc = [service('dns', '10.96.0.10', [{ port: 53, protocol: 'UDP' }])];
  await proxy.sync(svc, [slice('dns', [{ port: 53, protocol: 'UDP' }], [{ ip: '10.244.0.5' }, { ip: '10.244.0.6' }])]);
  const res = await proxy.sync(svc, [slice('dns', [{ port: 53, protocol: 'UDP' }], [{ ip: '10.244.0.6' }])]);
  assert.equal(res.conntrackDeleted, 2);
  const ct = runner.calls.filter((c) => c.argv[0] === 'conntrack').map((c) => c.argv.join(' '));
  assert.deepEqual(ct, ['conntrack -D -p udp --orig-dst 10.96.0.10 --orig-port-dst 53 --reply-src 10.244.0.5 --reply-port-src 53']);
});

test('service proxy: runs inside the given netns', async () => {
  const runner = new RecordingRunner((argv) => (argv.includes('list') ? { code: 1 } : undefined));
  const proxy = new ServiceProxy({ runner, netns: 'pn-test-node-1', ...NODE });
  await proxy.sync([], []);
  assert.ok(runner.calls.every((c) => c.argv.slice(0, 4).join(' ') === 'ip netns exec pn-test-node-1'));
});
