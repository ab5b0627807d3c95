// Parsing date-times from files and APIs. Values without an offset are wall-clock times in the given zone.

const formatters = new Map<string, Intl.DateTimeFormat>();

function offsetMs(utcMs: number, timeZone: string): number {
  let f = formatters.get(timeZone);
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', { timeZone, hourCycle: 'h23', year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', second: '2-digit' });
    formatters.set(timeZone, f);
  }
  const p = Object.fromEntries(f.formatToParts(new Date(utcMs)).map((x) => [x.type, x.value]));
  const asUtc = Date.UTC(+p.year, +p.month - 1, +p.day, +p.hour, +p.minute, +p.second);
  return asUtc - Math.floor(utcMs / 1000) * 1000;
}

export function isValidTimeZone(tz: string): boolean {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: tz });
    return true;
  } catch {
    return false;
  }
}

export function wallTimeToUtc(y: number, mo: number, d: number, h: number, mi: number, s: number, timeZone: string): Date {
  const guess = Date.UTC(y, mo - 1, d, h, mi, s);
  const o1 = offsetMs(guess, timeZone);
  const t1 = guess - o1;
  const o2 = offsetMs(t1, timeZone);
  if (o1 === o2) return new Date(t1);
  const t2 = guess - o2;
  if (offsetMs(t2, timeZone) === o2) return new Date(t2);
  // The wall time falls in a DST gap (it never happened): move it forward, as calendars do.
  return new Date(Math.max(t1, t2));
}

const NAIVE = /^(\d{4})[-/.](\d{1,2})[-/.](\d{1,2})(?:[ T](\d{1,2}):(\d{2})(?::(\d{2})(?:\.\d+)?)?)?$/;

/** Parses ISO-8601 with offset, naive "YYYY-MM-DD[ HH:mm[:ss]]" (also with / or .), epoch seconds/ms, or a Date. */
export function parseDateTime(value: unknown, timeZone: string): Date | null {
  if (value instanceof Date) {
    // Spreadsheet cells carry wall-clock time in UTC fields.
    return Number.isNaN(value.getTime()) ? null : wallTimeToUtc(value.getUTCFullYear(), value.getUTCMonth() + 1, value.getUTCDate(), value.getUTCHours(), value.getUTCMinutes(), value.getUTCSeconds(), timeZone);
  }
  if (typeof value === 'number') return epoch(value);
  if (typeof value !== 'string') return null;
  const s = value.trim();
  if (/^\d{10}$|^\d{13}$/.test(s)) return epoch(Number(s));
  const m = NAIVE.exec(s);
  if (m) {
    const [y, mo, d, h, mi, sec] = [m[1], m[2], m[3], m[4] ?? '0', m[5] ?? '0', m[6] ?? '0'].map(Number);
    if (mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 || sec > 59) return null;
    const date = wallTimeToUtc(y, mo, d, h, mi, sec, timeZone);
    return Number.isNaN(date.getTime()) ? null : date;
  }
  if (/^\d{4}-\d{2}-\d{2}T.*(Z|[+-]\d{2}:?\d{2})$/.test(s)) {
    const t = Date.parse(s);
    return Number.isNaN(t) ? null : new Date(t);
  }
  return null;
}

function epoch(n: number): Date | null {
  const ms = n < 1e12 ? n * 1000 : n;
  const d = new Date(ms);
  return Number.isNaN(d.getTime()) ? null : d;
}

/** The calendar date of an instant in a zone, with its ISO weekday (1 = Monday ... 7 = Sunday). */
export function localDate(at: Date, timeZone: string): { year: number; month: number; day: number; weekday: number } {
  const local = new Date(at.getTime() + offsetMs(at.getTime(), timeZone));
  const weekday = local.getUTCDay() === 0 ? 7 : local.getUTCDay();
  return { year: local.getUTCFullYear(), month: local.getUTCMonth() + 1, day: local.getUTCDate(), weekday };
}

/**
 * The zone's UTC offset in ms when it is the same at every instant of [from, to], else null (a daylight-saving change,
 * or a change of the zone's rules, falls inside). Checked once a day: no zone keeps an offset for less than that.
 */
export function steadyOffsetMs(timeZone: string, from: Date, to: Date): number | null {
  const offset = offsetMs(from.getTime(), timeZone);
  for (let t = from.getTime() + 86_400_000; t < to.getTime(); t += 86_400_000) if (offsetMs(t, timeZone) !== offset) return null;
  return offsetMs(to.getTime(), timeZone) === offset ? offset : null;
}

/** Midnight at the start of the instant's calendar day in a zone, and the next midnight. */
export function localDayBounds(at: Date, timeZone: string): { start: Date; end: Date } {
  const { year, month, day } = localDate(at, timeZone);
  return { start: wallTimeToUtc(year, month, day, 0, 0, 0, timeZone), end: wallTimeToUtc(year, month, day + 1, 0, 0, 0, timeZone) };
}

/** Minutes since local midnight of an instant in a zone. */
export function localMinuteOfDay(at: Date, timeZone: string): number {
  const { start } = localDayBounds(at, timeZone);
  return Math.floor((at.getTime() - start.getTime()) / 60_000);
}

/**
 * The first instant at or after `from` whose local time in the zone is hh:mm, on one of the ISO weekdays if given.
 * Walks calendar days, so DST changes and zones without them are both handled by wallTimeToUtc.
 */
export function nextLocalTime(from: Date, hhmm: string, timeZone: string, weekdays?: number[]): Date {
  const [h, m] = hhmm.split(':').map(Number);
  const today = localDate(from, timeZone);
  for (let i = 0; i < 8; i++) {
    const candidate = wallTimeToUtc(today.year, today.month, today.day + i, h, m, 0, timeZone);
    if (candidate.getTime() < from.getTime()) continue;
    if (weekdays?.length && !weekdays.includes(localDate(candidate, timeZone).weekday)) continue;
    return candidate;
  }
  throw new Error(`no ${hhmm} on weekdays ${weekdays} within a week`);
}

const EARLIEST = Date.UTC(1000, 0, 1);
const LATEST = Date.UTC(9999, 11, 31, 23, 59, 59, 999);

/**
 * Instants a sender could mean and the database can store: the years 1000 to 9999 (ISO-8601's four-digit years).
 * JavaScript parses dates 270,000 years either way; PostgreSQL refuses those before 4713 BC, and one such timestamp
 * would fail every message stored with it.
 */
export function isStorableInstant(ms: number): boolean {
  return ms >= EARLIEST && ms <= LATEST;
}
