// `-o custom-columns=…` and `-o custom-columns-file=…`: the tables kubectl
// v1.32 prints for the same objects, and its messages for a bad spec.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { parseCustomColumns, parseCustomColumnsFile, printCustomColumns } from '../../../src/cli/printers/custom-columns.js';
import { objectsPrinter } from '../../../src/cli/commands/get.js';
import type { KubeObject } from '../../../src/api/types.js';
import { lines } from './fixtures.js';

const WEB_1 = {
  apiVersion: 'v1', kind: 'Pod', metadata: { name: 'web-1', namespace: 'default' },
  spec: { containers: [{ name: 'c', image: 'nginx', ports: [{ containerPort: 80 }, { containerPort: 443 }] }] },
  status: { phase: 'Running', podIP: '10.0.0.1', conditions: [{ type: 'Ready', status: 'True' }], ratio: 1.5, tiny: 0.00001, nothing: null, empty: '', m: { b: 1, a: [1, 'x'], c: { d: 'e' } } },
} as KubeObject;
const WEB_2 = {
  apiVersion: 'v1', kind: 'Pod', metadata: { name: 'web-long-name-2', namespace: 'default' },
  spec: { containers: [{ name: 'c', image: 'nginx' }, { name: 'side', image: 'busybox' }] },
  status: { phase: 'Pending' },
} as KubeObject;

const table = (spec: string, objects: readonly unknown[] = [WEB_1, WEB_2], noHeaders = false) => printCustomColumns(objects, parseCustomColumns(spec), { noHeaders });

test('a header row, one row per object, <none> where the path finds nothing, aligned as kubectl aligns tables', () => {
  assert.equal(table('NAME:.metadata.name,IP:.status.podIP'), lines(
    'NAME              IP',
    'web-1             10.0.0.1',
    'web-long-name-2   <none>',
  ));
  // the four spellings of a path kubectl accepts
  assert.equal(table('A:.status.phase,B:status.phase,C:{.status.phase},D:{status.phase}', [WEB_1]), lines(
    'A         B         C         D',
    'Running   Running   Running   Running',
  ));
});

test('several values are joined by commas; maps, lists, numbers and null as Go prints them', () => {
  assert.equal(table('PORTS:.spec.containers[*].ports[*].containerPort,IMAGES:.spec.containers[*].image,READY:.status.conditions[?(@.type=="Ready")].status'), lines(
    'PORTS    IMAGES          READY',
    '80,443   nginx           True',
    '<none>   nginx,busybox   <none>',
  ));
  assert.equal(table('M:.status.m,A:.status.m.a,C:.status.conditions,NIL:.status.nothing,EMPTY:.status.empty,R:.status.ratio,T:.status.tiny', [WEB_1]), lines(
    'M                             A       C                               NIL     EMPTY   R     T',
    'map[a:[1 x] b:1 c:map[d:e]]   [1 x]   [map[status:True type:Ready]]   <nil>           1.5   1e-05',
  ));
});

test('the header alone when nothing was found; noHeaders drops it; terminal escapes are made visible', () => {
  assert.equal(table('NAME:.metadata.name', []), lines('NAME'));
  assert.equal(table('NAME:.metadata.name,PHASE:.status.phase', [WEB_1, WEB_2], true), lines(
    'web-1             Running',
    'web-long-name-2   Pending',
  ));
  assert.equal(table('K:.data.k', [{ data: { k: 'v\x1b[31m\r' } }]), lines('K', 'v^[[31m\\r'));
});

test('spec edge cases as kubectl reads them: a header may be empty or have spaces, a path may be empty or hold colons', () => {
  assert.equal(table('N:', [WEB_1]), lines('N', '<none>'));
  assert.equal(table(':.kind', [WEB_1]), lines('', 'Pod'));
  assert.equal(table('A B:.kind,C:x:y', [WEB_1]), lines('A B   C', 'Pod   <none>'));
});

test('a bad spec fails in kubectl\'s words', () => {
  assert.throws(() => parseCustomColumns(''), /^PodnetError: custom-columns format specified but no custom columns given$/);
  assert.throws(() => parseCustomColumns('N'), /^PodnetError: unexpected custom-columns spec: N, expected <header>:<json-path-expr>$/);
  assert.throws(() => parseCustomColumns('A:.kind,,B:.kind'), /unexpected custom-columns spec: , expected <header>:<json-path-expr>/);
  assert.throws(() => parseCustomColumns('N:{.a}{.b}'), /unexpected path string, expected a 'name1.name2'/);
  assert.throws(() => parseCustomColumns('N:.a['), { code: 'EJSONPATH', message: 'unterminated array' });
  // a path that fails while running fails the whole table
  assert.throws(() => table('N:.spec.containers[0:5]'), { code: 'EJSONPATH', message: 'array index out of bounds: index 4, length 1' });
});

test('custom-columns-file: a line of headers and a line of paths, split at white space', () => {
  const columns = parseCustomColumnsFile('NAME   IMAGES\r\n.metadata.name  {.spec.containers[*].image}\nignored line\n');
  assert.deepEqual(columns.map((c) => c.header), ['NAME', 'IMAGES']);
  assert.equal(printCustomColumns([WEB_1, WEB_2], columns, { noHeaders: false }), lines(
    'NAME              IMAGES',
    'web-1             nginx',
    'web-long-name-2   nginx,busybox',
  ));
  const format = 'Expected format is one line of space separated headers, one line of space separated column specs.';
  assert.throws(() => parseCustomColumnsFile(''), { message: `invalid template, missing header line. ${format}` });
  assert.throws(() => parseCustomColumnsFile('NAME\n'), { message: `invalid template, missing spec line. ${format}` });
  assert.throws(() => parseCustomColumnsFile('NAME IMAGE\n.metadata.name\n'), { message: "number of headers (2) and field specifications (1) don't match" });
  assert.throws(() => parseCustomColumnsFile('NAME\n\n'), { message: "number of headers (1) and field specifications (0) don't match" });
});

test('get -o custom-columns: one row per object, whether named or listed, across kinds', () => {
  const cm = { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'cm1', namespace: 'default' } } as KubeObject;
  const print = objectsPrinter('custom-columns=NAME:.metadata.name,KIND:.kind');
  assert.equal(print([WEB_1], true), lines('NAME    KIND', 'web-1   Pod'));
  assert.equal(print([WEB_1, WEB_2, cm], false), lines(
    'NAME              KIND',
    'web-1             Pod',
    'web-long-name-2   Pod',
    'cm1               ConfigMap',
  ));
  assert.equal(print([], false), lines('NAME   KIND'));
});

test('get -o custom-columns with --no-headers drops the header row; custom-columns-file keeps it, as kubectl\'s does', (t) => {
  const print = objectsPrinter('custom-columns=NAME:.metadata.name,KIND:.kind', { noHeaders: true });
  assert.equal(print([WEB_1, WEB_2], false), lines('web-1             Pod', 'web-long-name-2   Pod'));
  assert.equal(print([], false), '');
  const dir = mkdtempSync(path.join(tmpdir(), 'podnet-cc-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const file = path.join(dir, 'columns.txt');
  writeFileSync(file, 'NAME KIND\n.metadata.name .kind\n');
  assert.equal(objectsPrinter(`custom-columns-file=${file}`, { noHeaders: true })([WEB_1], true), lines('NAME    KIND', 'web-1   Pod'));
});
