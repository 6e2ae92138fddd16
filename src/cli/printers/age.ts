// Time as kubectl prints it: ages via k8s.io/apimachinery/pkg/util/duration
// HumanDuration (about 2–3 significant figures), absolute times in Go's
// time.RFC1123Z layout ("Mon, 02 Jan 2006 15:04:05 -0700") in the local zone,
// or as Go's time.Time.String() where kubectl prints a time with %v.

const SECOND = 1000;
const MINUTE = 60 * SECOND;
const HOUR = 60 * MINUTE;
const DAY_HOURS = 24;
const YEAR_DAYS = 365;

export type Instant = Date | number | string;

export function toMillis(t: Instant): number {
  if (t instanceof Date) return t.getTime();
  if (typeof t === 'number') return t;
  return Date.parse(t);
}

/**
 * duration.HumanDuration, rule for rule: under 2 minutes in seconds (`119s`),
 * under 10 minutes `XmYs`, under 3 hours minutes, under 8 hours `XhYm`, under
 * 2 days hours, under 8 days `XdYh`, under 2 years days, under 8 years `XyYd`,
 * then years. Up to 1s in the future counts as now (clock skew); more is `<invalid>`.
 */
export function humanDuration(ms: number): string {
  const seconds = Math.trunc(ms / SECOND);
  if (seconds < -1) return '<invalid>';
  if (seconds < 0) return '0s';
  if (seconds < 60 * 2) return `${seconds}s`;
  const minutes = Math.trunc(ms / MINUTE);
  if (minutes < 10) {
    const s = seconds % 60;
    return s === 0 ? `${minutes}m` : `${minutes}m${s}s`;
  }
  if (minutes < 60 * 3) return `${minutes}m`;
  const hours = Math.trunc(ms / HOUR);
  if (hours < 8) {
    const m = minutes % 60;
    return m === 0 ? `${hours}h` : `${hours}h${m}m`;
  }
  if (hours < 48) return `${hours}h`;
  if (hours < DAY_HOURS * 8) {
    const h = hours % DAY_HOURS;
    const d = Math.trunc(hours / DAY_HOURS);
    return h === 0 ? `${d}d` : `${d}d${h}h`;
  }
  if (hours < DAY_HOURS * YEAR_DAYS * 2) return `${Math.trunc(hours / DAY_HOURS)}d`;
  const years = Math.trunc(hours / DAY_HOURS / YEAR_DAYS);
  if (hours < DAY_HOURS * YEAR_DAYS * 8) {
    const dy = Math.trunc(hours / DAY_HOURS) % YEAR_DAYS;
    return dy === 0 ? `${years}y` : `${years}y${dy}d`;
  }
  return `${years}y`;
}

/** kubectl's translateTimestampSince: `<unknown>` for a missing or unparsable time. */
export function ageSince(timestamp: string | undefined | null, now: Instant): string {
  if (!timestamp) return '<unknown>';
  const t = Date.parse(timestamp);
  if (Number.isNaN(t)) return '<unknown>';
  return humanDuration(toMillis(now) - t);
}

const DAYS = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'];
const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

function pad2(n: number): string { return String(n).padStart(2, '0'); }

/** The local zone's offset from UTC at `d`, as Go's -0700 layout prints it. */
function zoneOffset(d: Date): string {
  const offsetMin = -d.getTimezoneOffset();
  const abs = Math.abs(offsetMin);
  return `${offsetMin < 0 ? '-' : '+'}${pad2(Math.trunc(abs / 60))}${pad2(abs % 60)}`;
}

/**
 * Go's time.RFC1123Z in the process's local zone, as kubectl describe prints
 * times. A missing time prints as Go's zero time does.
 */
export function rfc1123z(timestamp: string | undefined | null): string {
  const t = timestamp ? Date.parse(timestamp) : NaN;
  if (Number.isNaN(t)) return 'Mon, 01 Jan 0001 00:00:00 +0000';
  const d = new Date(t);
  return `${DAYS[d.getDay()]}, ${pad2(d.getDate())} ${MONTHS[d.getMonth()]} ${d.getFullYear()} ` +
    `${pad2(d.getHours())}:${pad2(d.getMinutes())}:${pad2(d.getSeconds())} ${zoneOffset(d)}`;
}

/**
 * Go's time.Time.String() of a metav1.Time, which kubectl decodes into the
 * local zone: `2026-11-29 13:41:42 +0000 UTC`. Where Intl names the zone only
 * as an offset (GMT+2), Go's own abbreviation (CEST) is unknown here and the
 * offset is printed again, as Go does for a zone without a name.
 */
export function goTimeString(timestamp: string | undefined): string {
  const t = timestamp ? Date.parse(timestamp) : NaN;
  if (Number.isNaN(t)) return '0001-01-01 00:00:00 +0000 UTC';
  const d = new Date(t);
  const offset = zoneOffset(d);
  const named = new Intl.DateTimeFormat('en-US', { timeZoneName: 'short' }).formatToParts(d).find((p) => p.type === 'timeZoneName')?.value ?? '';
  const zone = /^[A-Z]+$/.test(named) ? named : offset;
  const fraction = d.getMilliseconds() === 0 ? '' : `.${String(d.getMilliseconds()).padStart(3, '0').replace(/0+$/, '')}`;
  return `${d.getFullYear()}-${pad2(d.getMonth() + 1)}-${pad2(d.getDate())} ${pad2(d.getHours())}:${pad2(d.getMinutes())}:${pad2(d.getSeconds())}${fraction} ${offset} ${zone}`;
}
