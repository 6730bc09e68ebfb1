import { describe, expect, it } from 'vitest';
import { PublishError } from '@autoposter/publisher';
import { backoffStrategy, decideAfterFailure, retryDelayMs, RetryLaterError } from './retry-policy.ts';

const retry = { maxAttempts: 3, delaysMs: [100, 500] };

describe('retry policy', () => {
  it('fails permanent errors at once', () => {
    expect(decideAfterFailure(new PublishError('session_expired', 'x'), 1, retry)).toEqual({ kind: 'fail' });
    expect(decideAfterFailure(new PublishError('validation_error', 'x'), 1, retry)).toEqual({ kind: 'fail' });
  });

  it('retries temporary errors with the configured waits, the last one repeating', () => {
    const error = new PublishError('network_error', 'x');
    expect(decideAfterFailure(error, 1, retry)).toEqual({ kind: 'retry', delayMs: 100 });
    expect(decideAfterFailure(error, 2, retry)).toEqual({ kind: 'retry', delayMs: 500 });
    expect(retryDelayMs(7, retry.delaysMs)).toBe(500);
  });

  it('fails once the run has used its attempts', () => {
    expect(decideAfterFailure(new PublishError('provider_unavailable', 'x'), 3, retry)).toEqual({ kind: 'fail' });
  });

  it('honours a longer retry-after, never a shorter one', () => {
    expect(decideAfterFailure(new PublishError('rate_limit', 'x', { retryAfterMs: 9_000 }), 1, retry)).toEqual({
      kind: 'retry',
      delayMs: 9_000,
    });
    expect(retryDelayMs(2, retry.delaysMs, 10)).toBe(500);
  });

  it('gives BullMQ the delay the processor decided', async () => {
    const strategy = backoffStrategy(retry.delaysMs);
    expect(await strategy(1, 'custom', new RetryLaterError('x', 4_321))).toBe(4_321);
    expect(await strategy(2, 'custom', new Error('database down'))).toBe(500);
  });
});
