// spec.schedule as cron reads it: the fields' syntax, names, the day-of-month
// / day-of-week OR rule, the descriptors, and the next time after an instant (UTC).

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { formatInZone, nextScheduleTime, nextScheduleTimeIn, parseCronSchedule, zoneOffsetMs } from '../../../src/api/cron-schedule.js';

const next = (schedule: string, after: string) => {
  const t = nextScheduleTime(parseCronSchedule(schedule), Date.parse(after));
  return t === undefined ? undefined : new Date(t).toISOString();
};

const NEXT_CASES: { schedule: string; after: string; want: string | undefined }[] = [
  { schedule: '* * * * *', after: '2026-03-01T10:00:00Z', want: '2026-03-01T10:01:00.000Z' },
  { schedule: '* * * * *', after: '2026-03-01T10:00:59.999Z', want: '2026-03-01T10:01:00.000Z' },
  { schedule: '*/15 * * * *', after: '2026-03-01T10:07:00Z', want: '2026-03-01T10:15:00.000Z' },
  { schedule: '5/20 * * * *', after: '2026-03-01T10:26:00Z', want: '2026-03-01T10:45:00.000Z' },
  { schedule: '0 9-17/4 * * *', after: '2026-03-01T13:00:00Z', want: '2026-03-01T17:00:00.000Z' },
  { schedule: '30 2 * * *', after: '2026-03-01T03:00:00Z', want: '2026-03-02T02:30:00.000Z' },
  { schedule: '0 0 1,15 * *', after: '2026-03-02T00:00:00Z', want: '2026-03-15T00:00:00.000Z' },
  { schedule: '0 0 * jan,jul *', after: '2026-03-02T00:00:00Z', want: '2026-07-01T00:00:00.000Z' },
  // 2026-03-01 is a Sunday
  { schedule: '0 12 * * MON-FRI', after: '2026-02-28T13:00:00Z', want: '2026-03-02T12:00:00.000Z' },
  // both days restricted: the 13th OR a Friday, whichever comes first
  { schedule: '0 0 13 * 5', after: '2026-03-01T00:00:00Z', want: '2026-03-06T00:00:00.000Z' },
  { schedule: '0 0 13 * 5', after: '2026-03-06T00:00:00Z', want: '2026-03-13T00:00:00.000Z' },
  // day of week `*`: the day of month alone decides
  { schedule: '0 0 13 * *', after: '2026-03-01T00:00:00Z', want: '2026-03-13T00:00:00.000Z' },
  { schedule: '0 0 29 2 *', after: '2026-03-01T00:00:00Z', want: '2028-02-29T00:00:00.000Z' },
  { schedule: '0 0 30 2 *', after: '2026-03-01T00:00:00Z', want: undefined },
  { schedule: '@hourly', after: '2026-03-01T10:00:00Z', want: '2026-03-01T11:00:00.000Z' },
  { schedule: '@daily', after: '2026-12-31T10:00:00Z', want: '2027-01-01T00:00:00.000Z' },
  { schedule: '@weekly', after: '2026-03-01T00:00:00Z', want: '2026-03-08T00:00:00.000Z' },
  { schedule: '@monthly', after: '2026-03-01T00:00:00Z', want: '2026-04-01T00:00:00.000Z' },
  { schedule: '@yearly', after: '2026-03-01T00:00:00Z', want: '2027-01-01T00:00:00.000Z' },
  { schedule: '@annually', after: '2026-03-01T00:00:00Z', want: '2027-01-01T00:00:00.000Z' },
];

for (const c of NEXT_CASES) {
  test(`next "${c.schedule}" after ${c.after} is ${c.want}`, () => assert.equal(next(c.schedule, c.after), c.want));
}

const REFUSED: { schedule: string; error: string }[] = [
  { schedule: '* * * *', error: 'expected exactly 5 fields, found 4: [* * * *]' },
  { schedule: '* * * * * *', error: 'expected exactly 5 fields, found 6: [* * * * * *]' },
  { schedule: '60 * * * *', error: 'end of range (60) above maximum (59): 60' },
  { schedule: '* * 0 * *', error: 'beginning of range (0) below minimum (1): 0' },
  { schedule: '* 5-2 * * *', error: 'beginning of range (5) beyond end of range (2): 5-2' },
  { schedule: '*/0 * * * *', error: 'step of range should be a positive number: */0' },
  { schedule: '1/2/3 * * * *', error: 'too many slashes: 1/2/3' },
  { schedule: '1-2-3 * * * *', error: 'too many hyphens: 1-2-3' },
  { schedule: 'x * * * *', error: 'failed to parse int from x' },
  { schedule: '* * * * 7', error: 'end of range (7) above maximum (6): 7' },
  { schedule: '@fortnightly', error: 'unrecognized descriptor: @fortnightly' },
];

for (const c of REFUSED) {
  test(`"${c.schedule}" is refused: ${c.error}`, () => assert.throws(() => parseCronSchedule(c.schedule), { message: c.error }));
}

test('names are case-insensitive and lists mix names, numbers and ranges', () => {
  const s = parseCronSchedule('0 0 * Jan,MAR-apr,12 sun,3');
  assert.deepEqual([...s.months].sort((a, b) => a - b), [1, 3, 4, 12]);
  assert.deepEqual([...s.daysOfWeek].sort(), [0, 3]);
  assert.equal(s.dayStar, true);
});

test('a stepped star restricts its field: */2 in day of month makes the days ORed', () => {
  assert.equal(parseCronSchedule('0 0 */2 * 1').dayStar, false);
  assert.equal(parseCronSchedule('0 0 ? * 1').dayStar, true);
});

const nextIn = (schedule: string, after: string, zone: string) => {
  const t = nextScheduleTimeIn(parseCronSchedule(schedule), Date.parse(after), zone);
  return t === undefined ? undefined : new Date(t).toISOString();
};

test('a time zone: the fields are read on its wall clock', () => {
  // Paris is UTC+1 in winter, UTC+2 in summer
  assert.equal(nextIn('0 9 * * *', '2026-01-10T00:00:00Z', 'Europe/Paris'), '2026-01-10T08:00:00.000Z');
  assert.equal(nextIn('0 9 * * *', '2026-07-10T00:00:00Z', 'Europe/Paris'), '2026-07-10T07:00:00.000Z');
  assert.equal(nextIn('0 9 * * *', '2026-07-10T07:00:00Z', 'Europe/Paris'), '2026-07-11T07:00:00.000Z');
  assert.equal(nextIn('30 17 * * *', '2026-01-10T00:00:00Z', 'America/New_York'), '2026-01-10T22:30:00.000Z');
  assert.equal(nextIn('0 9 * * *', '2026-01-10T00:00:00Z', 'UTC'), '2026-01-10T09:00:00.000Z');
});

test('the scheduled-timestamp annotation carries the zone\'s offset', () => {
  const t = Date.parse('2026-01-10T08:00:00Z');
  assert.equal(formatInZone(t, undefined), '2026-01-10T08:00:00Z');
  assert.equal(formatInZone(t, 'Europe/Paris'), '2026-01-10T09:00:00+01:00');
  assert.equal(formatInZone(t, 'America/New_York'), '2026-01-10T03:00:00-05:00');
  assert.equal(zoneOffsetMs('Asia/Kolkata', t), 330 * 60_000);
});
