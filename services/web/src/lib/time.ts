// Dates are shown in the person's time zone and sent as UTC. A `datetime-local` input holds a
// wall-clock time ("2030-01-31T09:30") with no zone: these convert it in a named IANA zone.

// Building an Intl.DateTimeFormat costs far more than formatting with one (a table of dates
// built one per cell took a good part of the posts page's render): each one is kept.
const formatters = new Map<string, Intl.DateTimeFormat>();
function formatter(locale: string | undefined, options: Intl.DateTimeFormatOptions): Intl.DateTimeFormat {
  const key = JSON.stringify([locale, options]);
  let format = formatters.get(key);
  if (!format) {
    format = new Intl.DateTimeFormat(locale, options);
    formatters.set(key, format);
  }
  return format;
}

export const browserTimeZone = (): string => formatter(undefined, {}).resolvedOptions().timeZone;

const WALL_CLOCK = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})(?::(\d{2}))?$/;

/** Minutes the zone is ahead of UTC at `instant` (e.g. +60 for Paris in winter). */
function zoneOffsetMinutes(instant: number, timeZone: string): number {
  const parts = formatter('en-US', {
    timeZone,
    hourCycle: 'h23',
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
    hour: '2-digit',
    minute: '2-digit',
    second: '2-digit',
  }).formatToParts(new Date(instant));
  const value = (type: string) => Number(parts.find((part) => part.type === type)?.value);
  const asUtc = Date.UTC(value('year'), value('month') - 1, value('day'), value('hour'), value('minute'), value('second'));
  return Math.round((asUtc - Math.floor(instant / 1000) * 1000) / 60_000);
}

/**
 * The UTC ISO instant of a wall-clock time in `timeZone`. A time skipped by a DST jump is
 * moved forward by the jump, as clocks do; an ambiguous one takes its first occurrence.
 */
export function wallClockToUtc(wallClock: string, timeZone: string): string {
  const match = WALL_CLOCK.exec(wallClock);
  if (!match) throw new Error(`not a date and time: ${wallClock}`);
  const [year, month, day, hour, minute, second] = match.slice(1).map((part) => Number(part ?? 0)) as number[];
  const naive = Date.UTC(year!, month! - 1, day!, hour!, minute!, second!);
  const DAY = 86_400_000;
  // The offsets in force a day before and after: any DST change in between is one of them.
  const offsets = [zoneOffsetMinutes(naive - DAY, timeZone), zoneOffsetMinutes(naive + DAY, timeZone)];
  const valid = offsets.map((offset) => naive - offset * 60_000).filter((instant, i) => zoneOffsetMinutes(instant, timeZone) === offsets[i]);
  const instant = valid.length > 0 ? Math.min(...valid) : naive - offsets[0]! * 60_000;
  return new Date(instant).toISOString();
}

/** The `datetime-local` value ("YYYY-MM-DDTHH:mm") showing a UTC instant in `timeZone`. */
export function utcToWallClock(iso: string, timeZone: string): string {
  const instant = Date.parse(iso);
  const shifted = new Date(instant + zoneOffsetMinutes(instant, timeZone) * 60_000);
  return shifted.toISOString().slice(0, 16);
}

/** "Jan 31, 2030, 09:30 CET": a UTC instant as the person reads it. */
export function formatDateTime(iso: string | null | undefined, timeZone = browserTimeZone(), locale?: string): string {
  if (!iso) return '—';
  return formatter(locale, { year: 'numeric', month: 'short', day: 'numeric', hour: '2-digit', minute: '2-digit', timeZone, timeZoneName: 'short' }).format(new Date(iso));
}

/** The calendar day ("YYYY-MM-DD") a UTC instant falls on in `timeZone`. */
export const dayInZone = (iso: string, timeZone: string): string => utcToWallClock(iso, timeZone).slice(0, 10);
