// `podnet apply` of a document without metadata.name, as kubectl 1.31 meets
// it (apply.go applyOneObject): generateName is refused ("cannot use generate
// name with apply"), an empty name is the Get the REST client refuses
// ("resource name may not be empty"); nothing is sent for either, the other
// documents still apply, and the exit code is 1. Regression: every apply of a
// generateName document created one more object (`configmap/ created`), and
// `metadata: {}` printed a bogus last-applied warning and MethodNotAllowed.
// The CLI talks to a bare API server on the cluster's socket: no nodes needed.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { withBareApiServer } from '../../support/cli.js';

const { pn, client } = withBareApiServer('itnoname');

const GENERATED = 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  generateName: foo-\ndata: {a: b}\n';
const NAMED = 'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: named}\ndata: {a: b}\n';
const NAMELESS_SERVICE = 'apiVersion: v1\nkind: Service\nmetadata: {}\nspec:\n  ports: [{port: 80}]\n';
const NAMELESS_DEPLOYMENT = 'apiVersion: apps/v1\nkind: Deployment\nmetadata: {}\nspec: {}\n';

const emptyName = (resource: string, gvk: string, namespace: string, source: string) =>
  `error when retrieving current configuration of:\nResource: "${resource}", GroupVersionKind: "${gvk}"\nName: "", Namespace: "${namespace}"\nfrom server for: "${source}": resource name may not be empty`;

test('generateName alone: kubectl\'s refusal, nothing created, however often applied', async () => {
  for (let i = 0; i < 2; i++) {
    const r = await pn(['apply', '-f', '-'], { input: GENERATED });
    assert.deepEqual([r.code, r.stdout, r.stderr], [1, '', 'error: from foo-: cannot use generate name with apply\n']);
  }
  assert.deepEqual((await client().list('configmaps', 'default')).items.map((c) => c.metadata.name), []);
});

test('metadata: {} alone: kubectl\'s words, no warning, nothing sent', async () => {
  const r = await pn(['apply', '-f', '-'], { input: NAMELESS_SERVICE });
  assert.deepEqual([r.code, r.stdout, r.stderr], [1, '', `error: ${emptyName('/v1, Resource=services', '/v1, Kind=Service', 'default', 'STDIN')}\n`]);
  // the same before anything would be sent: a client dry run, another namespace
  const dry = await pn(['apply', '-n', 'kube-public', '--dry-run=client', '-f', '-'], { input: NAMELESS_SERVICE });
  assert.deepEqual([dry.code, dry.stdout, dry.stderr], [1, '', `error: ${emptyName('/v1, Resource=services', '/v1, Kind=Service', 'kube-public', 'STDIN')}\n`]);
  assert.deepEqual((await client().list('services', 'default')).items.map((s) => s.metadata.name), ['kubernetes']);
});

test('among other documents: those apply, each refusal is one of kubectl\'s several errors, exit 1', async () => {
  const r = await pn(['apply', '-f', '-'], { input: [GENERATED, NAMED, NAMELESS_SERVICE, NAMELESS_DEPLOYMENT].join('---\n') });
  assert.equal(r.code, 1);
  assert.equal(r.stdout, 'configmap/named created\n');
  // several errors: kubectl prints each as it is, without "error: "
  assert.equal(r.stderr, [
    'from foo-: cannot use generate name with apply',
    emptyName('/v1, Resource=services', '/v1, Kind=Service', 'default', 'STDIN'),
    emptyName('apps/v1, Resource=deployments', 'apps/v1, Kind=Deployment', 'default', 'STDIN'),
  ].join('\n') + '\n');
  assert.deepEqual((await client().list('configmaps', 'default')).items.map((c) => c.metadata.name), ['named']);
});

test('delete -f of a document without a name: refused, and nothing else of its kind is deleted (it used to DELETE the whole collection)', async () => {
  for (const name of ['keep-a', 'keep-b']) await client().create({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name, namespace: 'default' }, data: {} });
  const r = await pn(['delete', '--wait=false', '-f', '-'], { input: GENERATED });
  assert.equal(r.code, 1);
  assert.equal(r.stdout, '');
  assert.equal(r.stderr, 'error: resource name may not be empty (a ConfigMap in "STDIN")\n');
  const left = (await client().list('configmaps', 'default')).items.map((c) => c.metadata.name);
  assert.ok(left.includes('keep-a') && left.includes('keep-b'), left.join(' '));
});
