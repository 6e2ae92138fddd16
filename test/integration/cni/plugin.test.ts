// podnet-cni against the real kernel: every test runs the executable through
// the exec protocol inside a throwaway node namespace and inspects the
// namespaces with ip(8) afterwards.

import { test, before, after, describe } from 'node:test';
import assert from 'node:assert/strict';
import { CniError } from '../../../src/errors.js';
import { hostVethName } from '../../../src/cni/names.js';
import { inet, link, links, routes, runner, CNI_MODES, Sandbox, tcpReaches } from './helpers.js';

for (const mode of CNI_MODES) describe(`podnet-cni ${mode}`, () => {
  const box = new Sandbox('p', mode);
  const NODE = 'node';

  before(async () => {
    await box.addNetns(NODE, 'a', 'b', 'c');
  });
  after(async () => {
    await box.cleanup();
  });

  async function rejectsWith(p: Promise<unknown>, code: number, msg?: RegExp): Promise<void> {
    await assert.rejects(p, (e: unknown) => {
      assert.ok(e instanceof CniError, String(e));
      assert.equal(e.cniCode, code, e.message);
      if (msg) assert.match(e.message, msg);
      return true;
    });
  }

  test('VERSION lists the supported spec versions', async () => {
    const out = await box.cni('VERSION', NODE, { config: { cniVersion: '1.0.0', type: 'podnet-cni' } });
    assert.deepEqual(out, { cniVersion: '1.0.0', supportedVersions: ['0.3.0', '0.3.1', '0.4.0', '1.0.0', '1.1.0'] });
  });

  test('ADD two pods: addresses, routes, MTU, link state, hairpin; they reach each other over the bridge', async () => {
    const config = box.config({ dns: { nameservers: ['10.96.0.10'], search: ['default.svc.cluster.local'] } });
    const ra = await box.cni('ADD', NODE, { config, containerId: 'ca', pod: 'a' });
    const rb = await box.cni('ADD', NODE, { config, containerId: 'cb', pod: 'b' });
    assert.deepEqual(Object.keys(ra!), ['cniVersion', 'interfaces', 'ips', 'routes', 'dns']);
    const interfaces = ra!.interfaces as { name: string; mac: string; sandbox?: string }[];
    assert.deepEqual(interfaces.map((i) => i.name), ['cni0', hostVethName('ca', 'eth0'), 'eth0']);
    assert.equal(interfaces[2]!.sandbox, `/run/netns/${box.ns('a')}`);
    assert.deepEqual(ra!.ips, [{ interface: 2, address: '10.244.0.2/24', gateway: '10.244.0.1' }]);
    assert.deepEqual(ra!.routes, [{ dst: '0.0.0.0/0' }]);
    assert.deepEqual(ra!.dns, { nameservers: ['10.96.0.10'], search: ['default.svc.cluster.local'] });
    assert.deepEqual((rb!.ips as { address: string }[])[0]!.address, '10.244.0.3/24');

    const eth0 = await link(box.ns('a'), 'eth0');
    assert.deepEqual(inet(eth0), ['10.244.0.2/24']);
    assert.equal(eth0!.mtu, 1400);
    assert.equal(eth0!.operstate, 'UP');
    assert.equal(eth0!.address, interfaces[2]!.mac);
    assert.ok((await link(box.ns('a'), 'lo'))!.flags!.includes('UP'));
    assert.deepEqual((await routes(box.ns('a'))).find((r) => r.dst === 'default'), { dst: 'default', gateway: '10.244.0.1', dev: 'eth0', flags: [] });

    const bridge = await link(box.ns(NODE), 'cni0');
    assert.deepEqual(inet(bridge), ['10.244.0.1/24']);
    assert.equal(bridge!.address, interfaces[0]!.mac);
    const host = await link(box.ns(NODE), hostVethName('ca', 'eth0'));
    assert.equal(host!.master, 'cni0');
    if (mode === 'resident') assert.match(box.serverLog(NODE), /ADD default\/ca container=ca/, 'the resident server served the ADD');
    assert.equal(host!.mtu, 1400);
    assert.equal(host!.linkinfo?.info_slave_data?.hairpin, true);
    assert.ok(host!.flags!.includes('UP'));

    assert.ok(await tcpReaches(box.ns('a'), box.ns('b'), '10.244.0.3'), 'pod a reaches pod b');
    assert.ok(await tcpReaches(box.ns('b'), box.ns(NODE), '10.244.0.1', 7001), 'pod b reaches its gateway');
    assert.deepEqual(box.ipFiles(), ['10.244.0.2', '10.244.0.3']);
  });

  test('CHECK passes on an intact attachment and fails once the interface is down', async () => {
    const config = box.config();
    const prev = await box.cni('ADD', NODE, { config, containerId: 'cc', pod: 'c' });
    await box.cni('CHECK', NODE, { config: { ...config, prevResult: prev }, containerId: 'cc', pod: 'c' });
    await rejectsWith(box.cni('CHECK', NODE, { config, containerId: 'cc', pod: 'c' }), 7, /prevResult missing/);
    await runner.run(['ip', 'link', 'set', 'dev', 'eth0', 'down'], { netns: box.ns('c') });
    await rejectsWith(box.cni('CHECK', NODE, { config: { ...config, prevResult: prev }, containerId: 'cc', pod: 'c' }), 102, /is down/);
    await box.cni('DEL', NODE, { config, containerId: 'cc', pod: 'c' });
  });

  test('ADD twice for the same container and ifname is refused and changes nothing', async () => {
    const config = box.config();
    const before = box.ipFiles();
    await rejectsWith(box.cni('ADD', NODE, { config, containerId: 'ca', pod: 'a' }), 100, /duplicate allocation/);
    assert.deepEqual(box.ipFiles(), before);
    assert.deepEqual(inet(await link(box.ns('a'), 'eth0')), ['10.244.0.2/24']);
  });

  test('DEL removes the veth and releases the address; a second DEL succeeds', async () => {
    const config = box.config();
    await box.cni('DEL', NODE, { config, containerId: 'cb', pod: 'b' });
    assert.equal(await link(box.ns(NODE), hostVethName('cb', 'eth0')), undefined);
    assert.equal(await link(box.ns('b'), 'eth0'), undefined);
    assert.ok(!box.ipFiles().includes('10.244.0.3'));
    await box.cni('DEL', NODE, { config, containerId: 'cb', pod: 'b' });
    await box.cni('DEL', NODE, { config, containerId: 'never-added', pod: 'b' });
  });

  test('DEL after the pod netns is gone succeeds and still releases the address', async () => {
    const config = box.config();
    await box.addNetns('gone');
    await box.cni('ADD', NODE, { config, containerId: 'cg', pod: 'gone' });
    const held = box.ipFiles();
    await box.delNetns('gone');
    await box.cni('DEL', NODE, { config, containerId: 'cg', pod: 'gone' });
    await box.cni('DEL', NODE, { config, containerId: 'cg' }); // no CNI_NETNS at all
    assert.equal(box.ipFiles().length, held.length - 1);
    assert.equal(await link(box.ns(NODE), hostVethName('cg', 'eth0')), undefined);
  });

  test('a failed ADD leaves no veth and no address behind', async () => {
    const config = box.config();
    const before = { files: box.ipFiles(), links: (await links(box.ns(NODE))).map((l) => l.ifname).sort() };
    // the netns does not exist
    await rejectsWith(box.cni('ADD', NODE, { config, containerId: 'cx', netns: `/run/netns/${box.ns('missing')}` }), 3);
    // the interface name is taken inside the pod: fails after the veth was created, so it is rolled back
    await rejectsWith(box.cni('ADD', NODE, { config, containerId: 'cy', pod: 'a', ifName: 'eth0' }), 101, /name the sandbox interface eth0/);
    assert.deepEqual(box.ipFiles(), before.files);
    assert.deepEqual((await links(box.ns(NODE))).map((l) => l.ifname).sort(), before.links);
    assert.deepEqual(inet(await link(box.ns('a'), 'eth0')), ['10.244.0.2/24'], 'the existing interface is untouched');
  });

  test('malformed input: error JSON with the spec code, non-zero exit, nothing created', async () => {
    await box.addNetns('fresh-node', 'fresh-pod');
    const pod = { containerId: 'cm', netns: `/run/netns/${box.ns('fresh-pod')}` };
    await rejectsWith(box.cni('ADD', 'fresh-node', { config: { ...box.config(), mtu: 'big' }, ...pod }), 7, /invalid mtu/);
    await rejectsWith(box.cni('ADD', 'fresh-node', { config: { ...box.config(), cniVersion: '0.1.0' }, ...pod }), 1, /incompatible CNI versions/);
    await rejectsWith(box.cni('ADD', 'fresh-node', { config: { ...box.config(), ipMasq: true }, ...pod }), 2, /ipMasq/);
    // raw bytes that are not JSON, through the executable directly
    const res = await runner.run([`${box.pluginDir}/podnet-cni`], {
      netns: box.ns('fresh-node'), input: '{not json', allowFailure: true,
      env: { PATH: process.env.PATH, ...(await box.shimEnv('fresh-node')), CNI_COMMAND: 'ADD', CNI_CONTAINERID: 'cm', CNI_NETNS: pod.netns, CNI_IFNAME: 'eth0', CNI_PATH: box.pluginDir },
    });
    assert.notEqual(res.code, 0);
    const err = JSON.parse(res.stdout) as { code: number; msg: string; cniVersion: string };
    assert.equal(err.code, 6);
    assert.match(err.msg, /error unmarshalling network config/);
    const missingEnv = await runner.run([`${box.pluginDir}/podnet-cni`], { netns: box.ns('fresh-node'), input: '{}', allowFailure: true, env: { PATH: process.env.PATH, ...(await box.shimEnv('fresh-node')), CNI_COMMAND: 'ADD' } });
    assert.equal((JSON.parse(missingEnv.stdout) as { code: number }).code, 4);
    assert.deepEqual((await links(box.ns('fresh-node'))).map((l) => l.ifname), ['lo']);
    assert.deepEqual((await links(box.ns('fresh-pod'))).map((l) => l.ifname), ['lo']);
  });

  test('run outside a podnet namespace, the plugin refuses (sealed network)', async () => {
    const res = await runner.run([`${box.pluginDir}/podnet-cni`], {
      input: JSON.stringify(box.config()), allowFailure: true,
      // resident mode: the node's server declines a caller from another namespace, and the shim runs standalone
      env: { PATH: process.env.PATH, ...(await box.shimEnv(NODE)), CNI_COMMAND: 'DEL', CNI_CONTAINERID: 'x', CNI_IFNAME: 'eth0', CNI_PATH: box.pluginDir },
    });
    assert.equal((JSON.parse(res.stdout) as { code: number }).code, 103);
  });

  test('exhaustion of a /29: five pods, then code 50 with the range; STATUS reports it too', async () => {
    const config = box.config({ name: `${box.prefix}-small`, bridge: 'cni1' }, { subnet: '10.250.0.0/29' });
    const pods = ['x1', 'x2', 'x3', 'x4', 'x5', 'x6'];
    await box.addNetns(...pods);
    await box.cni('STATUS', NODE, { config });
    for (const p of pods.slice(0, 5)) await box.cni('ADD', NODE, { config, containerId: p, pod: p });
    await rejectsWith(box.cni('ADD', NODE, { config, containerId: 'x6', pod: 'x6' }), 50, /no IP addresses available in range set: 10\.250\.0\.1-10\.250\.0\.6/);
    await rejectsWith(box.cni('STATUS', NODE, { config }), 50, /no IP addresses available/);
    assert.equal(await link(box.ns('x6'), 'eth0'), undefined);
    assert.equal(box.ipFiles(`${box.prefix}-small`).length, 5);
    await box.cni('DEL', NODE, { config, containerId: 'x1', pod: 'x1' });
    await box.cni('STATUS', NODE, { config });
  });

  test('GC releases allocations and host veths of attachments not listed as valid', async () => {
    const config = box.config({ name: `${box.prefix}-small`, bridge: 'cni1' }, { subnet: '10.250.0.0/29' });
    const keep = [{ containerID: 'x2', ifname: 'eth0' }, { containerID: 'x3', ifname: 'eth0' }];
    await box.cni('GC', NODE, { config: { ...config, 'cni.dev/valid-attachments': keep } });
    assert.deepEqual(box.ipFiles(`${box.prefix}-small`), ['10.250.0.3', '10.250.0.4']);
    const ports = (await links(box.ns(NODE))).filter((l) => l.master === 'cni1').map((l) => l.ifname).sort();
    assert.deepEqual(ports, [hostVethName('x2', 'eth0'), hostVethName('x3', 'eth0')].sort());
    await rejectsWith(box.cni('GC', NODE, { config: { ...config, cniVersion: '1.0.0', 'cni.dev/valid-attachments': [] } }), 1, /does not allow GC/);
    await box.cni('GC', NODE, { config: { ...config, 'cni.dev/valid-attachments': [] } });
    assert.deepEqual(box.ipFiles(`${box.prefix}-small`), []);
  });
});
