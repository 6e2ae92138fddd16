// Nothing on a packet's path grows with the number of Services: the rules are
// the same whether 10 or 2,000 Services are programmed (same chains, same
// rules); only the elements of the sets and maps the rules look up grow, and
// those are hash lookups (nft picks a hash set for these exact-match keys).

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { buildModel } from '../../../src/proxy/ruleset.js';
import { ruleText } from '../../../src/proxy/render.js';
import { syntheticServices } from '../../../bench/proxy/synthetic.js';
import { NODE } from './fixtures.js';

function rules(n: number): { chains: string[]; elements: number } {
  const { services, slices } = syntheticServices(n, 10);
  const model = buildModel({ config: NODE, services, slices });
  const chains = [...model.chains.values()].map((c) => `${c.name}: ${c.rules.map(ruleText).join(' ; ')}`).sort();
  let elements = 0;
  for (const s of model.sets.values()) elements += s.elements.size;
  return { chains, elements };
}

test('the chains and rules are the same for 10 and 2,000 Services; only set elements grow', () => {
  const few = rules(10);
  const many = rules(2000);
  assert.deepEqual(many.chains, few.chains);
  assert.ok(many.elements > 100 * few.elements, `${many.elements} vs ${few.elements}`);
});
