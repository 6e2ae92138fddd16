import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { Node, Service } from '../../../src/api/types.js';
import { LbAgent } from '../../../src/cloud/lb-agent.js';
import type { LbStatus } from '../../../src/cloud/lb-status.js';
import { RecordingRunner } from '../../../src/net/runner.js';
import { FakeClock, FakeInformers, lbNode, lbService, settle } from './fakes.js';

function dnatMap(ruleset: string | undefined): string | undefined {
  return /numgen random mod \d+ map ({[^}]*})/.exec(ruleset ?? '')?.[1];
}

test('agent: the table follows health; one nft transaction per change; logs and status file', async () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'podnet-lb-agent-'));
  try {
    const informers = new FakeInformers();
    informers.fake<Service>('services').set(lbService('web', {}, ['203.0.113.10']));
    informers.fake<Node>('nodes').set(lbNode('node-1', '172.18.0.2'));
    informers.fake<Node>('nodes').set(lbNode('node-2', '172.18.0.3'));
    const down = new Set<string>();
    const clock = new FakeClock();
    const runner = new RecordingRunner();
    const logs: string[] = [];
    const agent = new LbAgent({
      informers, runner, clock, statusPath: path.join(dir, 'lb-status.json'), log: (l) => logs.push(l),
      prober: async (t) => (down.has(t.nodeIP) ? { ok: false, detail: 'ECONNREFUSED' } : { ok: true, detail: 'connected' }),
    });
    await agent.start();
    assert.equal(runner.calls.length, 1);
    assert.deepEqual(runner.calls[0]!.argv, ['nft', '-f', '-']);
    assert.equal(dnatMap(agent.ruleset), '{ 0 : 172.18.0.2 . 30080, 1 : 172.18.0.3 . 30080 }');

    down.add('172.18.0.3');
    await clock.advance(2000);
    await settle();
    assert.equal(dnatMap(agent.ruleset), '{ 0 : 172.18.0.2 . 30080 }');
    assert.equal(runner.calls.length, 2);
    assert.ok(logs.includes('lb: default/web node-2 unhealthy (tcp 172.18.0.3:30080: ECONNREFUSED)'), logs.join('\n'));
    assert.ok(logs.includes('lb: default/web 203.0.113.10:80/tcp -> node-1 172.18.0.2:30080'), logs.join('\n'));
    const status = JSON.parse(readFileSync(path.join(dir, 'lb-status.json'), 'utf8')) as LbStatus;
    assert.deepEqual(status.frontends[0]!.targets.map((t) => [t.node, t.state, t.inService, t.check, t.detail]), [
      ['node-1', 'healthy', true, 'tcp 172.18.0.2:30080', 'connected'],
      ['node-2', 'unhealthy', false, 'tcp 172.18.0.3:30080', 'ECONNREFUSED'],
    ]);

    down.add('172.18.0.2');
    await clock.advance(2000);
    await settle();
    assert.equal(dnatMap(agent.ruleset), undefined);
    assert.match(agent.ruleset!, /set serving {\n\t\ttype ipv4_addr \. inet_proto \. inet_service\n\t}/);
    assert.ok(logs.includes('lb: default/web 203.0.113.10:80/tcp -> no healthy node: rejecting'));

    // Nothing changes → nothing is applied (node heartbeats update Nodes every 2 s).
    const before = runner.calls.length;
    informers.fake<Node>('nodes').set(lbNode('node-1', '172.18.0.2'));
    await clock.advance(3000);
    await settle();
    assert.equal(runner.calls.length, before);

    informers.fake<Service>('services').remove('default', 'web');
    await settle();
    assert.doesNotMatch(agent.ruleset!, /203\.0\.113\.10/);
    agent.stop();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('agent: only Services it serves wake it; a type change to or from LoadBalancer does', async () => {
  const informers = new FakeInformers();
  const services = informers.fake<Service>('services');
  services.set(lbService('web', {}, ['203.0.113.10']));
  informers.fake<Node>('nodes').set(lbNode('node-1', '172.18.0.2'));
  let syncs = 0;
  const list = services.list.bind(services);
  services.list = (ns?: string) => { syncs++; return list(ns); };
  const agent = new LbAgent({ informers, runner: new RecordingRunner(), clock: new FakeClock(), log: () => {}, prober: async () => ({ ok: true, detail: 'connected' }) });
  await agent.start();
  const afterStart = syncs;
  for (let i = 0; i < 50; i++) services.set(lbService(`plain-${i}`, { type: 'ClusterIP' }));
  services.set(lbService('plain-0', { type: 'ClusterIP', ports: [{ port: 81, protocol: 'TCP' }] }));
  services.remove('default', 'plain-1');
  await settle();
  assert.equal(syncs, afterStart, 'ClusterIP Services cause no sync');
  services.set(lbService('plain-2', {}, ['203.0.113.11'])); // ClusterIP → LoadBalancer
  await settle();
  assert.ok(syncs > afterStart, 'a new LoadBalancer Service does');
  assert.match(agent.ruleset!, /203\.0\.113\.11/);
  const before = syncs;
  services.set(lbService('plain-2', { type: 'ClusterIP' })); // and back
  await settle();
  assert.ok(syncs > before);
  assert.doesNotMatch(agent.ruleset!, /203\.0\.113\.11/);
  agent.stop();
});
