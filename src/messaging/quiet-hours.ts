// Quiet hours in the customer's own time zone: a window that may wrap midnight (21:00–09:00).
import { localMinuteOfDay, nextLocalTime } from '../kernel/time.ts';

const minutes = (hhmm: string) => {
  const [h, m] = hhmm.split(':').map(Number);
  return h * 60 + m;
};

/** When a message due at `at` may go out: `at` itself outside quiet hours, else the end of the quiet window. */
export function quietUntil(at: Date, quiet: { start: string; end: string } | null, timeZone: string): Date | null {
  if (!quiet || quiet.start === quiet.end) return null;
  const now = localMinuteOfDay(at, timeZone);
  const start = minutes(quiet.start);
  const end = minutes(quiet.end);
  const inside = start < end ? now >= start && now < end : now >= start || now < end;
  return inside ? nextLocalTime(at, quiet.end, timeZone) : null;
}
