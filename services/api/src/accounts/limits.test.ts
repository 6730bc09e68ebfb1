import { describe, expect, it } from 'vitest';
import { effectiveLimits } from '@autoposter/db/repositories/accounts';

const defaults = {
  dailyCap: 20,
  minGapSeconds: 120,
  postingHours: { from: '08:00', to: '21:00' },
  timezone: 'UTC',
  byKind: { facebook_browser: { dailyCap: 10, minGapSeconds: 600 } },
};

describe('effectiveLimits', () => {
  it('fills every missing key from the defaults', () => {
    expect(effectiveLimits({}, defaults, 'facebook_page')).toEqual({
      daily_cap: 20,
      min_gap_seconds: 120,
      posting_hours: { from: '08:00', to: '21:00' },
      timezone: 'UTC',
    });
  });

  it('keeps the overrides, including zero and an explicit "any hour"', () => {
    expect(effectiveLimits({ daily_cap: 3, min_gap_seconds: 0, posting_hours: null, timezone: 'Asia/Tokyo' }, defaults, 'facebook_browser')).toEqual({
      daily_cap: 3,
      min_gap_seconds: 0,
      posting_hours: null,
      timezone: 'Asia/Tokyo',
    });
  });

  it("gives a browser account its kind's more conservative cap and gap when it sets none", () => {
    expect(effectiveLimits({}, defaults, 'facebook_browser')).toEqual({
      daily_cap: 10,
      min_gap_seconds: 600,
      posting_hours: { from: '08:00', to: '21:00' },
      timezone: 'UTC',
    });
    expect(effectiveLimits({ daily_cap: 15 }, defaults, 'facebook_browser')).toMatchObject({ daily_cap: 15, min_gap_seconds: 600 });
  });
});
