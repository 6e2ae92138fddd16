import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { collectManifestFiles, LazyManifest, readManifests, readWholeStream, STDIN } from '../../../src/cli/manifest.js';
import { readFastDocument } from '../../../src/cli/fast-yaml.js';
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

// The split reading (one parse per `---` document) must read every text as
// the whole-stream parse does: objects, document indexes, lines and errors.
const SPLIT_CASES: [string, string][] = [
  ['comments before the first marker', '# c\n---\napiVersion: v1\nkind: Namespace\nmetadata: {name: a}\n'],
  ['blank lines before the first marker', '\n\n---\napiVersion: v1\nkind: Namespace\nmetadata: {name: a}\n'],
  ['indented comment before the first marker', '  # c\n---\napiVersion: v1\nkind: Namespace\nmetadata: {name: a}\n'],
  ['a document before the first marker', 'apiVersion: v1\nkind: Namespace\nmetadata: {name: a}\n---\napiVersion: v1\nkind: Namespace\nmetadata: {name: b}\n'],
  ['a trailing marker', 'apiVersion: v1\nkind: Namespace\nmetadata: {name: a}\n---'],
  ['comment-only documents count', '---\n# c\n---\napiVersion: v1\nkind: Namespace\nmetadata: {name: a}\n---\n---\n- 1\n'],
  ['content on the marker line', '--- {apiVersion: v1, kind: Namespace, metadata: {name: a}}\n--- # c\napiVersion: v1\nkind: Namespace\nmetadata: {name: b}\n---   \n"x"\n'],
  ['a block scalar ends at a marker', 'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: a}\ndata:\n  x: |\n    a\n---\napiVersion: v1\nkind: ConfigMap\nmetadata: {name: b}\n'],
  ['---x is not a marker', 'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: a}\ndata:\n  x: |\n    a\n---x\n'],
  ['CRLF line ends', 'apiVersion: v1\r\nkind: Namespace\r\nmetadata: {name: a}\r\n---\r\napiVersion: v1\r\nkind: Namespace\r\nmetadata: {name: b}\r\n'],
  ['a byte order mark', '\uFEFF---\napiVersion: v1\nkind: Namespace\nmetadata: {name: a}\n'],
  ['a List among documents', 'apiVersion: v1\nkind: Namespace\nmetadata: {name: a}\n---\napiVersion: v1\nkind: List\nitems:\n- apiVersion: v1\n  kind: Service\n  metadata: {name: s}\n- 3\n'],
  ['anchors, aliases and merge keys', 'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: a, labels: &l {x: y}}\ndata: {<<: *l}\n---\napiVersion: v1\nkind: ConfigMap\nmetadata: {name: b}\n'],
  ['a syntax error in a middle document', 'apiVersion: v1\nkind: Namespace\nmetadata: {name: a}\n---\na: b: c\n---\nkind: Service\nmetadata: {name: s}\n---\napiVersion: v1\nkind: Namespace\nmetadata: {name: b}\n'],
  ['an unclosed flow sequence stops at the marker', 'a: [\n---\napiVersion: v1\nkind: Namespace\nmetadata: {name: b}\n'],
  ['a tab indent in the last document', 'apiVersion: v1\nkind: Namespace\nmetadata: {name: a}\n---\na:\n\tb: 1\n'],
  ['a directive (parsed whole)', '%YAML 1.2\n---\napiVersion: v1\nkind: Namespace\nmetadata: {name: a}\n'],
  ['a document end marker (parsed whole)', 'apiVersion: v1\nkind: Namespace\nmetadata: {name: a}\n...\n---\nkind: Service\n'],
  ['JSON', '{"apiVersion":"v1","kind":"Pod","metadata":{"name":"j"},"spec":{"containers":[]}}'],
  ['nothing', ''],
  ['only a comment', '# only'],
];

for (const [name, text] of SPLIT_CASES) {
  test(`split reading equals the whole-stream parse: ${name}`, () => {
    assert.deepEqual(readManifests(text, 'm.yaml'), readWholeStream(text, 'm.yaml'));
  });
}

// The Kubernetes docs write file modes as kubectl's go-yaml v2 reads them:
// a leading 0 is octal. YAML 1.2 alone would make `0400` the decimal 400.
const SECRET_VOLUME_POD = `apiVersion: v1
kind: Pod
metadata: {name: p}
spec:
  volumes:
  - name: creds
    secret:
      secretName: creds
      defaultMode: 0400
      items:
      - {key: user, path: user, mode: 0644}
      - {key: pass, path: pass, mode: 0o400}
      - {key: note, path: note, mode: '0400'}
      - {key: size, path: size, mode: 420}
`;

test('defaultMode: 0400 and mode: 0644 are octal (256, 420) as kubectl reads them, in both parsers', () => {
  assert.ok(readFastDocument(SECRET_VOLUME_POD), 'readManifests reads this text with js-yaml, readWholeStream with the yaml package');
  for (const read of [readManifests, readWholeStream]) {
    const { docs, errors } = read(SECRET_VOLUME_POD, 'pod.yaml');
    assert.deepEqual(errors, []);
    const secret = (docs[0]!.object['spec'] as { volumes: { secret: Record<string, unknown> }[] }).volumes[0]!.secret;
    assert.equal(secret['defaultMode'], 256, read.name);
    assert.deepStrictEqual((secret['items'] as { mode: unknown }[]).map((i) => i.mode), [420, 256, '0400', 420], read.name);
  }
});

test('a broken document does not swallow the next one (kubectl splits at --- lines too)', () => {
  // the yaml package alone would read the rest of the text into the unterminated quote
  const text = 'a: "x\n---\napiVersion: v1\nkind: Namespace\nmetadata: {name: b}\n';
  const { docs, errors } = readManifests(text, 'm.yaml');
  assert.deepEqual(docs.map((d) => [d.object.metadata.name, d.index, d.line]), [['b', 1, 3]]);
  assert.deepEqual(errors, ['error parsing m.yaml: error converting YAML to JSON: yaml: line 2, column 1: did not find expected node content']);
});

test('LazyManifest: documents parse when read; mayHoldKind reads only the kind line', () => {
  const text = 'apiVersion: v1\nkind: Service\nmetadata: {name: s}\n---\napiVersion: v1\nkind: "Namespace"\nmetadata: {name: n}\n---\napiVersion: v1\nkind: List\nitems: []\n---\n{"kind": "Service"}\n';
  const m = new LazyManifest(text, 'm.yaml');
  assert.equal(m.length, 4);
  assert.deepEqual([0, 1, 2, 3].map((i) => m.mayHoldKind(i, new Set(['Namespace']))), [false, true, true, true]);
  assert.deepEqual(m.read(1).map((d) => [d.object.kind, d.index, d.line]), [['Namespace', 1, 5]]);
  assert.deepEqual(m.read(0).map((d) => [d.object.kind, d.index, d.line]), [['Service', 0, 1]]);
  assert.deepEqual(m.errors(), ['error validating "m.yaml": error validating data: apiVersion not set (document 4, line 13)']);
});

test('--validate: Go booleans and exactly strict, warn or ignore, as kubectl reads it', async () => {
  const { parseValidate } = await import('../../../src/cli/commands/apply.js');
  assert.deepEqual(['strict', 'true', 'T', '1', undefined].map((v) => parseValidate(v)), ['Strict', 'Strict', 'Strict', 'Strict', 'Strict']);
  assert.deepEqual(['ignore', 'false', 'F', '0', 'warn'].map((v) => parseValidate(v)), ['Ignore', 'Ignore', 'Ignore', 'Ignore', 'Warn']);
  for (const bad of ['Strict', 'WARN', 'yes', '']) {
    assert.throws(() => parseValidate(bad), { message: `invalid - validate option ${JSON.stringify(bad)}; must be one of: strict (or true), warn, ignore (or false)` });
  }
});
