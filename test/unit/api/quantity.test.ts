// resource.Quantity parsing and the rounding of Value() and MilliValue(), as rows.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ceilDiv, formatMilli, parseMilli, quantityMilliValue, quantityValue } from '../../../src/api/quantity.js';

// [quantity, Value() in whole base units, MilliValue()]
const parseRows: [string | number, bigint, bigint][] = [
  ['0', 0n, 0n],
  ['1', 1n, 1000n],
  ['+2', 2n, 2000n],
  ['100m', 1n, 100n],
  ['500m', 1n, 500n],
  ['1.5', 2n, 1500n],
  ['.5', 1n, 500n],
  ['5.', 5n, 5000n],
  ['250u', 1n, 1n],
  ['3n', 1n, 1n],
  ['1k', 1000n, 1_000_000n],
  ['1G', 1_000_000_000n, 1_000_000_000_000n],
  ['128Mi', 134_217_728n, 134_217_728_000n],
  ['1.5Gi', 1_610_612_736n, 1_610_612_736_000n],
  ['5e3', 5000n, 5_000_000n],
  ['5E3', 5000n, 5_000_000n],
  ['5e+3', 5000n, 5_000_000n],
  ['5e-3', 1n, 5n],
  // E alone is exa, not an exponent
  ['2E', 2_000_000_000_000_000_000n, 2_000_000_000_000_000_000_000n],
  // beyond 2^53, exact: Number would round these
  ['1Ei', 1_152_921_504_606_846_976n, 1_152_921_504_606_846_976_000n],
  ['8Pi', 9_007_199_254_740_992n, 9_007_199_254_740_992_000n],
  // numbers, as JSON may carry them
  [0.5, 1n, 500n],
  [3, 3n, 3000n],
  [1e21, 1_000_000_000_000_000_000_000n, 1_000_000_000_000_000_000_000_000n],
];

test('quantities parse exactly; Value() and MilliValue() round up', () => {
  for (const [q, value, milli] of parseRows) {
    assert.equal(quantityValue(q), value, String(q));
    assert.equal(quantityMilliValue(q), milli, String(q));
  }
});

test('what is not a quantity is undefined', () => {
  for (const q of ['', 'abc', '1K', '1.2.3', 'Mi', '1e', '--1', '1 Mi', '1mi', '.', '+', '1e1001', '0x10']) {
    assert.equal(quantityValue(q), undefined, q);
    assert.equal(quantityMilliValue(q), undefined, q);
  }
});

test('ceilDiv rounds toward positive infinity, whatever the signs', () => {
  const rows: [bigint, bigint, bigint][] = [[7n, 2n, 4n], [6n, 2n, 3n], [0n, 5n, 0n], [1n, 1000n, 1n], [-7n, 2n, -3n], [7n, -2n, -3n], [-7n, -2n, 4n]];
  for (const [a, b, want] of rows) assert.equal(ceilDiv(a, b), want, `${a}/${b}`);
});

test('parseMilli: 0 when absent, NaN when unparsable, milli-units as a number', () => {
  assert.equal(parseMilli(undefined), 0);
  assert.equal(parseMilli(''), 0);
  assert.ok(Number.isNaN(parseMilli('lots')));
  assert.equal(parseMilli('250m'), 250);
  assert.equal(parseMilli(' 2 '), 2000);
  assert.equal(parseMilli('1Gi'), 1_073_741_824_000);
});

test('formatMilli prints as Quantity.String() does: millis as m, exact byte sizes in binary units', () => {
  const rows: [number, boolean, string][] = [
    [0, true, '0'],
    [250, false, '250m'],
    [2000, false, '2'],
    [1500, true, '1500m'],
    [134_217_728_000, true, '128Mi'],
    [134_217_728_000, false, '134217728'],
    [1_610_612_736_000, true, '1536Mi'],
    [1_000_000, true, '1000'],
  ];
  for (const [milli, bytes, want] of rows) assert.equal(formatMilli(milli, bytes), want, `${milli} ${bytes}`);
});
