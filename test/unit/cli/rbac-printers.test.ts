// The RBAC kinds in podnet's printers: their names on the command line,
// `get` (a role's default Table, a binding's ROLE and wide subjects) and
// `describe` (a role's PolicyRule table in kubectl's order, a binding's role
// and subjects), as kubectl prints them.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { resourceForName } from '../../../src/api/resources.js';
import type { ClusterRole, PolicyRule, Role, RoleBinding, Subject } from '../../../src/api/types.js';
import { parseTargets } from '../../../src/cli/commands/get.js';
import { describe } from '../../../src/cli/printers/describe.js';
import { policyRuleRows } from '../../../src/cli/printers/describe-rbac.js';
import { printTable } from '../../../src/cli/printers/table.js';
import { ago, event, lines, NOW } from './fixtures.js';

const RBAC = 'rbac.authorization.k8s.io';

function role(name: string, rules: PolicyRule[], age = 3600): Role {
  return { apiVersion: `${RBAC}/v1`, kind: 'Role', metadata: { name, namespace: 'shop', uid: `uid-${name}`, creationTimestamp: ago(age) }, rules };
}

function clusterRole(name: string, rules: PolicyRule[]): ClusterRole {
  return { apiVersion: `${RBAC}/v1`, kind: 'ClusterRole', metadata: { name, uid: `uid-${name}`, creationTimestamp: ago(86400) }, rules };
}

function binding(kind: 'RoleBinding' | 'ClusterRoleBinding', name: string, roleKind: string, roleName: string, subjects: Subject[]): RoleBinding {
  return {
    apiVersion: `${RBAC}/v1`, kind,
    metadata: { name, uid: `uid-${name}`, creationTimestamp: ago(120), ...(kind === 'RoleBinding' ? { namespace: 'shop' } : {}) },
    roleRef: { apiGroup: RBAC, kind: roleKind, name: roleName }, subjects,
  };
}

const jane: Subject = { kind: 'User', name: 'jane', apiGroup: RBAC };
const devs: Subject = { kind: 'Group', name: 'devs', apiGroup: RBAC };
const api: Subject = { kind: 'ServiceAccount', name: 'api', namespace: 'shop' };

test('the four kinds by plural, singular and Kind; none has a short name; `get` lists them among its types', () => {
  for (const kind of ['Role', 'ClusterRole', 'RoleBinding', 'ClusterRoleBinding']) {
    const lower = kind.toLowerCase();
    for (const name of [lower, `${lower}s`, kind, `${lower}s.${RBAC}`]) assert.equal(resourceForName(name)?.kind, kind, name);
  }
  assert.equal(resourceForName('rb'), undefined);
  assert.throws(() => parseTargets([]), /\|roles\|rolebindings\|clusterroles\|clusterrolebindings\|/);
});

test('get roles and clusterroles: NAME and CREATED AT, the creation time in UTC, as the API server\'s default Table', () => {
  assert.equal(printTable('Role', [role('pod-reader', []), role('config-editor', [], 60)], { now: NOW }), lines(
    'NAME            CREATED AT',
    'pod-reader      2024-05-01T11:00:00Z',
    'config-editor   2024-05-01T11:59:00Z',
  ));
  assert.equal(printTable('ClusterRole', [clusterRole('reader', [])], { now: NOW, wide: true, allNamespaces: true }), lines(
    'NAME     CREATED AT',
    'reader   2024-04-30T12:00:00Z',
  ));
});

test('get rolebindings: ROLE is Kind/name; -o wide adds USERS, GROUPS and SERVICEACCOUNTS (namespace/name), each comma-joined', () => {
  const bindings = [
    binding('RoleBinding', 'read-pods', 'Role', 'pod-reader', [jane, api, devs, { ...jane, name: 'bob' }]),
    binding('RoleBinding', 'view', 'ClusterRole', 'view', [{ kind: 'ServiceAccount', name: 'default' }]),
  ];
  assert.equal(printTable('RoleBinding', bindings, { now: NOW }), lines(
    'NAME        ROLE               AGE',
    'read-pods   Role/pod-reader    2m',
    'view        ClusterRole/view   2m',
  ));
  // a ServiceAccount without a namespace shows as /name, as kubectl's SubjectsStrings writes it
  assert.equal(printTable('RoleBinding', bindings, { now: NOW, wide: true }), lines(
    'NAME        ROLE               AGE   USERS       GROUPS   SERVICEACCOUNTS',
    'read-pods   Role/pod-reader    2m    jane, bob   devs     shop/api',
    'view        ClusterRole/view   2m                         /default',
  ));
  assert.equal(printTable('ClusterRoleBinding', [binding('ClusterRoleBinding', 'read-all', 'ClusterRole', 'reader', [api])], { now: NOW, wide: true, allNamespaces: true }), lines(
    'NAME       ROLE                 AGE   USERS   GROUPS   SERVICEACCOUNTS',
    'read-all   ClusterRole/reader   2m                     shop/api',
  ));
});

test('a role\'s rules are broken down per group and resource, joined per resource, and sorted by verbs, then groups, then resources', () => {
  const rows = policyRuleRows([
    { apiGroups: ['', 'apps'], resources: ['pods'], verbs: ['get'] },
    { apiGroups: [''], resources: ['pods'], verbs: ['list', 'get'] },
    { apiGroups: [''], resources: ['secrets'], resourceNames: ['a', 'b'], verbs: ['get'] },
  ]);
  assert.deepEqual(rows.map((r) => [r.apiGroups?.[0], r.resources?.[0], r.resourceNames?.[0], r.verbs.join(' ')]), [
    ['', 'pods', undefined, 'get list'],
    ['', 'secrets', 'a', 'get'],
    ['', 'secrets', 'b', 'get'],
    ['apps', 'pods', undefined, 'get'],
  ]);
});

test('describe role: no namespace, the PolicyRule table in kubectl\'s order (pods/log before pods), no events', () => {
  const r = role('pod-reader', [
    { apiGroups: [''], resources: ['pods', 'pods/log'], verbs: ['get', 'list', 'watch'] },
    { apiGroups: ['apps'], resources: ['deployments'], verbs: ['get'] },
    { apiGroups: ['apps'], resources: ['deployments'], verbs: ['update', 'get'] },
    { apiGroups: [''], resources: ['configmaps'], resourceNames: ['app-config'], verbs: ['get'] },
  ]);
  r.metadata.labels = { app: 'shop' };
  // an Event about the role (in its namespace) is not shown: kubectl's role describer shows none
  r.metadata.namespace = 'default';
  assert.equal(describe(r, [event({ kind: 'Role', name: 'pod-reader' }, 'Normal', 'Anything', 'never shown', 10)], {}, NOW), lines(
    'Name:         pod-reader',
    'Labels:       app=shop',
    'Annotations:  <none>',
    'PolicyRule:',
    '  Resources         Non-Resource URLs  Resource Names  Verbs',
    '  ---------         -----------------  --------------  -----',
    '  pods/log          []                 []              [get list watch]',
    '  pods              []                 []              [get list watch]',
    '  deployments.apps  []                 []              [get update]',
    '  configmaps        []                 [app-config]    [get]',
  ));
});

test('describe clusterrole: wildcards and a non-resource URL, as cluster-admin reads on a real cluster', () => {
  assert.equal(describe(clusterRole('cluster-admin', [{ apiGroups: ['*'], resources: ['*'], verbs: ['*'] }, { nonResourceURLs: ['*'], verbs: ['*'] }]), undefined, {}, NOW), lines(
    'Name:         cluster-admin',
    'Labels:       <none>',
    'Annotations:  <none>',
    'PolicyRule:',
    '  Resources  Non-Resource URLs  Resource Names  Verbs',
    '  ---------  -----------------  --------------  -----',
    '  *.*        []                 []              [*]',
    '             [*]                []              [*]',
  ));
});

test('describe rolebinding and clusterrolebinding: the role\'s kind and name, then each subject with its namespace', () => {
  const text = lines(
    'Name:         read-pods',
    'Labels:       <none>',
    'Annotations:  <none>',
    'Role:',
    '  Kind:  Role',
    '  Name:  pod-reader',
    'Subjects:',
    '  Kind            Name  Namespace',
    '  ----            ----  ---------',
    '  User            jane  ',
    '  ServiceAccount  api   shop',
    '  Group           devs  ',
  );
  assert.equal(describe(binding('RoleBinding', 'read-pods', 'Role', 'pod-reader', [jane, api, devs]), [], {}, NOW), text);
  assert.equal(describe(binding('ClusterRoleBinding', 'read-pods', 'Role', 'pod-reader', [jane, api, devs]), [], {}, NOW), text);
});
