import { test } from 'node:test';
import assert from 'node:assert/strict';
import { applyMergePatch } from '../../../src/apiserver/merge-patch.js';
import { applyJsonPatch } from '../../../src/apiserver/json-patch.js';
import { compileFieldSelector, parseFieldSelector } from '../../../src/apiserver/field-selectors.js';
import type { KubeObject } from '../../../src/api/types.js';

test('merge patch: RFC 7386 appendix A examples', () => {
  const rows: [unknown, unknown, unknown][] = [
    [{ a: 'b' }, { a: 'c' }, { a: 'c' }],
    [{ a: 'b' }, { b: 'c' }, { a: 'b', b: 'c' }],
    [{ a: 'b' }, { a: null }, {}],
    [{ a: 'b', b: 'c' }, { a: null }, { b: 'c' }],
    [{ a: ['b'] }, { a: 'c' }, { a: 'c' }],
    [{ a: 'c' }, { a: ['b'] }, { a: ['b'] }],
    [{ a: { b: 'c' } }, { a: { b: 'd', c: null } }, { a: { b: 'd' } }],
    [{ a: [{ b: 'c' }] }, { a: [1] }, { a: [1] }],
    [['a', 'b'], ['c', 'd'], ['c', 'd']],
    [{ a: 'b' }, ['c'], ['c']],
    [{ a: 'foo' }, null, null],
    [{ a: 'foo' }, 'bar', 'bar'],
    [{ e: null }, { a: 1 }, { e: null, a: 1 }],
    [[1, 2], { a: 'b', c: null }, { a: 'b' }],
    [{}, { a: { bb: { ccc: null } } }, { a: { bb: {} } }],
  ];
  for (const [target, patch, want] of rows) assert.deepEqual(applyMergePatch(target, patch), want, JSON.stringify([target, patch]));
});

test('merge patch does not mutate its inputs', () => {
  const target = { a: { b: 1 } };
  const patch = { a: { c: [1] } };
  const out = applyMergePatch(target, patch) as { a: { c: number[] } };
  out.a.c.push(2);
  assert.deepEqual(target, { a: { b: 1 } });
  assert.deepEqual(patch, { a: { c: [1] } });
});

test('json patch: add/replace/remove/test, all or nothing', () => {
  const doc = { metadata: { labels: { a: '1' } }, spec: { ports: [{ port: 80 }] } };
  const out = applyJsonPatch(doc, [
    { op: 'add', path: '/metadata/labels/b~1c', value: '2' },
    { op: 'replace', path: '/spec/ports/0/port', value: 81 },
    { op: 'add', path: '/spec/ports/-', value: { port: 443 } },
    { op: 'remove', path: '/metadata/labels/a' },
    { op: 'test', path: '/spec/ports/1/port', value: 443 },
  ]);
  assert.deepEqual(out, { metadata: { labels: { 'b/c': '2' } }, spec: { ports: [{ port: 81 }, { port: 443 }] } });
  assert.throws(() => applyJsonPatch(doc, [{ op: 'remove', path: '/nope' }]), /does not exist/);
  assert.deepEqual(doc.metadata.labels, { a: '1' });
});

test('field selector parsing by the table', () => {
  const rows: [string, unknown][] = [
    ['metadata.name=web', [{ field: 'metadata.name', op: '=', value: 'web' }]],
    ['metadata.name==web', [{ field: 'metadata.name', op: '=', value: 'web' }]],
    ['spec.nodeName!=n1', [{ field: 'spec.nodeName', op: '!=', value: 'n1' }]],
    ['spec.nodeName=,status.phase=Running', [{ field: 'spec.nodeName', op: '=', value: '' }, { field: 'status.phase', op: '=', value: 'Running' }]],
    ['', []],
  ];
  for (const [text, want] of rows) assert.deepEqual(parseFieldSelector(text), want, text);
  for (const bad of ['metadata.name', '=x', 'a!b']) assert.throws(() => parseFieldSelector(bad), /invalid selector/, bad);
});

test('field selector matching on pods, unknown fields rejected', () => {
  const pod = (name: string, nodeName?: string, phase?: string): KubeObject =>
    ({ apiVersion: 'v1', kind: 'Pod', metadata: { name, namespace: 'ns' }, spec: { nodeName }, status: { phase } });
  const m = compileFieldSelector('pods', parseFieldSelector('spec.nodeName=n1,status.phase!=Failed'));
  assert.equal(m(pod('a', 'n1', 'Running')), true);
  assert.equal(m(pod('b', 'n1', 'Failed')), false);
  assert.equal(m(pod('c', 'n2', 'Running')), false);
  const unscheduled = compileFieldSelector('pods', parseFieldSelector('spec.nodeName='));
  assert.equal(unscheduled(pod('d')), true);
  assert.equal(compileFieldSelector('pods', parseFieldSelector('metadata.namespace=ns'))(pod('e')), true);
  assert.throws(() => compileFieldSelector('configmaps', parseFieldSelector('spec.nodeName=x')), /field label not supported: spec.nodeName/);
});
