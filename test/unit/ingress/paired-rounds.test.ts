import { test } from 'node:test';
import assert from 'node:assert/strict';
import { formatSpread, quantile, roundOrder, spread } from '../../../bench/ingress/paired-rounds.js';

test('roundOrder: two sides alternate ABBA, so neither always goes first', () => {
  assert.deepEqual(roundOrder(2, 4), [[0, 1], [1, 0], [1, 0], [0, 1]]);
});

test('roundOrder: every side runs once per round, and each position is held by every side', () => {
  const order = roundOrder(3, 6);
  for (const round of order) assert.deepEqual([...round].sort(), [0, 1, 2]);
  for (let pos = 0; pos < 3; pos++) assert.deepEqual(new Set(order.map((r) => r[pos])), new Set([0, 1, 2]));
});

test('quantile: rows', () => {
  const rows: [number[], number, number][] = [
    [[5], 0.5, 5],
    [[1, 2, 3, 4], 0.5, 2.5],
    [[4, 1, 3, 2], 0.25, 1.75],
    [[1, 2, 3, 4, 5], 0.75, 4],
    [[1, 2, 3, 4, 5], 0, 1],
    [[1, 2, 3, 4, 5], 1, 5],
  ];
  for (const [xs, q, want] of rows) assert.equal(quantile(xs, q), want, `${xs} q=${q}`);
  assert.ok(Number.isNaN(quantile([], 0.5)));
});

test('spread and its one-line form', () => {
  const s = spread([0.62, 0.7, 0.74, 0.78, 0.81]);
  assert.deepEqual(s, { median: 0.74, q1: 0.7, q3: 0.78, min: 0.62, max: 0.81, n: 5 });
  assert.equal(formatSpread(s), '0.74 (IQR 0.70–0.78, range 0.62–0.81, 5 rounds)');
});
