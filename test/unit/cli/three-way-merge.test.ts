import { test } from 'node:test';
import assert from 'node:assert/strict';
import { isEmptyPatch, threeWayMergePatch, type JsonObject } from '../../../src/cli/three-way-merge.js';

const cases: { name: string; original?: JsonObject; modified: JsonObject; current: JsonObject; want: JsonObject }[] = [
  { name: 'first apply of an existing object: only what differs', modified: { data: { a: '1', b: '2' } }, current: { data: { a: '1', b: 'x' }, metadata: { uid: 'u' } }, want: { data: { b: '2' } } },
  { name: 'nothing changed: empty patch', original: { data: { a: '1' } }, modified: { data: { a: '1' } }, current: { data: { a: '1' }, status: { x: 1 } }, want: {} },
  { name: 'a key the last manifest set and this one does not: removed', original: { data: { a: '1', b: '2' } }, modified: { data: { a: '1' } }, current: { data: { a: '1', b: '2' } }, want: { data: { b: null } } },
  { name: 'a whole section dropped', original: { metadata: { labels: { x: 'y' } } }, modified: { metadata: {} }, current: { metadata: { labels: { x: 'y', other: 'z' } } }, want: { metadata: { labels: null } } },
  { name: 'what others set and no manifest did: kept', original: { spec: { selector: { app: 'a' } } }, modified: { spec: { selector: { app: 'a' } } }, current: { spec: { selector: { app: 'a' }, replicas: 3, clusterIP: '10.96.0.9' } }, want: {} },
  { name: 'a field the manifest sets, changed by someone else: put back', original: { spec: { replicas: 2 } }, modified: { spec: { replicas: 2 } }, current: { spec: { replicas: 5 } }, want: { spec: { replicas: 2 } } },
  { name: 'a list whose live elements only gained defaults: left alone', original: { spec: { containers: [{ name: 'c', image: 'i' }] } }, modified: { spec: { containers: [{ name: 'c', image: 'i' }] } }, current: { spec: { containers: [{ name: 'c', image: 'i', imagePullPolicy: 'IfNotPresent' }] } }, want: {} },
  { name: 'a changed list: replaced whole by the manifest\'s', original: { spec: { containers: [{ name: 'c', image: 'i' }] } }, modified: { spec: { containers: [{ name: 'c', image: 'j' }] } }, current: { spec: { containers: [{ name: 'c', image: 'i', imagePullPolicy: 'IfNotPresent' }] } }, want: { spec: { containers: [{ name: 'c', image: 'j' }] } } },
  { name: 'a list of another length: replaced', modified: { spec: { ports: [{ port: 80 }] } }, current: { spec: { ports: [{ port: 80 }, { port: 443 }] } }, want: { spec: { ports: [{ port: 80 }] } } },
  { name: 'deletion and change in one object', original: { data: { a: '1', b: '2' } }, modified: { data: { a: '3' } }, current: { data: { a: '1', b: '2' } }, want: { data: { b: null, a: '3' } } },
  { name: 'a field dropped inside a list element: the manifest\'s list is sent whole', original: { spec: { containers: [{ name: 'c', image: 'i', command: ['x'] }] } }, modified: { spec: { containers: [{ name: 'c', image: 'i' }] } }, current: { spec: { containers: [{ name: 'c', image: 'i', command: ['x'], imagePullPolicy: 'IfNotPresent' }] } }, want: { spec: { containers: [{ name: 'c', image: 'i' }] } } },
  { name: 'a scalar that became an object', original: { spec: { x: 1 } }, modified: { spec: { x: { y: 1 } } }, current: { spec: { x: 1 } }, want: { spec: { x: { y: 1 } } } },
];

for (const c of cases) {
  test(`three-way merge patch: ${c.name}`, () => {
    const patch = threeWayMergePatch(c.original, c.modified, c.current);
    assert.deepEqual(patch, c.want);
    assert.equal(isEmptyPatch(patch), Object.keys(c.want).length === 0);
  });
}
