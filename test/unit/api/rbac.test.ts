// The RBAC kinds in the API's pure parts: validation as rows in the API
// server's words and field paths, the defaulted apiGroups, and the roleRef
// an update may not change.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { applyDefaults } from '../../../src/api/defaults.js';
import type { KubeObject, RoleBinding } from '../../../src/api/types.js';
import { discoveryDocument } from '../../../src/apiserver/discovery.js';
import { isApiError } from '../../../src/errors.js';
import { info, setup } from '../store/registry-fixture.js';
import { DNS1123_SUBDOMAIN_MSG, meta, table, type Json } from './fixtures.js';

const RBAC = 'rbac.authorization.k8s.io';
const cluster = (name: string) => ({ name });

const role = (rules: unknown, metadata: Json = meta('pod-reader')) => ({ apiVersion: `${RBAC}/v1`, kind: 'Role', metadata, rules });
const clusterRole = (rest: Json, metadata: Json = cluster('reader')) => ({ apiVersion: `${RBAC}/v1`, kind: 'ClusterRole', metadata, ...rest });
const roleRef = (kind = 'Role', name = 'pod-reader', apiGroup: string | undefined = RBAC) => ({ ...(apiGroup !== undefined ? { apiGroup } : {}), kind, name });
const sa = (name = 'api', namespace?: string) => ({ kind: 'ServiceAccount', name, ...(namespace ? { namespace } : {}) });
const binding = (rest: Json, metadata: Json = meta('read-pods')) => ({ apiVersion: `${RBAC}/v1`, kind: 'RoleBinding', metadata, roleRef: roleRef(), subjects: [sa()], ...rest });
const clusterBinding = (rest: Json, metadata: Json = cluster('read-all')) => ({
  apiVersion: `${RBAC}/v1`, kind: 'ClusterRoleBinding', metadata, roleRef: roleRef('ClusterRole', 'reader'), subjects: [sa('api', 'shop')], ...rest,
});
const pods = { apiGroups: [''], resources: ['pods'], verbs: ['get', 'list'] };

table('Role', [
  { name: 'a rule on pods', obj: role([pods]), want: [] },
  { name: 'no rules at all', obj: role(undefined), want: [] },
  { name: 'names are path segments only: capitals and colons are fine', obj: role([pods], meta('system:Pod-Reader')), want: [] },
  { name: 'a name with a slash', obj: role([pods], meta('a/b')), want: ['metadata.name: Invalid value: "a/b": may not contain \'/\''] },
  { name: 'a name that is ..', obj: role([pods], meta('..')), want: ['metadata.name: Invalid value: "..": may not be \'..\''] },
  { name: 'verbs are required', obj: role([{ apiGroups: [''], resources: ['pods'] }]), want: ['rules[0].verbs: Required value: verbs must contain at least one value'] },
  { name: 'an empty verb list is none', obj: role([{ ...pods, verbs: [] }]), want: ['rules[0].verbs: Required value: verbs must contain at least one value'] },
  {
    name: 'a resource rule needs groups and resources',
    obj: role([pods, { verbs: ['get'] }]),
    want: [
      'rules[1].apiGroups: Required value: resource rules must supply at least one api group',
      'rules[1].resources: Required value: resource rules must supply at least one resource',
    ],
  },
  {
    name: 'a namespace has no non-resource URLs',
    obj: role([{ nonResourceURLs: ['/healthz'], verbs: ['get'] }]),
    want: ['rules[0].nonResourceURLs: Invalid value: []string{"/healthz"}: namespaced rules cannot apply to non-resource URLs'],
  },
  { name: 'rules is a list', obj: role({ verbs: ['get'] }), want: ['rules: Invalid value: {"verbs":["get"]}: must be a list'] },
  { name: 'a rule is an object', obj: role(['get pods']), want: ['rules[0]: Invalid value: "get pods": must be an object'] },
  { name: 'verbs are strings', obj: role([{ ...pods, verbs: ['get', 7] }]), want: ['rules[0].verbs[1]: Invalid value: 7: must be a string'] },
  {
    name: 'an update keeps the rules checked and the uid fixed',
    obj: role([{ verbs: ['get'], apiGroups: [''], resources: [] }], meta('pod-reader', { uid: 'u1' })),
    old: role([pods], meta('pod-reader', { uid: 'u2' })),
    want: ['metadata.uid: Invalid value: "u1": field is immutable', 'rules[0].resources: Required value: resource rules must supply at least one resource'],
  },
]);

table('ClusterRole', [
  { name: 'non-resource URLs', obj: clusterRole({ rules: [{ nonResourceURLs: ['/healthz', '/version'], verbs: ['get'] }] }), want: [] },
  {
    name: 'not both resources and non-resource URLs',
    obj: clusterRole({ rules: [{ nonResourceURLs: ['/metrics'], resources: ['pods'], verbs: ['get'] }] }),
    want: ['rules[0].nonResourceURLs: Invalid value: []string{"/metrics"}: rules cannot apply to both regular resources and non-resource URLs'],
  },
  { name: 'an aggregated role may have no rules of its own', obj: clusterRole({ aggregationRule: { clusterRoleSelectors: [{ matchLabels: { 'rbac.example.com/aggregate-to-view': 'true' } }] } }), want: [] },
  {
    name: 'an aggregationRule needs a selector',
    obj: clusterRole({ aggregationRule: { clusterRoleSelectors: [] } }),
    want: ['aggregationRule.clusterRoleSelectors: Required value: at least one clusterRoleSelector required if aggregationRule is non-nil'],
  },
  {
    name: 'a selector that does not parse is reported twice, as upstream',
    obj: clusterRole({ aggregationRule: { clusterRoleSelectors: [{ matchExpressions: [{ key: 'a', operator: 'In' }] }] } }),
    want: [
      "aggregationRule.clusterRoleSelectors[0].matchExpressions[0].values: Required value: must be specified when `operator` is 'In' or 'NotIn'",
      'aggregationRule.clusterRoleSelectors[0]: Invalid value: "null": invalid label selector.',
    ],
  },
]);

table('RoleBinding', [
  { name: 'a ServiceAccount bound to a Role', obj: binding({}), want: [] },
  { name: 'a RoleBinding may name a ClusterRole', obj: binding({ roleRef: roleRef('ClusterRole', 'view') }), want: [] },
  { name: 'users and groups, their apiGroup defaulted', obj: binding({ subjects: [{ kind: 'User', name: 'jane' }, { kind: 'Group', name: 'devs' }] }), want: [] },
  { name: 'roleRef.apiGroup defaults to the rbac group', obj: binding({ roleRef: roleRef('Role', 'pod-reader', undefined) }), want: [] },
  {
    name: 'roleRef is required',
    obj: binding({ roleRef: undefined }),
    want: ['roleRef.kind: Unsupported value: "": supported values: "Role", "ClusterRole"', 'roleRef.name: Required value'],
  },
  {
    name: 'a Deployment is no role',
    obj: binding({ roleRef: { apiGroup: 'apps', kind: 'Deployment', name: 'web' } }),
    want: [
      'roleRef.apiGroup: Unsupported value: "apps": supported values: "rbac.authorization.k8s.io"',
      'roleRef.kind: Unsupported value: "Deployment": supported values: "Role", "ClusterRole"',
    ],
  },
  { name: 'roleRef.name is a path segment', obj: binding({ roleRef: roleRef('Role', 'a%b') }), want: ['roleRef.name: Invalid value: "a%b": may not contain \'%\''] },
  {
    name: 'a ServiceAccount name is a DNS subdomain, in the core group',
    obj: binding({ subjects: [{ kind: 'ServiceAccount', name: 'API', apiGroup: RBAC }] }),
    want: [
      `subjects[0].name: Invalid value: "API": ${DNS1123_SUBDOMAIN_MSG}`,
      'subjects[0].apiGroup: Unsupported value: "rbac.authorization.k8s.io": supported values: ""',
    ],
  },
  { name: 'a RoleBinding\'s ServiceAccount needs no namespace', obj: binding({ subjects: [sa('api')] }), want: [] },
  { name: 'a subject has a name', obj: binding({ subjects: [{ kind: 'User' }] }), want: ['subjects[0].name: Required value'] },
  { name: 'a User is in the rbac group', obj: binding({ subjects: [{ kind: 'User', name: 'jane', apiGroup: 'users.example.com' }] }), want: ['subjects[0].apiGroup: Unsupported value: "users.example.com": supported values: "rbac.authorization.k8s.io"'] },
  { name: 'subject kinds', obj: binding({ subjects: [{ kind: 'Pod', name: 'web' }] }), want: ['subjects[0].kind: Unsupported value: "Pod": supported values: "ServiceAccount", "User", "Group"'] },
  {
    name: 'the roleRef cannot change',
    obj: binding({ roleRef: roleRef('ClusterRole', 'admin') }),
    old: binding({}),
    want: ['roleRef: Invalid value: rbac.RoleRef{APIGroup:"rbac.authorization.k8s.io", Kind:"ClusterRole", Name:"admin"}: cannot change roleRef'],
  },
  { name: 'the subjects may change', obj: binding({ subjects: [sa('worker')] }), old: binding({}), want: [] },
  { name: 'an unchanged roleRef written without its defaulted apiGroup is no change', obj: binding({ roleRef: roleRef('Role', 'pod-reader', undefined) }), old: binding({}), want: [] },
]);

table('ClusterRoleBinding', [
  { name: 'a ClusterRole for a namespaced ServiceAccount', obj: clusterBinding({}), want: [] },
  { name: 'only a ClusterRole', obj: clusterBinding({ roleRef: roleRef('Role', 'pod-reader') }), want: ['roleRef.kind: Unsupported value: "Role": supported values: "ClusterRole"'] },
  { name: 'a ServiceAccount subject names its namespace', obj: clusterBinding({ subjects: [sa('api')] }), want: ['subjects[0].namespace: Required value'] },
  {
    name: 'the roleRef cannot change here either',
    obj: clusterBinding({ roleRef: roleRef('ClusterRole', 'admin') }),
    old: clusterBinding({}),
    want: ['roleRef: Invalid value: rbac.RoleRef{APIGroup:"rbac.authorization.k8s.io", Kind:"ClusterRole", Name:"admin"}: cannot change roleRef'],
  },
]);

test('defaults: roleRef.apiGroup, and User and Group subjects in the rbac group; a ServiceAccount keeps none', () => {
  const b = applyDefaults(binding({
    roleRef: { kind: 'Role', name: 'pod-reader' },
    subjects: [{ kind: 'User', name: 'jane' }, { kind: 'Group', name: 'devs' }, sa('api'), { kind: 'User', name: 'bob', apiGroup: 'other' }],
  }) as unknown as RoleBinding);
  assert.equal(b.roleRef.apiGroup, RBAC);
  assert.deepEqual(b.subjects!.map((s) => s.apiGroup), [RBAC, RBAC, undefined, 'other']);
  // a binding without a roleRef reads back with one, as upstream's struct
  const bare = applyDefaults({ apiVersion: `${RBAC}/v1`, kind: 'ClusterRoleBinding', metadata: { name: 'x' } } as never) as unknown as RoleBinding;
  assert.deepEqual(bare.roleRef, { apiGroup: RBAC });
});

test('through the registry: discovery lists the rbac group; a bad roleRef is a 422 in upstream\'s words; a ClusterRole has no namespace; the roleRef stays', () => {
  const resources = (discoveryDocument(`/apis/${RBAC}/v1`) as { resources: { name: string; namespaced: boolean; shortNames?: string[] }[] }).resources;
  assert.deepEqual(resources.map((r) => `${r.name}:${r.namespaced}:${r.shortNames?.join() ?? ''}`), [
    'clusterrolebindings:false:', 'clusterroles:false:', 'rolebindings:true:', 'roles:true:',
  ]);
  const { registry } = setup();
  const created = registry.create(info('clusterroles'), undefined, clusterRole({ rules: [pods] }, { name: 'reader', namespace: 'shop' }) as KubeObject).object;
  assert.equal(created.metadata.namespace, undefined);
  assert.throws(() => registry.create(info('rolebindings'), 'default', binding({ roleRef: { kind: 'Deployment', name: 'web' } }) as KubeObject), (e) => {
    assert.ok(isApiError(e, 'Invalid'));
    assert.equal(e.message, `RoleBinding.${RBAC} "read-pods" is invalid: roleRef.kind: Unsupported value: "Deployment": supported values: "Role", "ClusterRole"`);
    assert.deepEqual(e.status.details?.causes, [{ reason: 'FieldValueNotSupported', message: 'Unsupported value: "Deployment": supported values: "Role", "ClusterRole"', field: 'roleRef.kind' }]);
    return true;
  });
  const stored = registry.create(info('rolebindings'), 'default', binding({ roleRef: { kind: 'Role', name: 'pod-reader' } }) as KubeObject).object as RoleBinding;
  assert.deepEqual(stored.roleRef, { kind: 'Role', name: 'pod-reader', apiGroup: RBAC });
  const changed = { ...structuredClone(stored), roleRef: { ...stored.roleRef, name: 'admin' } };
  assert.throws(() => registry.update(info('rolebindings'), 'default', 'read-pods', changed), (e) => isApiError(e, 'Invalid') && e.message.endsWith(': cannot change roleRef'));
});
