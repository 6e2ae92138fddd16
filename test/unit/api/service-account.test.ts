// ServiceAccounts in the API's pure parts: validation (rows, as the API
// server words them), the deprecated spec.serviceAccount alias in a Pod's
// defaults, and the ServiceAccount admission check on a new Pod.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { applyDefaults } from '../../../src/api/defaults.js';
import { admitServiceAccount, defaultServiceAccount, templateServiceAccount } from '../../../src/api/service-accounts.js';
import type { Pod, ServiceAccount } from '../../../src/api/types.js';
import { isApiError } from '../../../src/errors.js';
import { DNS1123_SUBDOMAIN_MSG, meta, pod, table, type Json } from './fixtures.js';

const account = (rest: Json = {}, metadata: Json = meta('api')) => ({ apiVersion: 'v1', kind: 'ServiceAccount', metadata, ...rest });

table('ServiceAccount', [
  { name: 'the default one', obj: account({}, meta('default')), want: [] },
  {
    name: 'every field, well typed',
    obj: account({ secrets: [{ name: 'api-token', kind: 'Secret' }], imagePullSecrets: [{ name: 'regcred' }], automountServiceAccountToken: false }),
    want: [],
  },
  { name: 'name is a DNS subdomain (dots allowed)', obj: account({}, meta('ci.deployer')), want: [] },
  { name: 'name is not upper case', obj: account({}, meta('Deployer')), want: [`metadata.name: Invalid value: "Deployer": ${DNS1123_SUBDOMAIN_MSG}`] },
  { name: 'name has no underscore', obj: account({}, meta('api_bot')), want: [`metadata.name: Invalid value: "api_bot": ${DNS1123_SUBDOMAIN_MSG}`] },
  { name: 'secrets is a list', obj: account({ secrets: 'api-token' }), want: ['secrets: Invalid value: "api-token": must be a list'] },
  { name: 'a secret is an object reference', obj: account({ secrets: ['api-token'] }), want: ['secrets[0]: Invalid value: "api-token": must be an object'] },
  { name: 'a reference\'s fields are strings', obj: account({ secrets: [{ name: 'a' }, { name: 7, uid: true }] }), want: ['secrets[1].name: Invalid value: 7: must be a string', 'secrets[1].uid: Invalid value: true: must be a string'] },
  { name: 'imagePullSecrets hold names', obj: account({ imagePullSecrets: [{ name: ['regcred'] }] }), want: ['imagePullSecrets[0].name: Invalid value: ["regcred"]: must be a string'] },
  { name: 'automountServiceAccountToken is a boolean', obj: account({ automountServiceAccountToken: 'false' }), want: ['automountServiceAccountToken: Invalid value: "false": must be a boolean'] },
  { name: 'an update keeps the uid', obj: account({}, meta('api', { uid: 'u1' })), old: account({}, meta('api', { uid: 'u2' })), want: ['metadata.uid: Invalid value: "u1": field is immutable'] },
]);

table('Pod serviceAccountName', [
  { name: 'an account name', obj: pod({ serviceAccountName: 'ci.deployer' }), want: [] },
  { name: 'a DNS subdomain, as the account\'s own name', obj: pod({ serviceAccountName: 'Deployer' }), want: [`spec.serviceAccountName: Invalid value: "Deployer": ${DNS1123_SUBDOMAIN_MSG}`] },
  { name: 'a string', obj: pod({ serviceAccountName: 5 }), want: ['spec.serviceAccountName: Invalid value: 5: must be a string'] },
  { name: 'automountServiceAccountToken is a boolean', obj: pod({ automountServiceAccountToken: 'yes' }), want: ['spec.automountServiceAccountToken: Invalid value: "yes": must be a boolean'] },
]);

test('defaults: the deprecated serviceAccount fills an empty serviceAccountName, then mirrors it; empty it goes', () => {
  const rows: [string, Json, Json][] = [
    ['only the alias', { serviceAccount: 'api' }, { serviceAccountName: 'api', serviceAccount: 'api' }],
    ['only the name', { serviceAccountName: 'api' }, { serviceAccountName: 'api', serviceAccount: 'api' }],
    ['both, the name wins', { serviceAccountName: 'api', serviceAccount: 'old' }, { serviceAccountName: 'api', serviceAccount: 'api' }],
    ['an empty alias', { serviceAccount: '' }, {}],
    ['neither', {}, {}],
  ];
  for (const [what, spec, want] of rows) {
    const p = applyDefaults(pod(spec) as Pod);
    assert.deepEqual({ serviceAccountName: p.spec.serviceAccountName, serviceAccount: p.spec.serviceAccount }, { serviceAccountName: undefined, serviceAccount: undefined, ...want }, what);
  }
  // a template is stored as written: a Deployment's pods get the alias when they are made
  const d = applyDefaults({ apiVersion: 'apps/v1', kind: 'Deployment', metadata: meta(), spec: { template: { spec: { containers: [], serviceAccountName: 'api' } } } } as never) as Json;
  assert.equal(d.spec.template.spec.serviceAccount, undefined);
});

test('templateServiceAccount: the name, else the alias, else default', () => {
  assert.equal(templateServiceAccount({ containers: [], serviceAccountName: 'api' }), 'api');
  assert.equal(templateServiceAccount({ containers: [], serviceAccount: 'old' }), 'old');
  assert.equal(templateServiceAccount({ containers: [] }), 'default');
  assert.equal(templateServiceAccount(undefined), 'default');
});

function admit(spec: Json, accounts: ServiceAccount[], shownName = 'web'): Pod {
  const p = pod(spec, meta('web', { namespace: 'shop' })) as Pod;
  admitServiceAccount(p, shownName, (ns, name) => accounts.find((a) => a.metadata.namespace === ns && a.metadata.name === name));
  return p;
}

test('admission: a pod that names no account runs as default, the alias set alike', () => {
  const p = admit({}, [defaultServiceAccount('shop')]);
  assert.equal(p.spec.serviceAccountName, 'default');
  assert.equal(p.spec.serviceAccount, 'default');
  assert.equal(p.spec.imagePullSecrets, undefined);
});

test('admission: a missing account is 403 Forbidden in upstream\'s words, naming the pod as the request did', () => {
  const check = (name: string) => (e: unknown) => {
    assert.ok(isApiError(e, 'Forbidden'));
    assert.equal(e.httpCode, 403);
    assert.equal(e.message, `pods "${name}" is forbidden: error looking up service account shop/api: serviceaccount "api" not found`);
    assert.deepEqual(e.status.details, { name, group: '', kind: 'pods' });
    return true;
  };
  assert.throws(() => admit({ serviceAccountName: 'api' }, [defaultServiceAccount('shop')]), check('web'));
  // a generateName pod is named by its prefix: the name is made after admission
  assert.throws(() => admit({ serviceAccountName: 'api' }, [], 'web-7d4b9c8f6-'), check('web-7d4b9c8f6-'));
  // the default account is looked up like any other: a namespace without it refuses every pod
  assert.throws(() => admit({}, []), (e) => isApiError(e, 'Forbidden') && e.message.endsWith('error looking up service account shop/default: serviceaccount "default" not found'));
  // the account of the same name in another namespace does not count
  assert.throws(() => admit({ serviceAccountName: 'api' }, [{ ...defaultServiceAccount('other'), metadata: { name: 'api', namespace: 'other' } }]), check('web'));
});

test('admission: the account lends its imagePullSecrets to a pod that has none; a pod\'s own are kept', () => {
  const api: ServiceAccount = { apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: 'api', namespace: 'shop' }, imagePullSecrets: [{ name: 'regcred' }] };
  assert.deepEqual(admit({ serviceAccountName: 'api' }, [api]).spec.imagePullSecrets, [{ name: 'regcred' }]);
  assert.deepEqual(admit({ serviceAccountName: 'api', imagePullSecrets: [] }, [api]).spec.imagePullSecrets, [{ name: 'regcred' }]);
  assert.deepEqual(admit({ serviceAccountName: 'api', imagePullSecrets: [{ name: 'mine' }] }, [api]).spec.imagePullSecrets, [{ name: 'mine' }]);
});

test('admission: automountServiceAccountToken changes nothing (no token is mounted), and a garbage name is left for validation', () => {
  const p = admit({ automountServiceAccountToken: true }, [defaultServiceAccount('shop')]);
  assert.equal(p.spec.volumes, undefined);
  assert.equal(p.spec.containers[0]!.volumeMounts, undefined);
  const garbage = admit({ serviceAccountName: 5 }, []);
  assert.equal(garbage.spec.serviceAccountName, 5);
});
