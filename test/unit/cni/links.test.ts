import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { bridgeAttachLines, BRIDGE_CREATE_LINE, netnsName, parseBatchFailures, parseLinkMac, plugPod, sandboxLines, VETH_CREATE_LINE, LinkSetupError } from '../../../src/net/links.js';
import { RecordingRunner } from '../../../src/net/runner.js';
import { HOST_VETH_PATTERN, hostVethName, stableMac, tempPeerName } from '../../../src/cni/names.js';

const plan = {
  bridge: 'cni0', bridgeMac: '02:00:00:00:00:01', mtu: 1400, gatewayCidr: '10.244.0.1/24',
  hostVeth: 'veth0a1b2c3d', hostMac: '02:00:00:00:00:02', peerTempName: 'pnveth0a1b2c3d', peerMac: '02:00:00:00:00:03',
  netnsPath: '/run/netns/pn-t-pod', hairpin: true,
};
const sandbox = { tempName: 'pnveth0a1b2c3d', ifName: 'eth0', address: '10.244.0.5/24', routes: [{ dst: '0.0.0.0/0', via: '10.244.0.1' }] };

test('node-side script, line by line', () => {
  const lines = bridgeAttachLines(plan).map((l) => l.cmd);
  assert.deepEqual(lines, [
    'link add cni0 address 02:00:00:00:00:01 mtu 1400 type bridge',
    'addr replace 10.244.0.1/24 broadcast + dev cni0',
    'link set dev cni0 up',
    'link add veth0a1b2c3d address 02:00:00:00:00:02 mtu 1400 type veth peer name pnveth0a1b2c3d address 02:00:00:00:00:03 mtu 1400 netns /run/netns/pn-t-pod',
    'link set dev veth0a1b2c3d master cni0',
    'link set dev veth0a1b2c3d type bridge_slave hairpin on',
    'link set dev veth0a1b2c3d up',
    'link show dev cni0',
  ]);
  assert.match(lines[BRIDGE_CREATE_LINE - 1]!, /type bridge$/);
  assert.match(lines[VETH_CREATE_LINE - 1]!, /type veth/);
});

test('sandbox script: rename first, so an existing CNI_IFNAME stops it before any change', () => {
  assert.deepEqual(sandboxLines(sandbox).map((l) => l.cmd), [
    'link set dev pnveth0a1b2c3d name eth0',
    'link set dev lo up',
    'addr add 10.244.0.5/24 broadcast + dev eth0',
    'link set dev eth0 up',
    'route append 0.0.0.0/0 via 10.244.0.1 dev eth0',
  ]);
});

test('parseBatchFailures, parseLinkMac, netnsName', () => {
  assert.deepEqual(parseBatchFailures('RTNETLINK answers: File exists\nCommand failed -:1\nError: x\nCommand failed /tmp/s.batch:3\n'), [
    { source: '-', line: 1, message: 'RTNETLINK answers: File exists' },
    { source: '/tmp/s.batch', line: 3, message: 'Error: x' },
  ]);
  assert.equal(parseLinkMac('2: cni0: <UP> mtu 1500 qdisc noqueue\\    link/ether 02:11:22:33:44:55 brd ff:ff:ff:ff:ff:ff'), '02:11:22:33:44:55');
  assert.equal(netnsName('/run/netns/pn-a-b'), 'pn-a-b');
  assert.equal(netnsName('/var/run/netns/x'), 'x');
  assert.equal(netnsName('/proc/123/ns/net'), undefined);
});

test('plugPod: one ip process; the existing bridge is not an error; the sandbox script runs via netns exec', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'pn-cni-unit-'));
  let script = '';
  const runner = new RecordingRunner((argv, input) => {
    const file = /netns exec \S+ ip -batch (\S+)/.exec(input ?? '')?.[1];
    if (file) script = fs.readFileSync(file, 'utf8');
    return { code: 1, stderr: 'RTNETLINK answers: File exists\nCommand failed -:1\n', stdout: '2: cni0: <UP>\\    link/ether 02:aa:bb:cc:dd:ee brd ff:ff:ff:ff:ff:ff\n' };
  });
  try {
    assert.equal(await plugPod(runner, plan, sandbox, dir), '02:aa:bb:cc:dd:ee');
    assert.equal(runner.calls.length, 1);
    assert.deepEqual(runner.calls[0]!.argv, ['ip', '-o', '-force', '-batch', '-']);
    assert.match(runner.calls[0]!.input!, /netns exec pn-t-pod ip -batch .*\.batch\n$/);
    assert.match(script, /^link set dev pnveth0a1b2c3d name eth0\n/);
    assert.deepEqual(fs.readdirSync(dir), [], 'script file removed');
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('plugPod: a failed veth creation is reported and marked as not created (never deleted by rollback)', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'pn-cni-unit-'));
  const runner = new RecordingRunner((_argv, input) => {
    const file = /netns exec \S+ ip -batch (\S+)/.exec(input ?? '')![1];
    return { code: 1, stderr: `RTNETLINK answers: File exists\nCommand failed -:4\nCannot find device "pnveth0a1b2c3d"\nCommand failed ${file}:1\nCommand failed -:9\n` };
  });
  try {
    await assert.rejects(plugPod(runner, plan, sandbox, dir), (e: unknown) =>
      e instanceof LinkSetupError && !e.hostVethCreated && /name the sandbox interface eth0/.test(e.step));
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('names: stable, distinct, kernel-valid', () => {
  const a = hostVethName('abc', 'eth0');
  assert.match(a, HOST_VETH_PATTERN);
  assert.equal(a, hostVethName('abc', 'eth0'));
  assert.notEqual(a, hostVethName('abc', 'eth1'));
  assert.notEqual(hostVethName('ab', 'ceth0'), hostVethName('abc', 'eth0'));
  assert.ok(tempPeerName(a).length <= 15);
  const mac = stableMac('host', 'abc', 'eth0');
  assert.match(mac, /^[0-9a-f]{2}(:[0-9a-f]{2}){5}$/);
  const first = parseInt(mac.slice(0, 2), 16);
  assert.equal(first & 0x03, 0x02, 'locally administered unicast');
  const seen = new Set(Array.from({ length: 1000 }, (_, i) => hostVethName(`container-${i}`, 'eth0')));
  assert.equal(seen.size, 1000);
});
