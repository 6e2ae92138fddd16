// 100 ADDs at once on one node: the IPAM lock must hand out 100 distinct
// addresses across 100 concurrent plugin processes, and 100 DELs must give
// them all back.

import { test, before, after, describe } from 'node:test';
import assert from 'node:assert/strict';
import { links, CNI_MODES, Sandbox } from './helpers.js';

for (const mode of CNI_MODES) describe(`podnet-cni ${mode}`, () => {
  const PODS = 100;
  const box = new Sandbox('c', mode);
  const pods = Array.from({ length: PODS }, (_, i) => `p${i}`);

  before(async () => {
    await box.addNetns('node', ...pods);
  });
  after(async () => {
    await box.cleanup();
  });

  /** every plugin process is waited for before anything is asserted, so after() never races a running one */
  async function all<T>(work: Promise<T>[]): Promise<T[]> {
    const settled = await Promise.allSettled(work);
    const failed = settled.find((s): s is PromiseRejectedResult => s.status === 'rejected');
    if (failed) throw failed.reason;
    return settled.map((s) => (s as PromiseFulfilledResult<T>).value);
  }

  test(`${PODS} concurrent ADDs get ${PODS} distinct addresses; concurrent DELs release them all`, { timeout: 600_000 }, async () => {
    const config = box.config();
    // 2 cores and 100 node processes: allow far more than the default 30 s per plugin run
    const timeoutMs = 240_000;
    const results = await all(pods.map((p) => box.cni('ADD', 'node', { config, containerId: `cid-${p}`, pod: p, timeoutMs })));
    const addresses = results.map((r) => (r!.ips as { address: string }[])[0]!.address);
    assert.equal(new Set(addresses).size, PODS);
    assert.equal(box.ipFiles().length, PODS);
    assert.equal((await links(box.ns('node'))).filter((l) => l.master === 'cni0').length, PODS);
    await all(pods.map((p) => box.cni('DEL', 'node', { config, containerId: `cid-${p}`, pod: p, timeoutMs })));
    assert.deepEqual(box.ipFiles(), []);
    assert.equal((await links(box.ns('node'))).filter((l) => l.master === 'cni0').length, 0);
  });
});
