// `podnet apply` of a manifest whose pods run as a ServiceAccount it also
// holds: kubectl applies a file's documents one by one in order, podnet many
// at a time, so the ServiceAccounts (after the Namespaces) go first and no
// pod meets the admission check before its account exists, wherever the
// account stands in the file. A pod naming an account nobody made gets the
// API server's 403, and the rest still applies. The CLI talks to a bare API
// server on the cluster's socket: no nodes needed.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Pod } from '../../../src/api/types.js';
import { withBareApiServer } from '../../support/cli.js';

const { pn, client } = withBareApiServer('itsaorder');

const PODS = 40;
const pod = (name: string, account: string) => `apiVersion: v1\nkind: Pod\nmetadata: {name: ${name}, namespace: web}\nspec: {serviceAccountName: ${account}, containers: [{name: c, image: podnet/echo}]}\n`;

test('pods listed before their ServiceAccount and Namespace are all admitted; the account is applied first', async () => {
  const docs = [...Array.from({ length: PODS }, (_, i) => pod(`p${i}`, 'app')), 'apiVersion: v1\nkind: ServiceAccount\nmetadata: {name: app, namespace: web}\n', 'apiVersion: v1\nkind: Namespace\nmetadata: {name: web}\n'];
  const r = await pn(['apply', '-f', '-'], { input: docs.join('---\n') });
  assert.equal(r.code, 0, r.stderr);
  assert.equal(r.stderr, '');
  const lines = r.stdout.trimEnd().split('\n');
  assert.deepEqual(lines.slice(0, 2), ['namespace/web created', 'serviceaccount/app created']);
  assert.deepEqual(lines.slice(2), Array.from({ length: PODS }, (_, i) => `pod/p${i} created`));
  const pods = (await client().list<Pod>('pods', 'web')).items;
  assert.equal(pods.length, PODS);
  assert.ok(pods.every((p) => p.spec.serviceAccountName === 'app'));
});

test('a pod whose ServiceAccount does not exist: the API server\'s 403, the other documents applied, exit 1', async () => {
  const r = await pn(['apply', '-f', '-'], { input: [pod('orphan', 'nobody'), pod('fine', 'default')].join('---\n') });
  assert.equal(r.code, 1);
  assert.equal(r.stdout, 'pod/fine created\n');
  assert.equal(r.stderr, 'Error from server (Forbidden): error when creating "STDIN": pods "orphan" is forbidden: error looking up service account web/nobody: serviceaccount "nobody" not found\n');
});
