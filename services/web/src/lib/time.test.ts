import { describe, expect, it } from 'vitest';
import { dayInZone, formatDateTime, utcToWallClock, wallClockToUtc } from './time.ts';

describe('time-zone conversion', () => {
  it('sends a wall-clock time as the UTC instant it is in the named zone', () => {
    expect(wallClockToUtc('2030-01-31T09:30', 'Europe/Paris')).toBe('2030-01-31T08:30:00.000Z');
    expect(wallClockToUtc('2030-07-31T09:30', 'Europe/Paris')).toBe('2030-07-31T07:30:00.000Z');
    expect(wallClockToUtc('2030-01-31T09:30', 'America/New_York')).toBe('2030-01-31T14:30:00.000Z');
    expect(wallClockToUtc('2030-01-31T09:30', 'Asia/Kolkata')).toBe('2030-01-31T04:00:00.000Z');
    expect(wallClockToUtc('2030-01-31T09:30', 'UTC')).toBe('2030-01-31T09:30:00.000Z');
  });

  it('crosses the date line both ways', () => {
    expect(wallClockToUtc('2030-01-01T00:30', 'Pacific/Auckland')).toBe('2029-12-31T11:30:00.000Z');
    expect(utcToWallClock('2029-12-31T11:30:00.000Z', 'Pacific/Auckland')).toBe('2030-01-01T00:30');
  });

  it('shows a UTC instant as the wall-clock time of the zone, and round-trips', () => {
    expect(utcToWallClock('2030-01-31T08:30:00.000Z', 'Europe/Paris')).toBe('2030-01-31T09:30');
    for (const zone of ['Europe/Paris', 'America/Los_Angeles', 'Australia/Lord_Howe', 'Asia/Kathmandu']) {
      for (const wall of ['2030-03-10T12:00', '2030-11-03T08:15', '2030-06-01T23:59']) {
        expect(utcToWallClock(wallClockToUtc(wall, zone), zone)).toBe(wall);
      }
    }
  });

  it('moves a time skipped by the spring DST jump forward, and takes the first of a repeated one', () => {
    // Paris skips 02:00-03:00 on 2030-03-31.
    expect(wallClockToUtc('2030-03-31T02:30', 'Europe/Paris')).toBe('2030-03-31T01:30:00.000Z');
    expect(utcToWallClock('2030-03-31T01:30:00.000Z', 'Europe/Paris')).toBe('2030-03-31T03:30');
    // New York repeats 01:00-02:00 on 2030-11-03: the first 01:30 is EDT (UTC-4).
    expect(wallClockToUtc('2030-11-03T01:30', 'America/New_York')).toBe('2030-11-03T05:30:00.000Z');
  });

  it('puts an instant on the day it falls on in the zone', () => {
    expect(dayInZone('2030-01-31T23:30:00.000Z', 'Europe/Paris')).toBe('2030-02-01');
    expect(dayInZone('2030-01-31T23:30:00.000Z', 'America/New_York')).toBe('2030-01-31');
  });

  it('formats an instant in the zone, naming the zone', () => {
    expect(formatDateTime('2030-01-31T08:30:00.000Z', 'Europe/Paris', 'en-GB')).toBe('31 Jan 2030, 09:30 CET');
    expect(formatDateTime('2030-07-31T08:30:00.000Z', 'America/New_York', 'en-US')).toBe('Jul 31, 2030, 04:30 AM EDT');
    expect(formatDateTime(null, 'UTC')).toBe('—');
  });

  it('refuses what is not a date and time', () => {
    expect(() => wallClockToUtc('tomorrow', 'UTC')).toThrow(/not a date and time/);
  });
});
