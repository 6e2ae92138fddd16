// PodDisruptionBudgets in the API's pure parts and the registry: validation
// as rows in the API server's words and field paths, discovery (policy/v1,
// short name pdb, a status subresource) and the status a new budget starts
// with.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { KubeObject, PodDisruptionBudget } from '../../../src/api/types.js';
import { discoveryDocument } from '../../../src/apiserver/discovery.js';
import { meta, table, type Json } from './fixtures.js';
import { info, setup } from '../store/registry-fixture.js';

const pdb = (spec: Json, metadata: Json = meta('web')) => ({ apiVersion: 'policy/v1', kind: 'PodDisruptionBudget', metadata, spec });
const selector = { matchLabels: { app: 'web' } };
const BOTH_SET = 'spec: Invalid value: policy.PodDisruptionBudgetSpec{MinAvailable:(*intstr.IntOrString)(0xc000000000), Selector:(*v1.LabelSelector)(0xc000000000), '
  + 'MaxUnavailable:(*intstr.IntOrString)(0xc000000000), UnhealthyPodEvictionPolicy:(*policy.UnhealthyPodEvictionPolicyType)(nil)}: minAvailable and maxUnavailable cannot be both set';

table('PodDisruptionBudget', [
  { name: 'minAvailable as a number', obj: pdb({ minAvailable: 1, selector }), want: [] },
  { name: 'maxUnavailable as a percentage', obj: pdb({ maxUnavailable: '25%', selector }), want: [] },
  { name: 'neither, and no selector: valid, it guards nothing', obj: pdb({}), want: [] },
  { name: 'an empty selector is valid (all the namespace\'s pods)', obj: pdb({ minAvailable: '100%', selector: {} }), want: [] },
  { name: 'names are path segments only', obj: pdb({ minAvailable: 1, selector }, meta('Web_PDB')), want: [] },
  { name: 'not both', obj: pdb({ minAvailable: 1, maxUnavailable: 1, selector }), want: [BOTH_SET] },
  { name: 'not negative', obj: pdb({ minAvailable: -1, selector }), want: ['spec.minAvailable: Invalid value: -1: must be greater than or equal to 0'] },
  {
    name: 'a percentage is digits and %',
    obj: pdb({ maxUnavailable: 'half', selector }),
    want: ['spec.maxUnavailable: Invalid value: intstr.IntOrString{Type:1, IntVal:0, StrVal:"half"}: a valid percent string must be a numeric string followed by an ending \'%\' (e.g. \'1%\',  or \'93%\', regex used for validation is \'[0-9]+%\')'],
  },
  { name: 'at most 100%', obj: pdb({ minAvailable: '150%', selector }), want: ['spec.minAvailable: Invalid value: intstr.IntOrString{Type:1, IntVal:0, StrVal:"150%"}: must not be greater than 100%'] },
  { name: 'a number or a string', obj: pdb({ minAvailable: true, selector }), want: ['spec.minAvailable: Invalid value: true: must be an integer or percentage (e.g \'5%\')'] },
  {
    name: 'the selector is a valid label selector',
    obj: pdb({ minAvailable: 1, selector: { matchExpressions: [{ key: 'app', operator: 'Near', values: ['web'] }] } }),
    want: ['spec.selector.matchExpressions[0].operator: Invalid value: "Near": not a valid selector operator'],
  },
  {
    name: 'unhealthyPodEvictionPolicy',
    obj: pdb({ minAvailable: 1, selector, unhealthyPodEvictionPolicy: 'Never' }),
    want: ['spec.unhealthyPodEvictionPolicy: Unsupported value: "Never": supported values: "AlwaysAllow", "IfHealthyBudget"'],
  },
  { name: 'every field may change', obj: pdb({ maxUnavailable: 2, selector: { matchLabels: { app: 'api' } } }), old: pdb({ minAvailable: 1, selector }), want: [] },
]);

test('discovery: poddisruptionbudgets in policy/v1, namespaced, short name pdb, a status subresource, not in "all"', () => {
  const resources = (discoveryDocument('/apis/policy/v1') as { resources: { name: string; namespaced: boolean; shortNames?: string[]; categories?: string[] }[] }).resources;
  assert.deepEqual(resources.map((r) => [r.name, r.namespaced, r.shortNames, r.categories]), [
    ['poddisruptionbudgets', true, ['pdb'], undefined],
    ['poddisruptionbudgets/status', true, undefined, undefined],
  ]);
});

test('a new budget starts with the four counts at 0 and generation 1, whatever status it was sent with', () => {
  const { registry } = setup();
  const sent = { ...pdb({ minAvailable: 1, selector }), status: { disruptionsAllowed: 5, currentHealthy: 5, desiredHealthy: 0, expectedPods: 5 } };
  const created = registry.create(info('poddisruptionbudgets'), 'default', sent as KubeObject).object as PodDisruptionBudget;
  assert.deepEqual(created.status, { disruptionsAllowed: 0, currentHealthy: 0, desiredHealthy: 0, expectedPods: 0 });
  assert.equal(created.metadata.generation, 1);
  // a spec change moves the generation, which the controller's observedGeneration then follows
  const changed = registry.update(info('poddisruptionbudgets'), 'default', 'web', { ...structuredClone(created), spec: { minAvailable: 2, selector } }).object;
  assert.equal(changed.metadata.generation, 2);
});
