/** Wall-clock arithmetic in an IANA time zone, for posting hours and per-day caps. */

interface WallClock {
  year: number;
  month: number;
  day: number;
  hour: number;
  minute: number;
}

const formatters = new Map<string, Intl.DateTimeFormat>();

function formatter(timeZone: string): Intl.DateTimeFormat {
  let f = formatters.get(timeZone);
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', {
      timeZone,
      hourCycle: 'h23',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
      second: 'numeric',
    });
    formatters.set(timeZone, f);
  }
  return f;
}

function wallClock(instant: Date, timeZone: string): WallClock & { second: number } {
  const parts = Object.fromEntries(formatter(timeZone).formatToParts(instant).map((p) => [p.type, Number(p.value)]));
  return { year: parts.year!, month: parts.month!, day: parts.day!, hour: parts.hour!, minute: parts.minute!, second: parts.second! };
}

/** How far the zone's wall clock is ahead of UTC at that instant. */
function offsetMs(instant: Date, timeZone: string): number {
  const w = wallClock(instant, timeZone);
  const asUtc = Date.UTC(w.year, w.month - 1, w.day, w.hour, w.minute, w.second);
  return asUtc - Math.floor(instant.getTime() / 1000) * 1000;
}

/** The instant the zone's clock shows this wall time (the later side of a DST gap). */
export function instantOf(wall: WallClock, timeZone: string): Date {
  const asUtc = Date.UTC(wall.year, wall.month - 1, wall.day, wall.hour, wall.minute);
  const first = asUtc - offsetMs(new Date(asUtc), timeZone);
  const second = asUtc - offsetMs(new Date(first), timeZone);
  return new Date(Math.max(first, second));
}

/** "2026-11-03": the calendar day in the zone, the key of a per-day count. */
export function localDay(instant: Date, timeZone: string): string {
  const w = wallClock(instant, timeZone);
  return `${w.year}-${String(w.month).padStart(2, '0')}-${String(w.day).padStart(2, '0')}`;
}

/** Wall time `daysAhead` days after the instant's local day, at hh:mm (month/day overflow normalised). */
function dayAt(instant: Date, timeZone: string, daysAhead: number, hour: number, minute: number): Date {
  const w = wallClock(instant, timeZone);
  const date = new Date(Date.UTC(w.year, w.month - 1, w.day + daysAhead));
  return instantOf(
    { year: date.getUTCFullYear(), month: date.getUTCMonth() + 1, day: date.getUTCDate(), hour, minute },
    timeZone,
  );
}

export const startOfNextLocalDay = (instant: Date, timeZone: string) => dayAt(instant, timeZone, 1, 0, 0);

export interface PostingHours {
  /** "HH:MM" local time. */
  from: string;
  to: string;
}

const minutesOf = (hhmm: string) => {
  const [h, m] = hhmm.split(':').map(Number);
  return h! * 60 + m!;
};

/**
 * Null when the instant falls inside the daily window [from, to) (a window may wrap past
 * midnight: 22:00-06:00); otherwise the next instant the window opens.
 */
export function nextPostingWindow(instant: Date, hours: PostingHours, timeZone: string): Date | null {
  const from = minutesOf(hours.from);
  const to = minutesOf(hours.to);
  const w = wallClock(instant, timeZone);
  const now = w.hour * 60 + w.minute;
  const inside = from < to ? now >= from && now < to : from > to ? now >= from || now < to : true;
  if (inside) return null;
  return dayAt(instant, timeZone, now < from ? 0 : 1, Math.floor(from / 60), from % 60);
}
