import { describe, expect, it } from 'vitest';
import { instantOf, localDay, nextPostingWindow, startOfNextLocalDay } from './local-time.ts';

const at = (iso: string) => new Date(iso);

describe('local time', () => {
  it('names the calendar day in the account time zone', () => {
    expect(localDay(at('2026-11-03T23:30:00Z'), 'UTC')).toBe('2026-11-03');
    expect(localDay(at('2026-11-03T23:30:00Z'), 'Europe/Paris')).toBe('2026-11-04');
    expect(localDay(at('2026-11-03T03:00:00Z'), 'America/New_York')).toBe('2026-11-02');
  });

  it('finds the next local midnight across month ends and DST changes', () => {
    expect(startOfNextLocalDay(at('2026-11-30T12:00:00Z'), 'UTC').toISOString()).toBe('2026-12-01T00:00:00.000Z');
    expect(startOfNextLocalDay(at('2026-03-08T12:00:00Z'), 'America/New_York').toISOString()).toBe('2026-03-09T04:00:00.000Z');
    expect(startOfNextLocalDay(at('2026-10-24T12:00:00Z'), 'Europe/Paris').toISOString()).toBe('2026-10-24T22:00:00.000Z');
    expect(startOfNextLocalDay(at('2026-10-25T12:00:00Z'), 'Europe/Paris').toISOString()).toBe('2026-10-25T23:00:00.000Z');
  });

  it('converts a wall time to an instant', () => {
    expect(instantOf({ year: 2026, month: 7, day: 1, hour: 8, minute: 0 }, 'Europe/Paris').toISOString()).toBe(
      '2026-07-01T06:00:00.000Z',
    );
  });

  it('allows an instant inside the posting hours', () => {
    expect(nextPostingWindow(at('2026-07-01T10:00:00Z'), { from: '08:00', to: '21:00' }, 'UTC')).toBeNull();
    expect(nextPostingWindow(at('2026-07-01T23:00:00Z'), { from: '22:00', to: '06:00' }, 'UTC')).toBeNull();
    expect(nextPostingWindow(at('2026-07-01T03:00:00Z'), { from: '22:00', to: '06:00' }, 'UTC')).toBeNull();
  });

  it('waits for the window to open, today or tomorrow', () => {
    const hours = { from: '08:00', to: '21:00' };
    expect(nextPostingWindow(at('2026-07-01T05:00:00Z'), hours, 'UTC')?.toISOString()).toBe('2026-07-01T08:00:00.000Z');
    expect(nextPostingWindow(at('2026-07-01T21:00:00Z'), hours, 'UTC')?.toISOString()).toBe('2026-07-02T08:00:00.000Z');
    expect(nextPostingWindow(at('2026-07-01T12:00:00Z'), { from: '22:00', to: '06:00' }, 'UTC')?.toISOString()).toBe(
      '2026-07-01T22:00:00.000Z',
    );
    // 05:00 UTC is 07:00 in Paris (summer): opens at 08:00 Paris = 06:00 UTC.
    expect(nextPostingWindow(at('2026-07-01T05:00:00Z'), hours, 'Europe/Paris')?.toISOString()).toBe('2026-07-01T06:00:00.000Z');
  });
});
