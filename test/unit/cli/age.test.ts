import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ageSince, humanDuration, rfc1123z } from '../../../src/cli/printers/age.js';
import { alignTabs, DESCRIBE_TABWRITER, TABLE_TABWRITER } from '../../../src/cli/printers/tabwriter.js';

process.env.TZ = 'UTC';

const S = 1000;
const M = 60 * S;
const H = 60 * M;
const D = 24 * H;

// Rows of k8s.io/apimachinery/pkg/util/duration.HumanDuration (and its tests).
const HUMAN_DURATION: [ms: number, text: string][] = [
  [0, '0s'],
  [-1500, '0s'], // up to 1s of clock skew counts as now
  [-2 * S, '<invalid>'],
  [999, '0s'],
  [1 * S, '1s'],
  [45 * S, '45s'],
  [70 * S, '70s'],
  [119 * S + 999, '119s'],
  [120 * S, '2m'],
  [190 * S, '3m10s'],
  [9 * M + 59 * S, '9m59s'],
  [10 * M, '10m'],
  [10 * M + 30 * S, '10m'],
  [70 * M, '70m'],
  [179 * M + 59 * S, '179m'],
  [3 * H, '3h'],
  [3 * H + 30 * M, '3h30m'],
  [7 * H + 59 * M, '7h59m'],
  [8 * H, '8h'],
  [47 * H + 59 * M, '47h'],
  [48 * H, '2d'],
  [49 * H, '2d1h'],
  [7 * D + 23 * H, '7d23h'],
  [8 * D + 2 * H, '8d'],
  [367 * D, '367d'],
  [2 * 365 * D - H, '729d'],
  [2 * 365 * D + 25 * H, '2y1d'],
  [3 * 365 * D, '3y'],
  [8 * 365 * D + 2 * H, '8y'],
  [20 * 365 * D, '20y'],
];

test('ages follow duration.HumanDuration rule for rule', () => {
  for (const [ms, text] of HUMAN_DURATION) assert.equal(humanDuration(ms), text, `${ms}ms`);
});

test('a missing or unparsable timestamp is <unknown>', () => {
  const now = Date.parse('2024-05-01T12:00:00Z');
  assert.equal(ageSince(undefined, now), '<unknown>');
  assert.equal(ageSince('', now), '<unknown>');
  assert.equal(ageSince('yesterday', now), '<unknown>');
  assert.equal(ageSince('2024-05-01T11:59:15Z', now), '45s');
  assert.equal(ageSince('2024-05-01T12:00:05Z', now), '<invalid>');
});

test('absolute times use Go RFC1123Z in the local zone', () => {
  assert.equal(rfc1123z('2024-05-01T09:03:07Z'), 'Wed, 01 May 2024 09:03:07 +0000');
  assert.equal(rfc1123z(undefined), 'Mon, 01 Jan 0001 00:00:00 +0000');
});

test('tabwriter: each column as wide as its widest cell plus padding, the last cell unpadded', () => {
  assert.equal(alignTabs('NAME\tSTATUS\tAGE\ndefault\tActive\t5d\n', TABLE_TABWRITER),
    'NAME      STATUS   AGE\ndefault   Active   5d\n');
  // minwidth 6: a narrow column is still 6 wide
  assert.equal(alignTabs('IP\tX\na\tb\n', TABLE_TABWRITER), 'IP    X\na     b\n');
});

test('tabwriter: a line without tabs ends the column block (describe alignment)', () => {
  const text = 'Name:\tweb\nLabels:\t<none>\nIPs:\n  IP:\t10.0.0.1\nControlled By:\tDeployment/web\nContainers:\nEvents:\t<none>\n';
  assert.equal(alignTabs(text, DESCRIBE_TABWRITER), [
    'Name:    web',
    'Labels:  <none>',
    'IPs:',
    '  IP:           10.0.0.1',
    'Controlled By:  Deployment/web',
    'Containers:',
    'Events:  <none>',
    '',
  ].join('\n'));
});

test('tabwriter: inner columns form their own blocks; empty cells pad', () => {
  const text = 'Port:\thttp\t80/TCP\nTargetPort:\t8080/TCP\nNodePort:\thttp\t30080/TCP\nEndpoints:\t\n';
  assert.equal(alignTabs(text, DESCRIBE_TABWRITER), [
    'Port:        http  80/TCP',
    'TargetPort:  8080/TCP',
    'NodePort:    http  30080/TCP',
    'Endpoints:   ',
    '',
  ].join('\n'));
  // widths count runes, not UTF-16 units
  assert.equal(alignTabs('é\tx\nab\ty\n', DESCRIBE_TABWRITER), 'é   x\nab  y\n');
});
