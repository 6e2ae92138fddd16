// Peer test: the reference bridge + host-local plugins (/usr/lib/cni) and
// podnet-cni get the same input in two parallel node namespaces; the
// resulting namespaces and the result JSON must agree in everything the CNI
// contract covers. Known, intended differences: podnet-cni also sets lo up
// in the pod (the reference leaves that to the loopback plugin), and names
// and MACs differ (ours are derived from the container id).

import { test, before, after, describe } from 'node:test';
import assert from 'node:assert/strict';
import { inet, link, links, routes, CNI_MODES, Sandbox, REFERENCE_CNI_PATH } from './helpers.js';
import type { LinkInfo } from '../../../src/net/links.js';

for (const mode of CNI_MODES) describe(`podnet-cni ${mode}`, () => {
  const box = new Sandbox('r', mode);
  const SIDES = [
    { label: 'ours', type: 'podnet-cni', pluginPath: () => [box.pluginDir] },
    { label: 'ref', type: 'bridge', pluginPath: () => REFERENCE_CNI_PATH },
  ] as const;

  before(async () => {
    await box.addNetns('ours-node', 'ours-pod', 'ref-node', 'ref-pod');
  });
  after(async () => {
    await box.cleanup();
  });

  function config(type: string, label: string): Record<string, unknown> {
    return {
      cniVersion: '1.0.0', name: `${box.prefix}-${label}`, type, bridge: 'cni0', isGateway: true, mtu: 1400, hairpinMode: true,
      ipam: { type: 'host-local', subnet: '10.244.0.0/24', routes: [{ dst: '0.0.0.0/0' }], dataDir: box.dataDir },
      dns: { nameservers: ['10.96.0.10'], search: ['default.svc.cluster.local'], options: ['ndots:5'] },
    };
  }

  /** What a link looks like, minus what is meant to differ (names, MACs, indexes). */
  function shape(l: LinkInfo | undefined) {
    if (!l) return undefined;
    return { mtu: l.mtu, operstate: l.operstate, up: l.flags?.includes('UP'), master: l.master, kind: l.linkinfo?.info_kind, hairpin: l.linkinfo?.info_slave_data?.hairpin, inet: inet(l) };
  }

  async function state(label: string) {
    const node = `${box.prefix}-${label}-node`;
    const pod = `${box.prefix}-${label}-pod`;
    const nodeLinks = await links(node);
    return {
      // the bridge's operstate follows its ports through the kernel's linkwatch, asynchronously: compare the admin flag only
      bridge: { ...shape(nodeLinks.find((l) => l.ifname === 'cni0')), operstate: undefined },
      hostVeths: nodeLinks.filter((l) => l.master === 'cni0').map(shape),
      podEth0: shape(await link(pod, 'eth0')),
      podRoutes: (await routes(pod)).map((r) => ({ dst: r.dst, gateway: r.gateway, dev: r.dev })),
      nodeRoutes: (await routes(node)).map((r) => ({ dst: r.dst, gateway: r.gateway, dev: r.dev })),
    };
  }

  /** The result with the parts that legitimately differ masked. */
  function resultShape(r: Record<string, unknown>) {
    const interfaces = r.interfaces as { name: string; mac: string; sandbox?: string }[];
    return {
      ...r,
      interfaces: interfaces.map((i, n) => ({
        name: n === 1 ? (/^veth[0-9a-f]{8}$/.test(i.name) ? 'veth<hash>' : i.name) : i.name,
        mac: /^[0-9a-f]{2}(:[0-9a-f]{2}){5}$/.test(i.mac) ? '<mac>' : i.mac,
        ...(i.sandbox ? { sandbox: i.sandbox.replace(/-(ours|ref)-pod$/, '-<side>-pod') } : {}),
      })),
    };
  }

  test('ADD: same namespace state and same result shape as bridge + host-local', async () => {
    const results: Record<string, unknown>[] = [];
    for (const side of SIDES) {
      results.push((await box.cni('ADD', `${side.label}-node`, {
        config: config(side.type, side.label), containerId: 'peer-1', pod: `${side.label}-pod`, pluginPath: side.pluginPath(),
      }))!);
    }
    assert.deepEqual(resultShape(results[0]!), resultShape(results[1]!));
    assert.deepEqual(Object.keys(results[0]!), Object.keys(results[1]!));
    const [ours, ref] = [await state('ours'), await state('ref')];
    assert.deepEqual(ours, ref);
    assert.equal(ours.podEth0?.inet[0], '10.244.0.2/24');
  });

  test('DEL: both leave the bridge and nothing else; the addresses are released', async () => {
    for (const side of SIDES) {
      await box.cni('DEL', `${side.label}-node`, { config: config(side.type, side.label), containerId: 'peer-1', pod: `${side.label}-pod`, pluginPath: side.pluginPath() });
    }
    const [ours, ref] = [await state('ours'), await state('ref')];
    assert.deepEqual(ours, ref);
    assert.deepEqual(ours.hostVeths, []);
    assert.equal(ours.podEth0, undefined);
    assert.deepEqual(box.ipFiles(`${box.prefix}-ours`), box.ipFiles(`${box.prefix}-ref`));
    assert.deepEqual(box.ipFiles(`${box.prefix}-ours`), []);
  });
});
