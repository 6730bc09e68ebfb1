import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { parseConfig } from '@autoposter/config';
import { notifierConfigSections } from './config.ts';

/** The configuration with only the required variables set. */
const defaults = () =>
  parseConfig(notifierConfigSections, {
    DATABASE_URL: 'postgres://localhost/notifier',
    REDIS_URL: 'redis://localhost:6379',
    JWT_SECRET: randomBytes(32).toString('hex'),
    SECRETS_KEYS: `v1=${randomBytes(32).toString('base64')}`,
  });

describe('notifier configuration defaults', () => {
  it('retries a failed webhook call with growing waits for 24 h in all, as the READMEs say', () => {
    const { retryDelaysMs } = defaults().webhookCalls;
    expect(retryDelaysMs.reduce((total, wait) => total + wait, 0)).toBe(24 * 3_600_000);
    expect(retryDelaysMs).toEqual([...retryDelaysMs].sort((a, b) => a - b));
  });
});
