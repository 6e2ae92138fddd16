import { test } from 'node:test';
import assert from 'node:assert/strict';
import { decodeConfig, parseNetConf } from '../../../src/cni/netconf.js';
import { requireVersion, renderResult } from '../../../src/cni/version.js';
import { nodeNetworkConfig } from '../../../src/cni/config.js';
import { CniError } from '../../../src/errors.js';

const minimal = { cniVersion: '1.1.0', name: 'net1', type: 'podnet-cni', ipam: { type: 'host-local', subnet: '10.244.0.0/24' } };

function code(fn: () => unknown): [number, string] {
  try {
    fn();
  } catch (e) {
    if (e instanceof CniError) return [e.cniCode, e.msg];
    throw e;
  }
  return [0, ''];
}

test('defaults: cni0, isGateway, mtu 1500, hairpin, host-local data dir, default route', () => {
  const c = parseNetConf(minimal);
  assert.equal(c.bridge, 'cni0');
  assert.equal(c.isGateway, true);
  assert.equal(c.mtu, 1500);
  assert.equal(c.hairpinMode, true);
  assert.equal(c.ipam.dataDir, '/var/lib/cni/networks');
  assert.deepEqual(c.ipam.routes, [{ dst: '0.0.0.0/0' }]);
  assert.deepEqual(c.dns, {});
});

test('accepted variants', () => {
  assert.equal(parseNetConf({ ...minimal, type: 'podnet' }).type, 'podnet');
  const ranges = parseNetConf({ ...minimal, ipam: { type: 'host-local', ranges: [[{ subnet: '10.1.0.0/24', gateway: '10.1.0.254' }]], routes: [] } });
  assert.deepEqual(ranges.ipam.range, { subnet: '10.1.0.0/24', gateway: '10.1.0.254' });
  assert.deepEqual(ranges.ipam.routes, []);
  const withGc = parseNetConf({ ...minimal, 'cni.dev/attachments': [{ containerID: 'a', ifname: 'eth0' }] });
  assert.deepEqual(withGc.validAttachments, [{ containerID: 'a', ifname: 'eth0' }]);
});

test('decode failures are code 6', () => {
  for (const text of ['{bad', '[]', '"x"', '']) assert.equal(code(() => decodeConfig(text))[0], 6, text);
});

test('invalid network configurations: code 7 (2 for ipMasq), message names the field', () => {
  const rows: [Record<string, unknown>, number, RegExp][] = [
    [{ ...minimal, name: '' }, 7, /name is required/],
    [{ ...minimal, name: '-x' }, 7, /invalid network name/],
    [{ ...minimal, type: 'bridge' }, 7, /unexpected plugin type "bridge"/],
    [{ ...minimal, mtu: 10 }, 7, /invalid mtu 10/],
    [{ ...minimal, mtu: '1500' }, 7, /invalid mtu/],
    [{ ...minimal, bridge: 'a/b' }, 7, /invalid bridge name/],
    [{ ...minimal, isGateway: 'yes' }, 7, /isGateway must be a boolean/],
    [{ ...minimal, ipam: undefined }, 7, /ipam is required/],
    [{ ...minimal, ipam: { type: 'dhcp', subnet: '10.0.0.0/24' } }, 7, /unsupported ipam type "dhcp"/],
    [{ ...minimal, ipam: { type: 'host-local' } }, 7, /ipam.subnet is required/],
    [{ ...minimal, ipam: { type: 'host-local', subnet: '10.0.0.0/33' } }, 7, /invalid ipam subnet/],
    [{ ...minimal, ipam: { type: 'host-local', subnet: '10.0.0.0/24', dataDir: 'rel' } }, 7, /absolute path/],
    [{ ...minimal, ipam: { type: 'host-local', subnet: '10.0.0.0/24', routes: [{ dst: 'x' }] } }, 7, /routes\[0\].dst/],
    [{ ...minimal, ipam: { type: 'host-local', ranges: [[{ subnet: '10.0.0.0/24' }], [{ subnet: '10.1.0.0/24' }]] } }, 7, /exactly one range set/],
    [{ ...minimal, dns: { nameservers: 'x' } }, 7, /dns.nameservers/],
    [{ ...minimal, 'cni.dev/valid-attachments': [{ containerID: 1 }] }, 7, /valid-attachments\[0\]/],
    [{ ...minimal, ipMasq: true }, 2, /ipMasq: true/],
  ];
  for (const [conf, want, msg] of rows) {
    const [got, text] = code(() => parseNetConf(conf));
    assert.equal(got, want, JSON.stringify(conf));
    assert.match(text, msg);
  }
});

test('versions: supported set, and commands newer than the config (code 1)', () => {
  const rows: [string, string, string | undefined][] = [
    ['1.1.0', 'ADD', undefined],
    ['0.3.1', 'ADD', undefined],
    ['0.3.1', 'CHECK', 'config version does not allow CHECK'],
    ['1.0.0', 'GC', 'config version does not allow GC'],
    ['1.0.0', 'STATUS', 'config version does not allow STATUS'],
    ['0.2.0', 'ADD', 'incompatible CNI versions; config is "0.2.0", plugin supports [0.3.0 0.3.1 0.4.0 1.0.0 1.1.0]'],
    ['', 'DEL', 'incompatible CNI versions; config is "", plugin supports [0.3.0 0.3.1 0.4.0 1.0.0 1.1.0]'],
  ];
  for (const [v, cmd, msg] of rows) {
    const [got, text] = code(() => requireVersion(v, cmd));
    assert.equal(got, msg ? 1 : 0, `${v} ${cmd}`);
    if (msg) assert.equal(text, msg);
  }
});

test('renderResult: 1.x shape, and ips[].version for 0.3.x/0.4.0', () => {
  const result = {
    interfaces: [{ name: 'cni0', mac: '02:00:00:00:00:01' }, { name: 'veth0', mac: '02:00:00:00:00:02' }, { name: 'eth0', mac: '02:00:00:00:00:03', sandbox: '/run/netns/p' }],
    ips: [{ address: '10.244.0.5/24', gateway: '10.244.0.1', interface: 2 }],
    routes: [{ dst: '0.0.0.0/0' }],
    dns: {},
  };
  assert.deepEqual(renderResult(result, '1.0.0'), { cniVersion: '1.0.0', ...result, ips: [{ interface: 2, address: '10.244.0.5/24', gateway: '10.244.0.1' }] });
  assert.deepEqual((renderResult(result, '0.4.0').ips as unknown[])[0], { version: '4', interface: 2, address: '10.244.0.5/24', gateway: '10.244.0.1' });
  assert.equal('routes' in renderResult({ ...result, routes: [] }, '1.1.0'), false);
});

test('nodeNetworkConfig is a valid podnet-cni configuration', () => {
  const conf = nodeNetworkConfig({ cluster: 'podnet', node: 'node-1', podCIDR: '10.244.1.0/24', dataDir: '/var/lib/podnet/podnet/ipam', mtu: 1450 });
  const c = parseNetConf(conf);
  assert.equal(c.name, 'pn-podnet-node-1');
  assert.equal(c.mtu, 1450);
  assert.equal(c.ipam.range.subnet, '10.244.1.0/24');
  assert.doesNotThrow(() => requireVersion(String(conf.cniVersion), 'GC'));
});
