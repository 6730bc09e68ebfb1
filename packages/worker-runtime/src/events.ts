import type { Redis } from 'ioredis';
import type { AccountRow } from '@autoposter/db/repositories/account-health';
import type { DeliveryRow } from '@autoposter/db/repositories/delivery-runs';
import type { PostingJobRow } from '@autoposter/db/repositories/posting-jobs';
import { toJobView } from '@autoposter/engine';
import { appendEvent } from '@autoposter/queue';

const iso = (date: Date | null) => date?.toISOString() ?? null;

/** The delivery's public fields, as GET /api/posts/:id shows them. */
export function deliveryEventData(d: DeliveryRow) {
  return {
    id: d.id,
    post_id: d.postId,
    channel: d.channel,
    account_id: d.accountId,
    target_id: d.targetId,
    status: d.status,
    attempt_count: d.attemptCount,
    next_attempt_at: iso(d.nextAttemptAt),
    last_error_type: d.lastErrorType,
    last_error_message: d.lastErrorMessage,
    provider_post_id: d.providerPostId,
    permalink: d.permalink,
    posted_at: iso(d.postedAt),
  };
}

/**
 * Appends the platform events a worker produces. Callers append while their transaction still
 * holds the row lock of what changed (the delivery, the posting job): a concurrent writer of
 * the same row waits for the commit, so events about one job reach the stream in commit order.
 */
export class EventPublisher {
  constructor(
    private readonly redis: Redis,
    private readonly prefix: string,
  ) {}

  async deliveryUpdated(delivery: DeliveryRow): Promise<void> {
    await appendEvent(this.redis, this.prefix, {
      type: 'delivery.updated',
      user_id: delivery.userId,
      job_id: delivery.postingJobId,
      data: deliveryEventData(delivery),
    });
  }

  /**
   * `final` marks the job's last event. A job completes once, in the transaction that counted
   * its last outcome (the caller's), and no later write announces it again.
   */
  async jobProgress(job: PostingJobRow): Promise<void> {
    const final = job.completedAt !== null;
    await appendEvent(this.redis, this.prefix, {
      type: 'job.progress',
      user_id: job.userId,
      job_id: job.id,
      data: { ...toJobView(job), ...(final ? { final: true } : {}) },
    });
  }

  /** A publish attempt found the account's session unusable: its health is now `error`. */
  async sessionInvalid(account: AccountRow): Promise<void> {
    await appendEvent(this.redis, this.prefix, {
      type: 'account.health',
      user_id: account.userId,
      data: {
        account_id: account.id,
        name: account.name,
        kind: account.kind,
        session_valid: false,
        health_status: 'error',
        message: account.sessionMessage,
      },
    });
  }
}
