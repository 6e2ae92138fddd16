// A CronJob's spec.schedule: the five standard cron fields (minute, hour,
// day of month, month, day of week) or a descriptor (@hourly … @yearly), read
// as upstream's parser (robfig/cron's standard parser) reads them, and the
// next time it fires after a given instant, in UTC or on a time zone's wall
// clock (spec.timeZone).
//
// Day of month and day of week combine as cron does: when both are
// restricted (neither starts with `*` or `?`), a day matches if either does.

/** the descriptors the standard parser knows, as the five fields they stand for */
const DESCRIPTORS: Record<string, string> = {
  '@yearly': '0 0 1 1 *', '@annually': '0 0 1 1 *', '@monthly': '0 0 1 * *',
  '@weekly': '0 0 * * 0', '@daily': '0 0 * * *', '@midnight': '0 0 * * *', '@hourly': '0 * * * *',
};
const MONTH_NAMES = ['jan', 'feb', 'mar', 'apr', 'may', 'jun', 'jul', 'aug', 'sep', 'oct', 'nov', 'dec'];
const DAY_NAMES = ['sun', 'mon', 'tue', 'wed', 'thu', 'fri', 'sat'];

interface FieldBounds { min: number; max: number; names?: string[]; namesFrom?: number }
const BOUNDS: FieldBounds[] = [
  { min: 0, max: 59 }, { min: 0, max: 23 }, { min: 1, max: 31 },
  { min: 1, max: 12, names: MONTH_NAMES, namesFrom: 1 }, { min: 0, max: 6, names: DAY_NAMES, namesFrom: 0 },
];

/** No time is searched further ahead than this: a schedule such as `0 0 30 2 *` never fires. */
const SEARCH_YEARS = 5;
const MINUTE_MS = 60_000;

export interface CronSchedule {
  minutes: ReadonlySet<number>;
  hours: ReadonlySet<number>;
  daysOfMonth: ReadonlySet<number>;
  months: ReadonlySet<number>;
  daysOfWeek: ReadonlySet<number>;
  /** day of month or day of week written as `*`/`?`: the two are then ANDed, not ORed */
  dayStar: boolean;
}

export class CronScheduleError extends Error {}

function parseValue(text: string, bounds: FieldBounds): number {
  const named = bounds.names?.indexOf(text.toLowerCase()) ?? -1;
  if (named >= 0) return named + (bounds.namesFrom ?? 0);
  if (!/^\d+$/.test(text)) throw new CronScheduleError(`failed to parse int from ${text}`);
  return Number(text);
}

/** One comma-separated part: `*`, `?`, `N`, `N-M`, each with an optional `/step`. */
function parseRange(expr: string, bounds: FieldBounds, into: Set<number>): boolean {
  const slash = expr.split('/');
  if (slash.length > 2) throw new CronScheduleError(`too many slashes: ${expr}`);
  const [rangeText, stepText] = slash as [string, string | undefined];
  const hyphen = rangeText.split('-');
  if (hyphen.length > 2) throw new CronScheduleError(`too many hyphens: ${expr}`);
  let start: number;
  let end: number;
  const star = rangeText === '*' || rangeText === '?';
  if (star) {
    start = bounds.min;
    end = bounds.max;
  } else {
    start = parseValue(hyphen[0]!, bounds);
    end = hyphen.length === 2 ? parseValue(hyphen[1]!, bounds) : start;
  }
  let step = 1;
  if (stepText !== undefined) {
    if (!/^\d+$/.test(stepText)) throw new CronScheduleError(`failed to parse int from ${stepText}`);
    step = Number(stepText);
    if (step <= 0) throw new CronScheduleError(`step of range should be a positive number: ${expr}`);
    // `N/step` runs from N to the field's end
    if (!star && hyphen.length === 1) end = bounds.max;
  }
  if (start < bounds.min) throw new CronScheduleError(`beginning of range (${start}) below minimum (${bounds.min}): ${expr}`);
  if (end > bounds.max) throw new CronScheduleError(`end of range (${end}) above maximum (${bounds.max}): ${expr}`);
  if (start > end) throw new CronScheduleError(`beginning of range (${start}) beyond end of range (${end}): ${expr}`);
  for (let v = start; v <= end; v += step) into.add(v);
  return star && step === 1;
}

function parseField(text: string, bounds: FieldBounds): { values: Set<number>; star: boolean } {
  const values = new Set<number>();
  let star = false;
  for (const part of text.split(',')) star = parseRange(part, bounds, values) || star;
  return { values, star };
}

/** Parses a schedule; throws CronScheduleError with the parser's reason. */
export function parseCronSchedule(text: string): CronSchedule {
  const trimmed = text.trim();
  if (trimmed.startsWith('@')) {
    const expanded = DESCRIPTORS[trimmed.toLowerCase()];
    if (!expanded) throw new CronScheduleError(`unrecognized descriptor: ${trimmed}`);
    return parseCronSchedule(expanded);
  }
  const fields = trimmed.split(/\s+/).filter((f) => f !== '');
  if (fields.length !== 5) throw new CronScheduleError(`expected exactly 5 fields, found ${fields.length}: [${fields.join(' ')}]`);
  const [minutes, hours, dom, months, dow] = fields.map((f, i) => parseField(f, BOUNDS[i]!));
  return {
    minutes: minutes!.values, hours: hours!.values, daysOfMonth: dom!.values, months: months!.values, daysOfWeek: dow!.values,
    dayStar: dom!.star || dow!.star,
  };
}

function dayMatches(s: CronSchedule, d: Date): boolean {
  const dom = s.daysOfMonth.has(d.getUTCDate());
  const dow = s.daysOfWeek.has(d.getUTCDay());
  return s.dayStar ? dom && dow : dom || dow;
}

/**
 * The first time the schedule fires strictly after afterMs (whole minutes,
 * UTC), or undefined when it fires in none of the next SEARCH_YEARS years.
 * Skips whole days and hours that cannot match, so a year is a few thousand steps.
 */
export function nextScheduleTime(s: CronSchedule, afterMs: number): number | undefined {
  const t = new Date(Math.floor(afterMs / MINUTE_MS) * MINUTE_MS + MINUTE_MS);
  const limit = t.getTime() + SEARCH_YEARS * 366 * 24 * 60 * MINUTE_MS;
  while (t.getTime() <= limit) {
    if (!s.months.has(t.getUTCMonth() + 1)) {
      t.setUTCMonth(t.getUTCMonth() + 1, 1);
      t.setUTCHours(0, 0, 0, 0);
    } else if (!dayMatches(s, t)) {
      t.setUTCDate(t.getUTCDate() + 1);
      t.setUTCHours(0, 0, 0, 0);
    } else if (!s.hours.has(t.getUTCHours())) {
      t.setUTCHours(t.getUTCHours() + 1, 0, 0, 0);
    } else if (!s.minutes.has(t.getUTCMinutes())) {
      t.setUTCMinutes(t.getUTCMinutes() + 1, 0, 0);
    } else {
      return t.getTime();
    }
  }
  return undefined;
}

const zoneFormats = new Map<string, Intl.DateTimeFormat>();

/** How far the zone's wall clock is ahead of UTC at atMs (negative west of Greenwich). */
export function zoneOffsetMs(zone: string, atMs: number): number {
  let format = zoneFormats.get(zone);
  if (!format) {
    format = new Intl.DateTimeFormat('en-US', {
      timeZone: zone, hourCycle: 'h23', year: 'numeric', month: 'numeric', day: 'numeric', hour: 'numeric', minute: 'numeric', second: 'numeric',
    });
    zoneFormats.set(zone, format);
  }
  const parts = Object.fromEntries(format.formatToParts(new Date(atMs)).map((p) => [p.type, Number(p.value)]));
  const wall = Date.UTC(parts.year!, parts.month! - 1, parts.day!, parts.hour!, parts.minute!, parts.second!);
  return wall - Math.floor(atMs / 1000) * 1000;
}

/**
 * nextScheduleTime with the fields read on the zone's wall clock (unset: UTC).
 * A wall time that a daylight-saving jump skips fires at the jump; one that
 * repeats fires once.
 */
export function nextScheduleTimeIn(s: CronSchedule, afterMs: number, zone: string | undefined): number | undefined {
  if (!zone || zone === 'UTC' || zone === 'Etc/UTC') return nextScheduleTime(s, afterMs);
  let from = afterMs + zoneOffsetMs(zone, afterMs);
  // a few rounds at most: each either lands after afterMs or moves past a repeated hour
  for (let round = 0; round < 4; round++) {
    const wall = nextScheduleTime(s, from);
    if (wall === undefined) return undefined;
    const utc = wall - zoneOffsetMs(zone, wall - zoneOffsetMs(zone, wall));
    if (utc > afterMs) return utc;
    from = wall;
  }
  return undefined;
}

/** RFC 3339 with the zone's offset (`Z` in UTC), as the scheduled-timestamp annotation is written. */
export function formatInZone(ms: number, zone: string | undefined): string {
  const offset = zone ? zoneOffsetMs(zone, ms) : 0;
  const wall = new Date(ms + offset).toISOString().replace(/\.\d{3}Z$/, '');
  if (offset === 0) return `${wall}Z`;
  const minutes = Math.abs(offset) / 60_000;
  const hh = String(Math.floor(minutes / 60)).padStart(2, '0');
  const mm = String(minutes % 60).padStart(2, '0');
  return `${wall}${offset < 0 ? '-' : '+'}${hh}:${mm}`;
}
