// NetworkPolicies through the API server's pieces, as kube-apiserver serves
// them: discovery (what `kubectl get netpol` resolves), the registry's
// defaults and 422 in upstream's words, Strict field validation's 400, and
// the server-side Table kubectl prints.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { NetworkPolicy } from '../../../src/api/types.js';
import { isApiError } from '../../../src/errors.js';
import { discoveryDocument } from '../../../src/apiserver/discovery.js';
import { checkFields } from '../../../src/apiserver/field-validation.js';
import { toTable } from '../../../src/apiserver/table.js';
import { info, NOW, setup } from '../store/registry-fixture.js';

const POLICIES = info('networkpolicies');

const policy = (spec: Partial<NetworkPolicy['spec']> = {}, name = 'db'): NetworkPolicy => ({
  apiVersion: 'networking.k8s.io/v1', kind: 'NetworkPolicy', metadata: { name },
  spec: { podSelector: { matchLabels: { app: 'db' } }, ...spec },
});

test('discovery: networkpolicies in networking.k8s.io/v1, namespaced, short name netpol, no status subresource', () => {
  type List = { resources: { name: string; kind: string; namespaced: boolean; shortNames?: string[]; verbs: string[] }[] };
  const resources = (discoveryDocument('/apis/networking.k8s.io/v1') as List).resources;
  const np = resources.find((r) => r.name === 'networkpolicies');
  assert.deepEqual([np?.kind, np?.namespaced, np?.shortNames], ['NetworkPolicy', true, ['netpol']]);
  for (const verb of ['create', 'delete', 'deletecollection', 'get', 'list', 'patch', 'update', 'watch']) assert.ok(np?.verbs.includes(verb), verb);
  assert.equal(resources.find((r) => r.name === 'networkpolicies/status'), undefined);
});

test('create: stored with upstream\'s defaults (policy types, port protocols) and generation 1', () => {
  const { registry } = setup();
  const stored = registry.create(POLICIES, 'default', policy({ egress: [{ ports: [{ port: 53 }] }], ingress: [{ ports: [{ port: 6379 }] }] })).object as NetworkPolicy;
  assert.deepEqual(stored.spec.policyTypes, ['Ingress', 'Egress']);
  assert.equal(stored.spec.ingress?.[0]?.ports?.[0]?.protocol, 'TCP');
  assert.equal(stored.spec.egress?.[0]?.ports?.[0]?.protocol, 'TCP');
  assert.equal(stored.metadata.generation, 1);
  assert.equal(stored.metadata.namespace, 'default');
});

test('create and update refuse an invalid policy with 422 in upstream\'s words', () => {
  const { registry } = setup();
  const bad = policy({ ingress: [{ ports: [{ port: 8080, endPort: 8000 }], from: [{ podSelector: {}, ipBlock: { cidr: '10.0.0.0/8' } }] }] });
  assert.throws(() => registry.create(POLICIES, 'default', bad), (e: unknown) => {
    assert.ok(isApiError(e, 'Invalid'));
    assert.equal(e.message, 'NetworkPolicy.networking.k8s.io "db" is invalid: [spec.ingress[0].ports[0].endPort: Invalid value: 8000: must be greater than or equal to `port`, spec.ingress[0].from[0]: Forbidden: may not specify both ipBlock and another peer]');
    return true;
  });
  const stored = registry.create(POLICIES, 'default', policy()).object as NetworkPolicy;
  const update = structuredClone(stored) as NetworkPolicy;
  update.spec.policyTypes = ['Ingress', 'Egress', 'Egress'];
  assert.throws(() => registry.update(POLICIES, 'default', 'db', update), {
    message: 'NetworkPolicy.networking.k8s.io "db" is invalid: spec.policyTypes: Invalid value: []networking.PolicyType{"Ingress", "Egress", "Egress"}: may not specify more than two policyTypes',
  });
});

test('Strict field validation refuses an unknown field with 400, as the strict decoder words it', () => {
  const body = { ...policy({ ingress: [{ form: [] } as never] }) };
  assert.throws(() => checkFields('NetworkPolicy', 'v1', body, { fieldValidation: 'Strict' }), (e: unknown) => {
    assert.ok(isApiError(e, 'BadRequest'));
    assert.equal(e.message, 'NetworkPolicy in version "v1" cannot be handled as a NetworkPolicy: strict decoding error: unknown field "spec.ingress[0].form"');
    return true;
  });
  const warned = { fieldValidation: 'Warn' as const, warnings: [] as string[] };
  checkFields('NetworkPolicy', 'v1', body, warned);
  assert.deepEqual(warned.warnings, ['unknown field "spec.ingress[0].form"']);
});

test('server-side Table: Name, Pod-Selector, Age; the selector as FormatLabelSelector prints it', () => {
  const created = new Date(NOW.getTime() - 3 * 3600_000).toISOString();
  const rows = [
    policy({ podSelector: {} }, 'deny-all'),
    policy({ podSelector: { matchLabels: { app: 'web' }, matchExpressions: [{ key: 'tier', operator: 'In', values: ['b', 'a'] }, { key: 'legacy', operator: 'DoesNotExist' }] } }, 'web'),
  ].map((np) => ({ ...np, metadata: { ...np.metadata, namespace: 'default', creationTimestamp: created } }));
  const t = JSON.parse(toTable(POLICIES, rows, { version: 'v1', includeObject: 'None', now: NOW.getTime() })) as {
    columnDefinitions: { name: string; priority: number; format: string }[]; rows: { cells: string[] }[];
  };
  assert.deepEqual(t.columnDefinitions.map((c) => [c.name, c.priority, c.format]), [['Name', 0, 'name'], ['Pod-Selector', 0, ''], ['Age', 0, '']]);
  assert.deepEqual(t.rows.map((r) => r.cells), [
    ['deny-all', '<none>', '3h'],
    // sorted by key, as LabelSelectorAsSelector sorts them: !legacy sorts as legacy
    ['web', 'app=web,!legacy,tier in (a,b)', '3h'],
  ]);
});
