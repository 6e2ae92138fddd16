// Label selector parsing, matching and printing, as rows.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  matchesLabelSelector, matchesRequirements, matchesServiceSelector, parseSelector, selectorToString,
  validateLabelSelector, type Requirement,
} from '../../../src/api/labels.js';
import type { LabelSelector } from '../../../src/api/types.js';
import { LABEL_KEY_NAME_MSG, LABEL_VALUE_MSG } from './fixtures.js';

const parseRows: [string, Requirement[]][] = [
  ['', []],
  ['a=b', [{ key: 'a', operator: '=', values: ['b'] }]],
  ['a==b', [{ key: 'a', operator: '==', values: ['b'] }]],
  ['a!=b', [{ key: 'a', operator: '!=', values: ['b'] }]],
  ['a = b , c', [{ key: 'a', operator: '=', values: ['b'] }, { key: 'c', operator: 'exists', values: [] }]],
  // a set, as upstream's: sorted, and an empty entry is the empty value
  ['tier in (front, back)', [{ key: 'tier', operator: 'in', values: ['back', 'front'] }]],
  ['a in (b,)', [{ key: 'a', operator: 'in', values: ['', 'b'] }]],
  ['a in (,b)', [{ key: 'a', operator: 'in', values: ['', 'b'] }]],
  ['a in (b,,c)', [{ key: 'a', operator: 'in', values: ['', 'b', 'c'] }]],
  ['a notin ()', [{ key: 'a', operator: 'notin', values: [''] }]],
  ['tier notin (x)', [{ key: 'tier', operator: 'notin', values: ['x'] }]],
  ['!legacy', [{ key: 'legacy', operator: '!', values: [] }]],
  ['app.kubernetes.io/name=web,!x,env in (a,b)', [
    { key: 'app.kubernetes.io/name', operator: '=', values: ['web'] },
    { key: 'x', operator: '!', values: [] },
    { key: 'env', operator: 'in', values: ['a', 'b'] },
  ]],
  ['a=', [{ key: 'a', operator: '=', values: [''] }]],
  ['replicas>2,tier<10', [{ key: 'replicas', operator: 'gt', values: ['2'] }, { key: 'tier', operator: 'lt', values: ['10'] }]],
];
for (const [text, want] of parseRows) {
  test(`parseSelector: ${JSON.stringify(text)}`, () => assert.deepEqual(parseSelector(text), want));
}

// exact messages: upstream's parse() wraps what fails inside a requirement in
// "unable to parse requirement: ", and nothing else; the end of the string reads ''
const badRows: [string, string | RegExp][] = [
  ['a in b', "unable to parse requirement: found 'b', expected: '('"],
  ['a in (b', "unable to parse requirement: found '', expected: ',' or ')'"],
  ['a in (=)', "unable to parse requirement: found '=', expected: ',', ')' or identifier"],
  ['a b', "unable to parse requirement: found 'b', expected: in, notin, =, ==, !=, gt, lt, or end of string"],
  ['a=b,', "found '', expected: identifier after ','"],
  ['a=b,,c', "found ',', expected: identifier after ','"],
  ['=b', "found '=', expected: !, identifier, or 'end of string'"],
  ['a=b c', "found 'c', expected: ',' or 'end of string'"],
  ['bad key!=x', /found 'key'/],
  ['a=-x', /^unable to parse requirement: invalid label value: "-x": at key: "a"/],
  ['a/b/c=x', /^unable to parse requirement: invalid label key "a\/b\/c"/],
  ['a>x', `unable to parse requirement: values[0]: Invalid value: "x": for 'Gt', 'Lt' operators, the value must be an integer`],
];
for (const [text, want] of badRows) {
  test(`parseSelector rejects ${JSON.stringify(text)}`, () => assert.throws(() => parseSelector(text), (e: Error) => (typeof want === 'string' ? e.message === want : want.test(e.message))));
}

const matchRows: [string, Record<string, string> | undefined, boolean][] = [
  ['a=b', { a: 'b' }, true],
  ['a=b', { a: 'c' }, false],
  ['a=b', undefined, false],
  ['a!=b', {}, true],
  ['a!=b', { a: 'b' }, false],
  ['a in (x,y)', { a: 'y' }, true],
  ['a notin (x,y)', { a: 'z' }, true],
  ['a notin (x,y)', {}, true],
  ['a in ()', { a: '' }, true],
  ['a in ()', { a: 'x' }, false],
  ['a', { a: '' }, true],
  ['!a', { a: '' }, false],
  ['', undefined, true],
  ['a=b,c', { a: 'b' }, false],
  ['n>2', { n: '3' }, true],
  ['n>2', { n: '2' }, false],
  ['n<2', { n: '-1' }, true],
  ['n>2', { n: 'x' }, false],
  ['n>2', {}, false],
];
for (const [text, labels, want] of matchRows) {
  test(`matchesRequirements: ${JSON.stringify(text)} on ${JSON.stringify(labels)}`, () => {
    assert.equal(matchesRequirements(parseSelector(text), labels), want);
  });
}

const selRows: [LabelSelector | undefined, Record<string, string>, boolean][] = [
  [{}, { any: 'thing' }, true],
  [undefined, { a: 'b' }, false],
  [{ matchLabels: { app: 'web' } }, { app: 'web', pod: 'x' }, true],
  [{ matchLabels: { app: 'web' }, matchExpressions: [{ key: 'tier', operator: 'In', values: ['a'] }] }, { app: 'web', tier: 'b' }, false],
  [{ matchExpressions: [{ key: 'tier', operator: 'DoesNotExist' }] }, { app: 'web' }, true],
  [{ matchExpressions: [{ key: 'tier', operator: 'Bogus' as never }] }, { tier: 'x' }, false],
];
selRows.forEach(([sel, labels, want], i) => {
  test(`matchesLabelSelector row ${i}`, () => assert.equal(matchesLabelSelector(sel, labels), want));
});

test('matchesServiceSelector: empty or missing selects nothing; all pairs must match', () => {
  assert.equal(matchesServiceSelector(undefined, { a: 'b' }), false);
  assert.equal(matchesServiceSelector({}, { a: 'b' }), false);
  assert.equal(matchesServiceSelector({ a: 'b' }, { a: 'b', c: 'd' }), true);
  assert.equal(matchesServiceSelector({ a: 'b', c: 'x' }, { a: 'b', c: 'd' }), false);
});

test('selectorToString sorts by key and round-trips', () => {
  const sel: LabelSelector = {
    matchLabels: { tier: 'web', app: 'shop' },
    matchExpressions: [{ key: 'env', operator: 'NotIn', values: ['prod', 'dev'] }, { key: 'canary', operator: 'DoesNotExist' }, { key: 'b', operator: 'Exists' }],
  };
  const s = selectorToString(sel);
  assert.equal(s, 'app=shop,b,!canary,env notin (dev,prod),tier=web');
  const samples: Record<string, string>[] = [{ app: 'shop', tier: 'web', b: '1' }, { app: 'shop', tier: 'web', b: '1', env: 'prod' }, { app: 'shop' }];
  for (const labels of samples) {
    assert.equal(matchesRequirements(parseSelector(s), labels), matchesLabelSelector(sel, labels));
  }
  assert.equal(selectorToString({}), '');
});

test('validateLabelSelector reports upstream messages', () => {
  const errs = validateLabelSelector({
    matchLabels: { 'bad key': 'v', ok: '-bad' },
    matchExpressions: [
      { key: 'a', operator: 'In', values: [] },
      { key: 'b', operator: 'Exists', values: ['x'] },
      { key: 'c', operator: 'Like' },
    ],
  }, 'spec.selector').map(String);
  assert.deepEqual(errs, [
    `spec.selector.matchLabels: Invalid value: "bad key": ${LABEL_KEY_NAME_MSG}`,
    `spec.selector.matchLabels: Invalid value: "-bad": ${LABEL_VALUE_MSG}`,
    "spec.selector.matchExpressions[0].values: Required value: must be specified when `operator` is 'In' or 'NotIn'",
    "spec.selector.matchExpressions[1].values: Forbidden: may not be specified when `operator` is 'Exists' or 'DoesNotExist'",
    'spec.selector.matchExpressions[2].operator: Invalid value: "Like": not a valid selector operator',
  ]);
});
