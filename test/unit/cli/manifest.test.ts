import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { collectManifestFiles, readManifests, STDIN } from '../../../src/cli/manifest.js';
import { PodnetError } from '../../../src/errors.js';

const MULTI = `---
# only a comment: not a document
---
apiVersion: v1
kind: Namespace
metadata:
  name: shop
---

---
apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
  namespace: shop
spec:
  replicas: 2
...
`;

test('multi-document YAML: empty and comment-only documents are skipped, lines point at each object', () => {
  const { docs, errors } = readManifests(MULTI, 'app.yaml');
  assert.deepEqual(errors, []);
  assert.deepEqual(docs.map((d) => [d.object.kind, d.object.metadata.name, d.index, d.line]), [
    ['Namespace', 'shop', 1, 4],
    ['Deployment', 'web', 3, 11],
  ]);
  assert.deepEqual(docs[1]!.object['spec'], { replicas: 2 });
});

test('an empty file has no documents; JSON is YAML too', () => {
  assert.deepEqual(readManifests('', 'empty.yaml'), { docs: [], errors: [] });
  assert.deepEqual(readManifests('---\n---\n', 'dashes.yaml'), { docs: [], errors: [] });
  const { docs } = readManifests('{"apiVersion":"v1","kind":"Pod","metadata":{"name":"j"},"spec":{"containers":[]}}', 'pod.json');
  assert.equal(docs[0]!.object.metadata.name, 'j');
});

test('kind: List is flattened into its items, each with its own line', () => {
  const text = [
    'apiVersion: v1',
    'kind: List',
    'items:',
    '- apiVersion: v1',
    '  kind: Service',
    '  metadata: {name: a}',
    '- apiVersion: v1',
    '  kind: Service',
    '  metadata:',
    '    name: b',
    '',
  ].join('\n');
  const { docs, errors } = readManifests(text, 'list.yaml');
  assert.deepEqual(errors, []);
  assert.deepEqual(docs.map((d) => [d.object.metadata.name, d.index, d.line]), [['a', 0, 4], ['b', 0, 7]]);
});

test('malformed YAML names the source, line and column as kubectl words it', () => {
  const text = 'apiVersion: v1\nkind: Pod\nmetadata:\n  name: x\nspec:\n  containers:\n  - name: a\n    image: b: c\n';
  const { docs, errors } = readManifests(text, 'bad.yaml');
  assert.deepEqual(docs, []);
  assert.deepEqual(errors, ['error parsing bad.yaml: error converting YAML to JSON: yaml: line 8, column 12: mapping values are not allowed in this context']);
  const tabs = readManifests('a:\n\tb: 1\n', 'tabs.yaml').errors;
  assert.deepEqual(tabs, ['error parsing tabs.yaml: error converting YAML to JSON: yaml: line 2, column 1: found character that cannot start any token']);
});

test('a document without apiVersion or kind is a validation error naming the document', () => {
  const text = 'apiVersion: v1\nkind: Namespace\nmetadata: {name: ok}\n---\nmetadata:\n  name: nokind\n---\nkind: Service\nmetadata: {name: noversion}\n---\n- 1\n- 2\n';
  const { docs, errors } = readManifests(text, 'app.yaml');
  assert.deepEqual(docs.map((d) => d.object.metadata.name), ['ok']);
  assert.deepEqual(errors, [
    'error validating "app.yaml": error validating data: [apiVersion not set, kind not set] (document 2, line 5)',
    'error validating "app.yaml": error validating data: apiVersion not set (document 3, line 8)',
    'unable to decode "app.yaml" (document 4, line 11): json: cannot unmarshal array into Go value of type map[string]interface {}',
  ]);
});

test('a document without metadata gets an empty one (the API server reports the missing name)', () => {
  const { docs } = readManifests('apiVersion: v1\nkind: Namespace\n', 'x.yaml');
  assert.deepEqual(docs[0]!.object.metadata, {});
});

const dir = mkdtempSync(join(tmpdir(), 'podnet-manifest-'));
after(() => rmSync(dir, { recursive: true, force: true }));

test('collectManifestFiles: a file, a directory (sorted, not recursive), or stdin', () => {
  for (const name of ['b.yaml', 'a.yml', 'c.json', 'notes.txt', 'README.md']) writeFileSync(join(dir, name), '');
  mkdirSync(join(dir, 'nested.yaml'));
  writeFileSync(join(dir, 'nested.yaml', 'inner.yaml'), '');
  assert.deepEqual(collectManifestFiles(dir), [join(dir, 'a.yml'), join(dir, 'b.yaml'), join(dir, 'c.json')]);
  assert.deepEqual(collectManifestFiles(join(dir, 'notes.txt')), [join(dir, 'notes.txt')]);
  assert.deepEqual(collectManifestFiles('-'), [STDIN]);
  assert.throws(() => collectManifestFiles(join(dir, 'missing.yaml')), (e: unknown) =>
    e instanceof PodnetError && e.code === 'ENOENT' && e.message === `the path "${join(dir, 'missing.yaml')}" does not exist`);
});
