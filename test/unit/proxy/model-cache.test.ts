// The incremental model (fragments + reference counts) must always equal the
// model built from scratch, and its deltas must be what a full compare finds.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { EndpointSlice, Service } from '../../../src/api/types.js';
import { ModelCache } from '../../../src/proxy/model-cache.js';
import type { RulesetModel } from '../../../src/proxy/model.js';
import { computeDelta, renderDelta, renderFull } from '../../../src/proxy/render.js';
import { NODE, service, slice, world } from './fixtures.js';

/** Order-insensitive rendering: model Maps keep insertion order, the kernel does not care. */
function canonical(m: RulesetModel): string[] {
  return renderFull(m).text.split('\n').map((l) => l.replace(/,$/, '')).sort();
}

function steps(): { services: Service[]; slices: EndpointSlice[] }[] {
  const w = world();
  const swap = (slices: EndpointSlice[], name: string, s: EndpointSlice) => slices.map((x) => (x.metadata.labels?.['kubernetes.io/service-name'] === name ? s : x));
  const s1 = { services: w.services, slices: swap(w.slices, 'web', slice('web', [{ name: 'http', port: 8080 }], [{ ip: '10.244.0.5' }])) };
  const s2 = { services: s1.services, slices: swap(s1.slices, 'aff', slice('aff', [{ port: 80 }], [{ ip: '10.244.0.5' }, { ip: '10.244.0.11' }, { ip: '10.244.1.5', node: 'node-2' }])) };
  const s3 = { services: s2.services.filter((s) => s.metadata.name !== 'dns'), slices: s2.slices };
  const s4 = { services: [...s3.services, service('new', '10.96.0.90', [{ port: 80, protocol: 'UDP' }])], slices: [...s3.slices, slice('new', [{ port: 53, protocol: 'UDP' }], [{ ip: '10.244.0.5' }])] };
  const s5 = { services: s4.services, slices: swap(s4.slices, 'web', slice('web', [{ name: 'http', port: 8080 }], [])) };
  return [w, s1, s2, s3, s4, s5, w];
}

test('model cache: deltas applied one after another equal the model built from scratch', () => {
  const cache = new ModelCache(NODE);
  const fresh = new ModelCache(NODE);
  let prev: RulesetModel | undefined;
  for (const [i, s] of steps().entries()) {
    const plan = cache.build(s.services, s.slices);
    const expected = fresh.fullModel(fresh.build(s.services, s.slices));
    if (i === 0) {
      assert.equal(cache.delta(plan), null, 'nothing committed yet');
      cache.commit(plan, 'full');
    } else {
      const d = cache.delta(plan);
      assert.ok(d, `step ${i}: expressible as a delta`);
      const full = computeDelta(prev!, expected)!;
      const lines = (x: Parameters<typeof renderDelta>[2]) => renderDelta('ip', 'podnet', x).text.split('\n').map((l) => l.replace(/,$/, '')).sort();
      assert.deepEqual(lines(d), lines(full), `step ${i}: same changes as a full compare`);
      cache.commit(plan, 'delta');
    }
    assert.deepEqual(canonical(cache.model!), canonical(expected), `step ${i}: committed model`);
    prev = expected;
  }
});

test('model cache: unchanged objects reuse their fragments and the version is stable', () => {
  const w = world();
  const cache = new ModelCache(NODE);
  const a = cache.build(w.services, w.slices);
  const b = cache.build([...w.services].reverse(), w.slices);
  assert.equal(a.version, b.version);
  for (const [k, e] of a.entries) assert.equal(b.entries.get(k), e);
});

test('model cache: same-length listings (replaced, moved, swapped objects) give the model built from scratch', () => {
  const w = world();
  const cache = new ModelCache(NODE);
  cache.commit(cache.build(w.services, w.slices), 'full');
  const extra = service('extra', '10.96.0.91', [{ port: 80 }]);
  const extraSlice = slice('extra', [{ port: 8080 }], [{ ip: '10.244.0.7' }]);
  const lists = [
    // one Service replaced by another at the same position, its slice likewise
    { services: [extra, ...w.services.slice(1)], slices: [extraSlice, ...w.slices.slice(1)] },
    // a permutation: nothing changed
    { services: [...w.services.slice(1)].reverse().concat(extra), slices: [...w.slices.slice(1)].reverse().concat(extraSlice) },
    // back to the start
    w,
  ];
  for (const [i, s] of lists.entries()) {
    const plan = cache.build(s.services, s.slices);
    const fresh = new ModelCache(NODE);
    const expected = fresh.fullModel(fresh.build(s.services, s.slices));
    assert.equal(plan.version, fresh.build(s.services, s.slices).version, `step ${i}: version`);
    assert.ok(cache.delta(plan), `step ${i}: expressible as a delta`);
    cache.commit(plan, 'delta');
    assert.deepEqual(canonical(cache.model!), canonical(expected), `step ${i}: committed model`);
  }
});
