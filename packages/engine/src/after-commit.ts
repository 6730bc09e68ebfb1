import type { QueueableDelivery } from '@autoposter/db/repositories/delivery-scheduling';
import { recordDeliveryOutcome, type PostingJobRow } from '@autoposter/db/repositories/posting-jobs';
import type { DbOrTx } from '@autoposter/db';
import { appendEvent } from '@autoposter/queue';
import type { EngineContext } from './context.ts';
import { toJobView } from './job-view.ts';
import { enqueueDeliveries, removeRunJobs } from './publish-queues.ts';

/**
 * Work is committed to Postgres first; then its jobs go to Redis. If Redis is unreachable at
 * that moment nothing is lost: the dispatch pass adds every live delivery's missing job.
 */
export async function enqueueCommitted(ctx: EngineContext, deliveries: QueueableDelivery[]): Promise<void> {
  const now = ctx.now();
  const due = deliveries.filter((d) => (d.dueAt?.getTime() ?? 0) <= now.getTime() + ctx.settings.horizonMs);
  if (due.length === 0) return;
  try {
    await enqueueDeliveries(ctx.queues, due, { maxAttempts: ctx.settings.maxAttempts, now });
  } catch (err) {
    ctx.logger.warn({ err, count: due.length }, 'could not enqueue now; the dispatch pass will');
  }
}

export async function removeReplacedJobs(ctx: EngineContext, replaced: QueueableDelivery[]) {
  try {
    await removeRunJobs(ctx.queues, replaced);
  } catch (err) {
    ctx.logger.warn({ err }, 'could not remove replaced jobs; workers will skip them');
  }
}

/**
 * Deliveries leaving a job before finishing (rescheduled, canceled, published now in another
 * job) are counted out of it, so the old job still completes.
 */
export async function detachFromJobs(tx: DbOrTx, deliveries: QueueableDelivery[]): Promise<PostingJobRow[]> {
  const jobs = new Map<string, PostingJobRow>();
  for (const d of deliveries) {
    if (!d.postingJobId) continue;
    const counted = await recordDeliveryOutcome(tx, { jobId: d.postingJobId, postId: d.postId, outcome: 'canceled' });
    if (counted) jobs.set(counted.id, counted);
  }
  return [...jobs.values()];
}

/**
 * `job.progress` for each job, with `final: true` once it has completed. Sent together, not
 * one round trip each: one connection runs them in the order they were sent.
 */
export async function announceJobs(ctx: EngineContext, jobs: PostingJobRow[]) {
  await Promise.all(
    jobs.map((job) =>
      appendEvent(ctx.redis, ctx.prefix, {
        type: 'job.progress',
        user_id: job.userId,
        job_id: job.id,
        data: { ...toJobView(job), ...(job.completedAt ? { final: true } : {}) },
      }).catch((err: unknown) => ctx.logger.warn({ err }, 'could not append job.progress')),
    ),
  );
}

/** `delivery.updated` for each delivery, sent together like `announceJobs`. */
export async function announceDeliveries(ctx: EngineContext, deliveries: QueueableDelivery[]) {
  await Promise.all(
    deliveries.map((d) =>
      appendEvent(ctx.redis, ctx.prefix, {
        type: 'delivery.updated',
        user_id: d.userId,
        job_id: d.postingJobId,
        data: { id: d.id, post_id: d.postId, channel: d.channel, status: d.status, due_at: d.dueAt?.toISOString() ?? null },
      }).catch((err: unknown) => ctx.logger.warn({ err }, 'could not append delivery.updated')),
    ),
  );
}
