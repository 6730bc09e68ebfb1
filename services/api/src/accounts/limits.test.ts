import { describe, expect, it } from 'vitest';
import { effectiveLimits } from '@autoposter/db/repositories/accounts';

const defaults = { dailyCap: 20, minGapSeconds: 120, postingHours: { from: '08:00', to: '21:00' }, timezone: 'UTC' };

describe('effectiveLimits', () => {
  it('fills every missing key from the defaults', () => {
    expect(effectiveLimits({}, defaults)).toEqual({
      daily_cap: 20,
      min_gap_seconds: 120,
      posting_hours: { from: '08:00', to: '21:00' },
      timezone: 'UTC',
    });
  });

  it('keeps the overrides, including zero and an explicit "any hour"', () => {
    expect(effectiveLimits({ daily_cap: 3, min_gap_seconds: 0, posting_hours: null, timezone: 'Asia/Tokyo' }, defaults)).toEqual({
      daily_cap: 3,
      min_gap_seconds: 0,
      posting_hours: null,
      timezone: 'Asia/Tokyo',
    });
  });
});
