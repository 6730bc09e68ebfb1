import { describe, expect, it } from 'vitest';
import { parseConfig } from './load-config.ts';
import { pacingSection } from './sections.ts';

describe('pacing defaults', () => {
  it('gives browser accounts a smaller daily cap and a longer gap than other accounts, unless configured otherwise', () => {
    expect(parseConfig({ pacing: pacingSection }, {}).pacing).toEqual({
      dailyCap: 20,
      minGapSeconds: 120,
      postingHours: null,
      timezone: 'UTC',
      byKind: { facebook_browser: { dailyCap: 10, minGapSeconds: 600 } },
    });
    const configured = parseConfig({ pacing: pacingSection }, { DEFAULT_BROWSER_DAILY_CAP: '4', DEFAULT_BROWSER_MIN_GAP_SECONDS: '1800' }).pacing;
    expect(configured.byKind).toEqual({ facebook_browser: { dailyCap: 4, minGapSeconds: 1_800 } });
  });
});
