import type { BackoffStrategy } from 'bullmq';
import type { PublishError } from '@autoposter/publisher';

export interface RetryConfig {
  /** Attempts per run, the first included. */
  maxAttempts: number;
  /** Waits before the 2nd, 3rd... attempt; the last one repeats. */
  delaysMs: number[];
}

export type FailureDecision = { kind: 'fail' } | { kind: 'retry'; delayMs: number };

/**
 * Permanent errors fail at once; temporary ones wait and try again until the run's attempts are
 * used up, at least `minDelayMs` later.
 */
export function decideAfterFailure(error: PublishError, attemptOfRun: number, retry: RetryConfig, minDelayMs = 0): FailureDecision {
  if (!error.temporary || attemptOfRun >= retry.maxAttempts) return { kind: 'fail' };
  return { kind: 'retry', delayMs: Math.max(retryDelayMs(attemptOfRun, retry.delaysMs, error.retryAfterMs), minDelayMs) };
}

/** The configured wait after the n-th attempt, or the provider's own retry-after when it asks for longer. */
export function retryDelayMs(attemptOfRun: number, delaysMs: number[], retryAfterMs?: number): number {
  const configured = delaysMs[Math.min(attemptOfRun, delaysMs.length) - 1] ?? 0;
  return Math.max(configured, retryAfterMs ?? 0);
}

/** Thrown to BullMQ after the delivery was set to `retrying`: the job comes back after exactly `delayMs`. */
export class RetryLaterError extends Error {
  override name = 'RetryLaterError';
  constructor(
    message: string,
    readonly delayMs: number,
  ) {
    super(message);
  }
}

/**
 * The Worker's custom backoff: the delay the processor already wrote to the delivery's
 * next_attempt_at. Any other error (the database was unreachable before a claim...) gets the
 * configured schedule.
 */
export const backoffStrategy =
  (delaysMs: number[]): BackoffStrategy =>
  (attemptsMade, _type, err) =>
    err instanceof RetryLaterError ? err.delayMs : retryDelayMs(attemptsMade, delaysMs);
