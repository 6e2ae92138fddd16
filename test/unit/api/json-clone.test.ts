import { test } from 'node:test';
import assert from 'node:assert/strict';
import { jsonClone } from '../../../src/api/json-clone.js';

const roundTrip = (v: unknown): unknown => JSON.parse(JSON.stringify(v)) as unknown;

const cases: [string, unknown][] = [
  ['a Pod', { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p', labels: { app: 'x' } }, spec: { containers: [{ name: 'c', image: 'i', ports: [{ containerPort: 80 }] }] } }],
  ['undefined properties are left out', { a: undefined, b: 1, c: { d: undefined } }],
  ['undefined, functions and symbols in arrays become null', [undefined, () => 1, Symbol('s'), 2]],
  ['non-finite numbers become null', { a: NaN, b: Infinity, c: [-Infinity], d: -0 }],
  ['a Date becomes its toJSON string', { at: new Date(0) }],
  ['empty containers', { a: {}, b: [], c: [[]] }],
  ['strings, booleans, null', ['', 'x', true, false, null]],
  ['integer-like keys', { 2: 'b', 1: 'a', x: 'c' }],
  ['a primitive', 'text'],
  ['null', null],
];

for (const [name, value] of cases) {
  test(`jsonClone equals the JSON round trip: ${name}`, () => {
    const c = jsonClone(value);
    assert.deepEqual(c, roundTrip(value));
    assert.equal(JSON.stringify(c), JSON.stringify(value), 'same text, key order included');
  });
}

test('jsonClone copies: nothing is shared with the original, frozen input gives mutable output', () => {
  const orig = Object.freeze({ a: Object.freeze({ b: Object.freeze([1, 2]) }) });
  const c = jsonClone(orig) as unknown as { a: { b: number[] } };
  c.a.b.push(3);
  assert.deepEqual(orig.a.b, [1, 2]);
  assert.notEqual(c.a, orig.a);
});

test('jsonClone keeps a "__proto__" key as an own property, as JSON.parse does', () => {
  const v = JSON.parse('{"__proto__": {"polluted": true}, "x": 1}') as Record<string, unknown>;
  const c = jsonClone(v);
  assert.equal(Object.getPrototypeOf(c), Object.prototype);
  assert.deepEqual(Object.keys(c), ['__proto__', 'x']);
  assert.equal(JSON.stringify(c), JSON.stringify(v));
});

test('jsonClone of undefined is undefined', () => {
  assert.equal(jsonClone(undefined), undefined);
});
