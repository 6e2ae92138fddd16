// ServiceAccounts in podnet's printers: `get sa` (its names and its table),
// `-o name|yaml`, and `describe sa`, as kubectl prints them.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { resourceForName } from '../../../src/api/resources.js';
import type { Secret, ServiceAccount } from '../../../src/api/types.js';
import { parseTargets } from '../../../src/cli/commands/get.js';
import { describe } from '../../../src/cli/printers/describe.js';
import { printObjects } from '../../../src/cli/printers/output.js';
import { printTable } from '../../../src/cli/printers/table.js';
import { ago, event, lines, NOW } from './fixtures.js';

// describe prints times in the local zone, as kubectl does; pin it.
process.env.TZ = 'UTC';

function account(name: string, rest: Partial<ServiceAccount> = {}, age = 600): ServiceAccount {
  return { apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name, namespace: 'default', uid: `uid-${name}`, creationTimestamp: ago(age) }, ...rest };
}

function secret(name: string, type = 'Opaque', annotations?: Record<string, string>): Secret {
  return { apiVersion: 'v1', kind: 'Secret', metadata: { name, namespace: 'default', ...(annotations ? { annotations } : {}) }, type, data: {} };
}

test('sa, serviceaccount, serviceaccounts and ServiceAccount name the kind; `get` lists serviceaccounts among its types', () => {
  for (const name of ['sa', 'serviceaccount', 'serviceaccounts', 'ServiceAccount', 'serviceaccounts.v1']) assert.equal(resourceForName(name)?.kind, 'ServiceAccount', name);
  assert.throws(() => parseTargets([]), /\|serviceaccounts\|/);
});

test('get sa: NAME, SECRETS (how many it lists), AGE; -o wide adds nothing; -A adds NAMESPACE', () => {
  const accounts = [account('default', {}, 86400 * 3), account('api', { secrets: [{ name: 'api-token' }] })];
  const table = lines(
    'NAME      SECRETS   AGE',
    'default   0         3d',
    'api       1         10m',
  );
  assert.equal(printTable('ServiceAccount', accounts, { now: NOW }), table);
  assert.equal(printTable('ServiceAccount', accounts, { now: NOW, wide: true }), table);
  assert.equal(printTable('ServiceAccount', [accounts[0]!], { now: NOW, allNamespaces: true, withKindPrefix: true }), lines(
    'NAMESPACE   NAME                     SECRETS   AGE',
    'default     serviceaccount/default   0         3d',
  ));
});

test('get sa -o name and -o yaml', () => {
  assert.equal(printObjects([account('default'), account('api')], 'name', { single: false }), 'serviceaccount/default\nserviceaccount/api\n');
  assert.equal(printObjects([account('api', { automountServiceAccountToken: false })], 'yaml', { single: true }), lines(
    'apiVersion: v1',
    'automountServiceAccountToken: false',
    'kind: ServiceAccount',
    'metadata:',
    `  creationTimestamp: "${ago(600)}"`,
    '  name: api',
    '  namespace: default',
    '  uid: uid-api',
  ));
});

test('describe sa: the default account, every list <none>, no events', () => {
  assert.equal(describe(account('default'), [], { secrets: [] }, NOW), lines(
    'Name:                default',
    'Namespace:           default',
    'Labels:              <none>',
    'Annotations:         <none>',
    'Image pull secrets:  <none>',
    'Mountable secrets:   <none>',
    'Tokens:              <none>',
    'Events:              <none>',
  ));
});

test('describe sa: each list under its header, a missing Secret marked, a token Secret of this account listed, events', () => {
  const api = account('api', {
    metadata: { name: 'api', namespace: 'default', uid: 'uid-api', labels: { app: 'shop' }, annotations: { owner: 'team-a' } },
    imagePullSecrets: [{ name: 'regcred' }, { name: 'mirror' }],
    secrets: [{ name: 'api-token' }],
  });
  const token = (name: string, account: string, uid: string) => secret(name, 'kubernetes.io/service-account-token', { 'kubernetes.io/service-account.name': account, 'kubernetes.io/service-account.uid': uid });
  const secrets = [secret('regcred', 'kubernetes.io/dockerconfigjson'), token('api-token', 'api', 'uid-api'), token('old-token', 'api', 'uid-before'), token('web-token', 'web', 'uid-web')];
  const events = [event({ kind: 'ServiceAccount', name: 'api' }, 'Normal', 'Touched', 'looked at', 60, 60, 1, 'someone')];
  assert.equal(describe(api, events, { secrets }, NOW), lines(
    'Name:                api',
    'Namespace:           default',
    'Labels:              app=shop',
    'Annotations:         owner: team-a',
    'Image pull secrets:  regcred',
    '                     mirror (not found)',
    'Mountable secrets:   api-token',
    'Tokens:              api-token',
    'Events:',
    '  Type    Reason   Age   From     Message',
    '  ----    ------   ----  ----     -------',
    '  Normal  Touched  60s   someone  looked at',
  ));
});

test('describe sa: Secrets that could not be listed mark nothing as missing and list no tokens; --show-events=false leaves Events out', () => {
  const api = account('api', { secrets: [{ name: 'gone' }] });
  assert.equal(describe(api, undefined, {}, NOW), lines(
    'Name:                api',
    'Namespace:           default',
    'Labels:              <none>',
    'Annotations:         <none>',
    'Image pull secrets:  <none>',
    'Mountable secrets:   gone',
    'Tokens:              <none>',
  ));
});
